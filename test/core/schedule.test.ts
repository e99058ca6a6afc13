/** Each reader's Monday 07:00, across DST changes and the date line (core/schedule.ts). */
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  deliveryInstant,
  dueWeek,
  formatSlot,
  isTimeZone,
  localWeek,
  nextDelivery,
  nextTipAt,
  parseSlot,
  readerDueWeek,
  slotOf,
  zoneNames,
  zoneSpelling,
} from "../../functions/core/schedule.js";
import { EDGE_ZONES } from "../support/send-fixtures.js";

describe("deliveryInstant: Monday 07:00 where the reader lives, as a UTC instant", () => {
  it.each([
    // zone, ISO week, expected UTC instant
    ["UTC", "2026-W48", "2026-11-23T07:00:00.000Z"],
    ["Pacific/Kiritimati", "2026-W48", "2026-11-22T17:00:00.000Z"], // +14: Sunday in UTC
    ["Pacific/Pago_Pago", "2026-W48", "2026-11-23T18:00:00.000Z"], // −11
    ["America/St_Johns", "2026-W48", "2026-11-23T10:30:00.000Z"], // −3:30 (standard)
    ["America/St_Johns", "2026-W28", "2026-07-06T09:30:00.000Z"], // −2:30 (daylight)
    // Lord Howe: +10:30, +11 in summer (a 30-minute DST), starting 4 October 2026.
    ["Australia/Lord_Howe", "2026-W40", "2026-09-27T20:30:00.000Z"],
    ["Australia/Lord_Howe", "2026-W41", "2026-10-04T20:00:00.000Z"],
    // …and ending 5 April 2026.
    ["Australia/Lord_Howe", "2026-W14", "2026-03-29T20:00:00.000Z"],
    ["Australia/Lord_Howe", "2026-W15", "2026-04-05T20:30:00.000Z"],
    // London: BST from 29 March 2026, GMT from 25 October 2026.
    ["Europe/London", "2026-W13", "2026-03-23T07:00:00.000Z"],
    ["Europe/London", "2026-W14", "2026-03-30T06:00:00.000Z"],
    ["Europe/London", "2026-W44", "2026-10-26T07:00:00.000Z"],
    // Los Angeles: PDT from 8 March 2026, PST from 1 November 2026.
    ["America/Los_Angeles", "2026-W10", "2026-03-02T15:00:00.000Z"],
    ["America/Los_Angeles", "2026-W11", "2026-03-09T14:00:00.000Z"],
    ["America/Los_Angeles", "2026-W45", "2026-11-02T15:00:00.000Z"],
    // ISO week 1 of 2027 starts on Monday 4 January 2027; 2026 has 53 weeks.
    ["UTC", "2026-W53", "2026-12-28T07:00:00.000Z"],
    ["Pacific/Kiritimati", "2027-W01", "2027-01-03T17:00:00.000Z"],
  ])("%s %s → %s", (zone, week, expected) => {
    expect(deliveryInstant(week, zone).toISOString()).toBe(expected);
  });

  it("moves a slot that a DST jump skips forward instead of dropping it", () => {
    // Europe/London skips 01:00–02:00 on Sunday 29 March 2026.
    const slot = { weekday: 7, hour: 1 } as const;
    expect(deliveryInstant("2026-W13", "Europe/London", slot).toISOString()).toBe(
      "2026-03-29T01:00:00.000Z",
    );
  });
});

