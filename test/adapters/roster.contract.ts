/**
 * The Roster and Clicks contracts (functions/core/ports.ts), run against the in-memory twin,
 * dynalite and moto (store.memory, store.dynamo and store.moto tests).
 */
import { describe, expect, it } from "vitest";
import type { Clicks, Roster, Subscribers } from "../../functions/core/ports.js";
import { pendingSubscriber, withStatus } from "./subscribers.contract.js";

export interface RosterPorts {
  subscribers: Subscribers;
  roster: Roster;
  clicks: Clicks;
}

const T0 = new Date("2026-03-02T09:00:00.000Z");

export function rosterContract(name: string, make: () => Promise<RosterPorts>): void {
  describe(`Roster contract: ${name}`, () => {
    it("looks up each id's status, erasure marks included, and leaves out unknown ids", async () => {
      const { subscribers, roster } = await make();
      const active = await withStatus(subscribers, "active");
      const left = await withStatus(subscribers, "unsubscribed");
      const pending = pendingSubscriber({ generation: "aaaaaaaaaaaaaaaa" });
      await subscribers.create(pending);
      const erased = await withStatus(subscribers, "complained");
      await subscribers.erase(erased.id, T0);
      const unknown = pendingSubscriber().id;
      const found = await roster.lookup([active.id, left.id, pending.id, erased.id, unknown]);
      expect(found.get(active.id)?.status).toBe("active");
      expect(found.get(left.id)?.status).toBe("unsubscribed");
      expect(found.get(pending.id)).toMatchObject({
        status: "pending",
        generation: "aaaaaaaaaaaaaaaa",
      });
      expect(found.get(erased.id)).toEqual({ status: "erased" });
      expect(found.has(unknown)).toBe(false);
    });

    it("looks up 100 ids at once", async () => {
      const { subscribers, roster } = await make();
      const made = Array.from({ length: 100 }, () => pendingSubscriber());
      await Promise.all(made.map((s) => subscribers.create(s)));
      const found = await roster.lookup(made.map((s) => s.id));
      expect(found.size).toBe(100);
    });

    it("adds a batch, each reader on their own: the new ones, not the one already there", async () => {
      const { roster } = await make();
      const there = pendingSubscriber({ status: "active", confirmedAt: T0.toISOString() });
      await roster.add([there]);
      const fresh = Array.from({ length: 80 }, () =>
        pendingSubscriber({ status: "active", confirmedAt: T0.toISOString() }),
      );
      const results = await roster.add([...fresh.slice(0, 40), there, ...fresh.slice(40)]);
      expect(results.filter(Boolean)).toHaveLength(80);
      expect(results[40]).toBe(false);
      const found = await roster.lookup(fresh.slice(0, 100).map((s) => s.id));
      expect(found.size).toBe(80);
    });

    it("adds a new reader once, and never over a record or an erasure mark", async () => {
      const { subscribers, roster } = await make();
      const reader = pendingSubscriber({ status: "active", confirmedAt: T0.toISOString() });
      expect(await roster.add([reader])).toEqual([true]);
      expect(await roster.add([{ ...reader, firstName: "Changed" }])).toEqual([false]);
      expect((await subscribers.get(reader.id))?.firstName).toBe("Ann");
      const gone = await withStatus(subscribers, "active");
      await subscribers.erase(gone.id, T0);
      // Even with consent given after the erasure, an add never undoes it.
      const later = { ...gone, consent: { ...gone.consent, at: "2030-01-01T00:00:00.000Z" } };
      expect(await roster.add([later])).toEqual([false]);
      expect(await subscribers.get(gone.id)).toBeUndefined();
      expect((await roster.lookup([gone.id])).get(gone.id)?.status).toBe("erased");
    });

    it("pages through every reader once, never an erasure mark", async () => {
      const { subscribers, roster } = await make();
      const kept = await Promise.all(
        Array.from({ length: 7 }, () => withStatus(subscribers, "active")),
      );
      const erased = await withStatus(subscribers, "pending");
      await subscribers.erase(erased.id, T0);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await roster.page(cursor, 3);
        seen.push(...page.items.map((s) => s.id));
        cursor = page.cursor;
      } while (cursor !== undefined);
      for (const s of kept) expect(seen.filter((id) => id === s.id)).toHaveLength(1);
      expect(seen).not.toContain(erased.id);
    });
  });

  describe(`Clicks contract: ${name}`, () => {
    it("counts every click on a tip and keeps only the reader's last click week", async () => {
      const { subscribers, clicks } = await make();
      const reader = await withStatus(subscribers, "active");
      const tip = `tip-${process.pid}-${Date.now()}`;
      await clicks.count(reader.id, tip, "2026-W10");
      await clicks.count(reader.id, tip, "2026-W11");
      const other = await withStatus(subscribers, "active");
      await clicks.count(other.id, tip, "2026-W11");
      expect(await clicks.tipClicks(tip)).toBe(3);
      expect(await clicks.tipClicks(`${tip}-other`)).toBe(0);
      expect((await subscribers.get(reader.id))?.lastClickWeek).toBe("2026-W11");
    });

    it("counts concurrent clicks without losing one", async () => {
      const { subscribers, clicks } = await make();
      const reader = await withStatus(subscribers, "active");
      const tip = `race-${process.pid}-${Date.now()}`;
      await Promise.all(Array.from({ length: 10 }, () => clicks.count(reader.id, tip, "2026-W12")));
      expect(await clicks.tipClicks(tip)).toBe(10);
    });

    it("never brings back an erased reader nor makes a record for an unknown one", async () => {
      const { subscribers, roster, clicks } = await make();
      const reader = await withStatus(subscribers, "active");
      await subscribers.erase(reader.id, T0);
      const tip = `erased-${process.pid}-${Date.now()}`;
      await clicks.count(reader.id, tip, "2026-W12");
      const stranger = pendingSubscriber().id;
      await clicks.count(stranger, tip, "2026-W12");
      expect(await subscribers.get(reader.id)).toBeUndefined();
      expect((await roster.lookup([reader.id])).get(reader.id)).toEqual({ status: "erased" });
      expect(await subscribers.get(stranger)).toBeUndefined();
      expect((await roster.lookup([stranger])).has(stranger)).toBe(false);
      expect(await clicks.tipClicks(tip)).toBe(2);
    });
  });
}
