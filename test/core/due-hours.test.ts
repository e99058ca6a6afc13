/** Readers due per coming hour (core/due-hours.ts), as `npm run send -- --dry-run` shows them. */
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { dueByHour } from "../../functions/core/due-hours.js";
import { SCHEDULE, seed, subscriber } from "../support/send-fixtures.js";

// Sunday 15 November 2026, 18:20 UTC (ISO week 2026-W46).
const AT = new Date("2026-11-15T18:20:00Z");

describe("dueByHour", () => {
  it("counts a reader no pass has scheduled at their own slot, not all in the first hour", async () => {
    const store = new MemoryStore(2);
    await seed(store, [
      // Sunday 10:00 UTC: this week's slot has passed, never sent: due now.
      subscriber("sunday@example.org", { deliverySlot: "7-10" }),
      // Sunday 22:00 UTC: later today.
      subscriber("tonight@example.org", { deliverySlot: "7-22" }),
      // Confirmed today, after this week's Monday 07:00: their first tip is tomorrow's.
      subscriber("new@example.org", { confirmedAt: "2026-11-15T12:00:00.000Z" }),
      // This week's tip already went: next Sunday, beyond the 24 hours.
      subscriber("sent@example.org", { deliverySlot: "7-10", lastWeekSent: "2026-W46" }),
      // Scheduled by a pass: at its due instant.
      subscriber("planned@example.org", { dueAt: "2026-11-16T03:00:00.000Z" }),
    ]);
    const hours = await dueByHour(store, AT, 24, SCHEDULE);
    expect(hours.map((h) => [h.hour.toISOString().slice(0, 13), h.readers])).toEqual([
      ["2026-11-15T18", 1],
      ["2026-11-15T22", 1],
      ["2026-11-16T03", 1],
      ["2026-11-16T07", 1],
    ]);
  });
});