describe("the reader's week and what is due", () => {
  it("takes the week where the reader lives, not in UTC", () => {
    const sundayEvening = new Date("2026-11-29T20:00:00Z");
    expect(localWeek(sundayEvening, "UTC")).toBe("2026-W48");
    expect(localWeek(sundayEvening, "Pacific/Kiritimati")).toBe("2026-W49");
    expect(localWeek(sundayEvening, "Pacific/Pago_Pago")).toBe("2026-W48");
  });

  it.each([
    ["Pacific/Kiritimati", "2026-11-22T16:59:00Z", undefined],
    ["Pacific/Kiritimati", "2026-11-22T17:00:00Z", "2026-W48"],
    ["Pacific/Pago_Pago", "2026-11-23T17:59:00Z", undefined],
    ["Pacific/Pago_Pago", "2026-11-23T18:00:00Z", "2026-W48"],
    ["Pacific/Pago_Pago", "2026-11-30T10:59:00Z", "2026-W48"], // still Sunday 29th there
    ["Pacific/Pago_Pago", "2026-11-30T11:00:00Z", undefined], // Monday 00:00, before 07:00
  ])("%s at %s: due %s", (zone, instant, week) => {
    expect(dueWeek(new Date(instant), zone)).toBe(week);
  });

  it.each(["UTC", ...EDGE_ZONES])(
    "%s: an hourly planner over each DST change finds every week due once, 0–59 min after its slot",
    (zone) => {
      // Hourly passes from late February to mid-November 2026: every DST change of these zones.
      const start = Date.parse("2026-02-23T00:00:00Z");
      const end = Date.parse("2026-11-16T00:00:00Z");
      const sent = new Map<string, number>();
      for (let t = start; t < end; t += 3_600_000) {
        const week = dueWeek(new Date(t), zone);
        // The week already under way when the passes begin is not a slot they could hit.
        if (week && !sent.has(week) && deliveryInstant(week, zone).getTime() >= start) {
          sent.set(week, t);
        }
      }
      expect(sent.size).toBeGreaterThanOrEqual(37);
      for (const [week, t] of sent) {
        const slot = deliveryInstant(week, zone).getTime();
        expect(t - slot, `${zone} ${week}`).toBeGreaterThanOrEqual(0);
        expect(t - slot, `${zone} ${week}`).toBeLessThan(3_600_000);
      }
      // Consecutive weeks, none skipped.
      const weeks = [...sent.keys()];
      for (let i = 1; i < weeks.length; i += 1) {
        const gap = deliveryInstant(weeks[i] as string, zone).getTime();
        const previous = deliveryInstant(weeks[i - 1] as string, zone).getTime();
        expect(gap - previous).toBeGreaterThanOrEqual(7 * 86_400_000 - 3_600_000);
        expect(gap - previous).toBeLessThanOrEqual(7 * 86_400_000 + 3_600_000);
      }
    },
  );

  it("names the next slot after an instant", () => {
    const zone = "America/Los_Angeles";
    expect(nextDelivery(new Date("2026-03-09T13:59:00Z"), zone).toISOString()).toBe(
      "2026-03-09T14:00:00.000Z",
    );
    expect(nextDelivery(new Date("2026-03-09T14:00:00Z"), zone).toISOString()).toBe(
      "2026-03-16T14:00:00.000Z",
    );
  });

  it.each([
    ["Europe/London", true],
    ["UTC", true],
    ["America/Argentina/Buenos_Aires", true],
    ["Mars/Olympus_Mons", false],
    ["utc+3", false],
    ["", false],
    ["Europe/London\n", false],
  ])("isTimeZone(%j) is %s", (zone, ok) => {
    expect(isTimeZone(zone)).toBe(ok);
  });
});

describe("zone names as readers know them", () => {
  it("lists IANA's current names, each once and each usable, never ICU's older ones", () => {
    const names = zoneNames();
    for (const current of ["Asia/Kolkata", "Europe/Kyiv", "Asia/Ho_Chi_Minh", "America/Nuuk"]) {
      expect(names).toContain(current);
    }
    for (const old of ["Asia/Calcutta", "Europe/Kiev", "Asia/Saigon", "America/Godthab"]) {
      expect(names).not.toContain(old);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((zone) => !isTimeZone(zone))).toEqual([]);
    // Every name still denotes one zone of the runtime's own list.
    const icu = names.map(
      (zone) => new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone,
    );
    expect(new Set(icu).size).toBe(names.length);
  });

  it.each([
    ["europe/LONDON", "Europe/London"],
    ["Asia/Kolkata", "Asia/Kolkata"],
    ["asia/kolkata", "Asia/Kolkata"],
    ["Asia/Calcutta", "Asia/Kolkata"],
    ["Europe/Kiev", "Europe/Kyiv"],
    ["US/Eastern", "America/New_York"],
    ["Etc/UTC", "UTC"],
    // A zone of its own in ICU stays itself, though IANA links it to another country's.
    ["Europe/Amsterdam", "Europe/Amsterdam"],
    ["Mars/Olympus_Mons", "Mars/Olympus_Mons"],
    ["x".repeat(65), "x".repeat(65)],
  ])("zoneSpelling(%j) is %j", (given, spelled) => {
    expect(zoneSpelling(given)).toBe(spelled);
  });
});

