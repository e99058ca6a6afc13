/**
 * The hourly planner in memory, over six weeks that hold the DST changes of every zone the issue
 * names: every reader gets exactly one tip per week of their own, 0–59 minutes after their own
 * Monday 07:00, never a tip twice, and a pass reads only the readers who are due.
 */
import { describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { deliveryInstant, localWeek } from "../../functions/core/schedule.js";
import {
  EDGE_ZONES,
  FakeClock,
  runWeek,
  SCHEDULE,
  seed,
  subscriber,
  tips,
} from "../support/send-fixtures.js";

const ZONES = [...EDGE_ZONES, undefined]; // undefined: the stage default (UTC)
const TIPS = tips(...Array.from({ length: 12 }, (_, i) => `tip-${i + 1}`));
const HOUR = 3_600_000;

describe("hourly passes, each reader's own Monday 07:00", () => {
  it("one tip per local week, on time, across DST changes and the date line", async () => {
    const store = new MemoryStore(4);
    const readers = ZONES.flatMap((zone, z) =>
      [0, 1].map((i) =>
        subscriber(`zone${z}-reader${i}@example.com`, zone ? { timeZone: zone } : {}),
      ),
    );
    await seed(store, readers);
    const mailer = new MemoryMailer();
    const sentAt = new Map<string, number>();
    const start = Date.parse("2026-02-28T00:00:00Z");
    const clock = new FakeClock(start);
    const end = Date.parse("2026-04-11T00:00:00Z");
    let read = 0;
    for (let t = clock.ms; t < end; t += HOUR) {
      clock.ms = t;
      const before = mailer.sent.length;
      const report = await runWeek({ store, mailer, clock, tips: TIPS, hourly: new Date(t) });
      read += report.planned + report.notDue + report.caughtUp + report.skippedAlreadySent;
      for (const email of mailer.sent.slice(before)) sentAt.set(email.messageId, t);
    }

    for (const reader of readers) {
      const zone = reader.timeZone ?? SCHEDULE.defaultTimeZone;
      const mine = mailer.sent.filter((e) => e.to === reader.email);
      const weeks = mine.map((e) => e.tags?.week as string);
      // Six weeks: one email each, each in its own local week, no tip twice.
      expect(new Set(weeks).size, reader.email).toBe(weeks.length);
      expect(weeks.length, reader.email).toBeGreaterThanOrEqual(5);
      expect(weeks.length, reader.email).toBeLessThanOrEqual(7);
      expect(new Set(mine.map((e) => e.tags?.tip)).size).toBe(mine.length);
      for (const email of mine) {
        const week = email.tags?.week as string;
        const slot = deliveryInstant(week, zone).getTime();
        const at = sentAt.get(email.messageId) as number;
        expect(at - slot, `${reader.email} ${week}`).toBeGreaterThanOrEqual(0);
        // The week under way when the passes begin is caught up at the first pass.
        if (slot >= start) expect(at - slot, `${reader.email} ${week}`).toBeLessThan(HOUR);
        expect(localWeek(new Date(at), zone)).toBe(week);
      }
    }
    // 1,008 passes over 14 readers: reading everyone every hour would be 14,112 reads.
    expect(read).toBeLessThan(14 * 7 * 3);
  });

  it("a reader who confirms after this week's slot starts next week, and a rerun of an hour sends nothing", async () => {
    const store = new MemoryStore(2);
    const monday = Date.parse("2026-11-23T07:00:00Z");
    const late = subscriber("late@example.com", {
      confirmedAt: new Date(monday + 2 * HOUR).toISOString(),
    });
    const early = subscriber("early@example.com");
    await seed(store, [late, early]);
    const mailer = new MemoryMailer();
    const clock = new FakeClock(monday + 3 * HOUR);
    const pass = () => runWeek({ store, mailer, clock, tips: TIPS, hourly: clock.now() });
    expect(await pass()).toMatchObject({ planned: 1, notDue: 1 });
    expect(await pass()).toMatchObject({ planned: 0, notDue: 0 });
    expect(mailer.sent.map((e) => e.to)).toEqual(["early@example.com"]);
    // Moved to next Monday 07:00, where both are due again.
    expect((await store.get(late.id))?.dueAt).toBe("2026-11-30T07:00:00.000Z");
    clock.ms = Date.parse("2026-11-30T07:00:00Z");
    expect(await pass()).toMatchObject({ planned: 2, byWeek: { "2026-W49": 2 } });
  });
});
