import { describe, expect, it } from "vitest";
import { isIsoWeek, isoWeek, weekStart } from "../../functions/core/week.js";

// ISO-8601 week numbers, checked against calendars: years whose week 1 starts in December,
// years with a week 53, and January days that still belong to the previous year's last week.
const weeks: Array<[string, string]> = [
  ["2026-11-25T12:00:00Z", "2026-W48"],
  ["2026-11-23T00:00:00Z", "2026-W48"], // Monday
  ["2026-11-29T23:59:59Z", "2026-W48"], // Sunday
  ["2026-11-30T00:00:00Z", "2026-W49"],
  ["2021-01-03T10:00:00Z", "2020-W53"], // 2020 has 53 weeks
  ["2019-12-30T10:00:00Z", "2020-W01"], // week 1 of 2020 starts in 2019
  ["2027-01-01T10:00:00Z", "2026-W53"],
  ["2024-12-30T10:00:00Z", "2025-W01"],
];

describe("isoWeek", () => {
  it.each(weeks)("%s is in %s", (date, week) => {
    expect(isoWeek(new Date(date))).toBe(week);
  });
});

describe("weekStart", () => {
  it.each([
    ["2026-W48", "2026-11-23T00:00:00.000Z"],
    ["2020-W53", "2020-12-28T00:00:00.000Z"],
    ["2020-W01", "2019-12-30T00:00:00.000Z"],
  ])("%s starts on %s", (week, monday) => {
    expect(weekStart(week)?.toISOString()).toBe(monday);
  });

  it.each(["2026-W00", "2026-W54", "2025-W53", "2026-48", "W48", "2026-W4", ""])(
    "rejects %j",
    (week) => {
      expect(weekStart(week)).toBeUndefined();
      expect(isIsoWeek(week)).toBe(false);
    },
  );

  it("round-trips every week of several years", () => {
    for (let t = Date.UTC(2019, 0, 1); t < Date.UTC(2031, 0, 1); t += 86_400_000) {
      const week = isoWeek(new Date(t));
      const start = weekStart(week);
      expect(start).toBeDefined();
      expect(t - (start as Date).getTime()).toBeGreaterThanOrEqual(0);
      expect(t - (start as Date).getTime()).toBeLessThan(7 * 86_400_000);
    }
  });
});