describe("a reader's own day and hour", () => {
  const schedule = { defaultTimeZone: "UTC", slot: { weekday: 1 as const, hour: 7 } };
  // Wednesday 18:00 in Los Angeles (UTC-8 in December): 2026-12-10T02:00Z.
  const reader = { timeZone: "America/Los_Angeles", deliverySlot: "3-18" };

  it("reads the slot a reader chose, and the stage's for one who chose none", () => {
    expect(slotOf(reader, schedule)).toEqual({ weekday: 3, hour: 18 });
    expect(slotOf({}, schedule)).toEqual({ weekday: 1, hour: 7 });
    expect(slotOf({ deliverySlot: "8-99" }, schedule)).toEqual({ weekday: 1, hour: 7 });
    expect(formatSlot({ weekday: 7, hour: 5 })).toBe("7-05");
    expect(parseSlot("7-05")).toEqual({ weekday: 7, hour: 5 });
  });

  it("is due only once their own slot has come, in their own week", () => {
    expect(readerDueWeek(reader, new Date("2026-12-07T15:00:00Z"), schedule)).toBeUndefined();
    expect(readerDueWeek(reader, new Date("2026-12-10T01:59:00Z"), schedule)).toBeUndefined();
    expect(readerDueWeek(reader, new Date("2026-12-10T02:00:00Z"), schedule)).toBe("2026-W50");
    expect(
      nextDelivery(new Date("2026-12-07T15:00:00Z"), reader.timeZone, slotOf(reader, schedule)),
    ).toEqual(new Date("2026-12-10T02:00:00Z"));
  });
});

describe("the remembered weeks agree with Luxon in every hour of a year", () => {
  // Zones whose clocks jump at local midnight (Santiago, Havana, Asunción) are where a remembered
  // week could gain or lose the skipped hour at its edge; Kathmandu's offset is +05:45.
  const zones = [
    ...EDGE_ZONES,
    "America/Santiago",
    "America/Havana",
    "America/Asuncion",
    "Asia/Kathmandu",
  ];
  const label = (t: DateTime) => `${t.weekYear}-W${String(t.weekNumber).padStart(2, "0")}`;

  it.each(zones)("%s, a year, forwards and then backwards", (zone) => {
    const from = Date.UTC(2025, 0, 1);
    const to = Date.UTC(2026, 0, 1);
    const step = 60 * 60_000 + 1_001;
    const instants: number[] = [];
    for (let ms = from; ms < to; ms += step) instants.push(ms);
    for (const ms of [...instants, ...instants.reverse()]) {
      const instant = new Date(ms);
      const local = DateTime.fromJSDate(instant, { zone });
      const week = label(local);
      expect(localWeek(instant, zone)).toBe(week);
      if (ms % 13 === 0) {
        const slot = deliveryInstant(week, zone).getTime();
        const next = slot > ms ? slot : deliveryInstant(label(local.plus({ weeks: 1 })), zone);
        expect(nextDelivery(instant, zone).getTime()).toBe(new Date(next).getTime());
      }
    }
  });

  it("a zone the runtime does not know stays unknown however often it is asked", () => {
    for (let i = 0; i < 3; i++) {
      expect(isTimeZone("Mars/Olympus")).toBe(false);
      expect(() => localWeek(new Date(), "Mars/Olympus")).toThrow(/unknown time zone/);
    }
    expect(isTimeZone("Europe/London")).toBe(true);
  });
});

describe("nextTipAt: the next slot whose week has not had the reader's tip", () => {
  it.each([
    // Sent this week (Monday), now Friday 07:00: not this Friday, the next.
    [
      "same zone, day moved later",
      "2026-W48",
      "2026-11-23T09:00:00Z",
      "UTC",
      "5-07",
      "2026-12-04T07:00:00.000Z",
    ],
    // Sent 2026-W49 in Kiritimati (Monday 30 November there), moved to Honolulu on Sunday
    // 29 November, whose W48 and W49 Sundays are both still ahead: the first unsent is W50's.
    [
      "across the date line",
      "2026-W49",
      "2026-11-29T18:00:00Z",
      "Pacific/Honolulu",
      "7-20",
      "2026-12-14T06:00:00.000Z",
    ],
    [
      "nothing sent yet",
      undefined,
      "2026-11-23T09:00:00Z",
      "UTC",
      "5-07",
      "2026-11-27T07:00:00.000Z",
    ],
  ])("%s", (_what, lastWeekSent, now, zone, slot, expected) => {
    const reader = lastWeekSent ? { lastWeekSent } : {};
    expect(nextTipAt(reader, new Date(now), zone, parseSlot(slot)).toISOString()).toBe(expected);
  });
});
