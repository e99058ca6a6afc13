/** The Limits contract (functions/core/ports.ts), run against the in-memory twin and dynalite. */
import { describe, expect, it } from "vitest";
import type { TablePorts } from "./subscribers.contract.js";

const T0 = new Date("2026-03-02T09:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let counter = 0;
/** Two a day, as one window. */
const DAILY = [{ windowSeconds: 86_400, limit: 2 }];

export function limitsContract(name: string, make: () => Promise<TablePorts>): void {
  describe(`Limits contract: ${name}`, () => {
    it("gives a mailbox `limit` slots per window, once per signup, and frees them as they age", async () => {
      const { limits } = await make();
      const mailbox = `mailbox-${process.pid}-${Date.now()}-${Math.random()}`;
      const take = (signup: string, now: Date) =>
        limits.reserveMailboxSlot(mailbox, signup, now, DAILY);
      expect(await take("s1", T0)).toBe(true);
      expect(await take("s1", at(HOUR))).toBe(true); // a redelivery of s1: its own slot
      expect(await take("s2", at(2 * HOUR))).toBe(true);
      expect(await take("s3", at(3 * HOUR))).toBe(false);
      expect(await take("s2", at(3 * HOUR))).toBe(true);
      expect(await take("s3", at(DAY - 1))).toBe(false); // just under 24 h after s1: still inside
      expect(await take("s3", at(DAY + 1))).toBe(true); // s1 has aged out
      expect(await take("s4", at(DAY + 2))).toBe(false);
      // Another mailbox has its own slots.
      expect(await limits.reserveMailboxSlot(`${mailbox}-other`, "s4", at(DAY + 2), DAILY)).toBe(
        true,
      );
    });

    it("gives a released slot to the next signup; releasing one it never had changes nothing", async () => {
      const { limits } = await make();
      const mailbox = `release-${process.pid}-${Date.now()}-${Math.random()}`;
      const take = (signup: string) => limits.reserveMailboxSlot(mailbox, signup, T0, DAILY);
      await limits.releaseMailboxSlot(mailbox, "nobody");
      expect(await take("s1")).toBe(true);
      expect(await take("s2")).toBe(true);
      expect(await take("s3")).toBe(false);
      await limits.releaseMailboxSlot(mailbox, "s1");
      await limits.releaseMailboxSlot(mailbox, "s9");
      expect(await take("s3")).toBe(true);
      expect(await take("s1")).toBe(false);
    });

    it("keeps every window: two a day and three a week", async () => {
      const { limits } = await make();
      const mailbox = `weekly-${process.pid}-${Date.now()}-${Math.random()}`;
      const windows = [
        { windowSeconds: 86_400, limit: 2 },
        { windowSeconds: 7 * 86_400, limit: 3 },
      ];
      const take = (signup: string, now: Date) =>
        limits.reserveMailboxSlot(mailbox, signup, now, windows);
      expect(await take("s1", T0)).toBe(true);
      expect(await take("s2", at(HOUR))).toBe(true);
      expect(await take("s3", at(2 * HOUR))).toBe(false); // the day's two
      expect(await take("s3", at(DAY + 2 * HOUR))).toBe(true); // a new day, the week's third
      expect(await take("s4", at(3 * DAY))).toBe(false); // the week's three
      expect(await take("s3", at(3 * DAY))).toBe(true); // a redelivery keeps its own
      expect(await take("s4", at(7 * DAY + 1))).toBe(true); // s1 has left the week
    });

    it("takes no slot of a declined mailbox until the date, and keeps the later date", async () => {
      const { limits } = await make();
      const mailbox = `declined-${process.pid}-${Date.now()}-${Math.random()}`;
      const take = (signup: string, now: Date) =>
        limits.reserveMailboxSlot(mailbox, signup, now, DAILY);
      expect(await take("s1", T0)).toBe(true);
      await limits.declineMailbox(mailbox, at(30 * DAY));
      await limits.declineMailbox(mailbox, at(10 * DAY)); // an earlier date changes nothing
      expect(await take("s1", at(HOUR))).toBe(false); // even a signup that held a slot
      expect(await take("s2", at(30 * DAY - 1))).toBe(false);
      expect(await take("s2", at(30 * DAY + 1))).toBe(true);
      // A mailbox never reserved can be declined too.
      await limits.declineMailbox(`${mailbox}-new`, at(DAY));
      expect(await limits.reserveMailboxSlot(`${mailbox}-new`, "s1", at(HOUR), DAILY)).toBe(false);
    });

    it("never hands out more slots than the limit to concurrent signups", async () => {
      const { limits } = await make();
      const mailbox = `race-${process.pid}-${Date.now()}-${Math.random()}`;
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          limits.reserveMailboxSlot(mailbox, `r${i}`, T0, DAILY),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(2);
    });

    it("counts hits per key and window", async () => {
      const { limits } = await make();
      const key = `subscribe:198.51.100.${counter++ % 250}-${Date.now()}`;
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await limits.hit(key, T0, 3600, 3));
      expect(results).toEqual([false, false, false, true]);
      expect(await limits.hit(`${key}-other`, T0, 3600, 3)).toBe(false);
      expect(await limits.hit(key, at(HOUR), 3600, 3)).toBe(false);
      expect(await limits.hit(key, T0, 3600, 3)).toBe(true);
    });

    it("takes units up to the limit without counting a refusal, and takes back what it gave", async () => {
      const { limits } = await make();
      const key = `share-${process.pid}-${Date.now()}-${Math.random()}`;
      const takes = [];
      for (let i = 0; i < 4; i++) takes.push(await limits.take(key, T0, 3600, 3));
      expect(takes).toEqual([true, true, true, false]);
      await limits.giveBack(key, T0);
      expect(await limits.take(key, T0, 3600, 3)).toBe(true);
      expect(await limits.take(key, T0, 3600, 3)).toBe(false);
      expect(await limits.take(key, at(HOUR), 3600, 3)).toBe(true); // a new window
      // Concurrent takers never get more than the limit between them.
      const raced = await Promise.all(
        Array.from({ length: 8 }, () => limits.take(`${key}-race`, T0, 3600, 3)),
      );
      expect(raced.filter(Boolean)).toHaveLength(3);
    });

    it("reserves runs of slots on a shared schedule: from now when it is free, else after the last", async () => {
      const { limits } = await make();
      const key = `schedule-${Math.random().toString(36).slice(2)}`;
      const first = (now: number, count: number, spacing: number) =>
        limits.reserveSlots(key, at(now), count, spacing).then((d) => d.getTime() - T0.getTime());
      expect(await first(0, 5, 100)).toBe(0); // slots 0..400; next free 500
      expect(await first(10, 2, 100)).toBe(500); // behind: after the last run
      expect(await first(690, 1, 100)).toBe(700);
      expect(await first(5_000, 3, 100)).toBe(5_000); // idle since: from now, nothing banked
      expect(await limits.reserveSlots(`${key}-other`, at(5_000), 1, 100)).toEqual(at(5_000));
      expect(await first(5_050, 1, 250)).toBe(5_300); // a caller with a longer spacing
      expect(await first(5_050, 1, 100)).toBe(5_550);
    });

    it("starts a schedule again from now when a caller whose clock ran ahead pushed it far on", async () => {
      const { limits } = await make();
      const key = `skew-schedule-${Math.random().toString(36).slice(2)}`;
      const first = (now: number, count: number, spacing: number) =>
        limits.reserveSlots(key, at(now), count, spacing).then((d) => d.getTime() - T0.getTime());
      expect(await first(HOUR, 1, 100)).toBe(HOUR); // a clock an hour fast
      expect(await first(0, 2, 100)).toBe(0); // the others are not made to wait an hour
      expect(await first(0, 1, 100)).toBe(200);
    });

    it("never hands a slot out twice to callers racing for it", async () => {
      const { limits } = await make();
      const key = `race-schedule-${Math.random().toString(36).slice(2)}`;
      // Twenty callers at once, some at a later instant, in runs of 1 to 4 slots.
      const runs = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const count = 1 + (i % 4);
          const start = await limits.reserveSlots(key, at(i % 3), count, 10);
          return { start: start.getTime() - T0.getTime(), count };
        }),
      );
      const slots = runs
        .flatMap(({ start, count }) => Array.from({ length: count }, (_, k) => start + k * 10))
        .sort((a, b) => a - b);
      expect(slots).toHaveLength(runs.reduce((n, r) => n + r.count, 0));
      for (let i = 1; i < slots.length; i += 1) {
        expect((slots[i] as number) - (slots[i - 1] as number)).toBeGreaterThanOrEqual(10);
      }
    });

    it("shares units among holders: what others hold counts, their own does not, a stale holder's nothing", async () => {
      const { limits } = await make();
      const key = `hold-${Math.random().toString(36).slice(2)}`;
      const FRESH = 60_000;
      const hold = (holder: string, holding: number, want: number, available: number, now = 0) =>
        limits.holdUnits(key, holder, { holding, want, available }, at(now), FRESH);
      expect(await hold("a", 0, 30, 50)).toBe(30);
      expect(await hold("b", 0, 30, 50)).toBe(20); // a holds 30 of the 50
      expect(await hold("b", 20, 10, 50)).toBe(0); // nothing left beside its own 20
      expect(await hold("a", 10, 0, 50)).toBe(0); // a has sent 20 of its 30: it holds 10
      expect(await hold("b", 20, 30, 50)).toBe(20);
      expect(await hold("a", 0, 0, 50)).toBe(0); // a lets go
      expect(await hold("c", 0, 100, 50)).toBe(10); // b holds 40
      // b stops writing (its sender died): a minute on, its units count for nobody.
      expect(await hold("c", 10, 100, 50, FRESH + 1)).toBe(40);
      // Other keys share out their own units.
      expect(
        await limits.holdUnits(
          `${key}-other`,
          "a",
          { holding: 0, want: 5, available: 5 },
          T0,
          FRESH,
        ),
      ).toBe(5);
    });

    it("never gives more than is available to sixteen holders racing for it, and fails none", async () => {
      const { limits } = await make();
      const key = `hold-race-${Math.random().toString(36).slice(2)}`;
      const given = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          limits.holdUnits(key, `h${i}`, { holding: 0, want: 4, available: 10 }, T0, 60_000),
        ),
      );
      expect(given.reduce((a, b) => a + b, 0)).toBe(10);
    });
  });
}
