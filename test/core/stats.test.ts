/** Which counters one write moves (core/stats.ts), and the report summed from counter items. */
import { describe, expect, it } from "vitest";
import { SERIES_END } from "../../functions/core/sequence.js";
import { type Counted, countsFor, stateOf, summarize } from "../../functions/core/stats.js";

const NOW = new Date("2026-12-10T09:00:00.000Z"); // 2026-W50
const consent = {
  at: "2026-11-30T10:00:00.000Z",
  ip: "x",
  userAgent: "x",
  source: "t",
  textVersion: "v",
};
const active: Counted = { status: "active", consent };
const sentOn = (tip: string, at: string, week = "2026-W49"): Counted => ({
  ...active,
  claim: { week, tip, state: "sent", at, runId: "r" },
  sentLog: [{ tip, week, at }],
});

describe("countsFor", () => {
  it("counts a signup in the week its consent was given", () => {
    expect(countsFor(undefined, { status: "pending", consent }, NOW)).toEqual([
      { sk: "READERS", field: "pending", by: 1 },
      { sk: "WEEK#2026-W49", field: "signups", by: 1 },
    ]);
  });

  it("leaving counts against the last tip only within 7 days of it", () => {
    const recent = sentOn("squats", "2026-12-04T09:00:00.000Z");
    const old = sentOn("squats", "2026-12-02T09:00:00.000Z");
    const left = (before: Counted) =>
      countsFor(before, { ...before, status: "unsubscribed" }, NOW).filter(
        (d) => d.field === "left",
      );
    expect(left(recent)).toEqual([
      { sk: "WEEK#2026-W49", field: "left", by: 1 },
      { sk: "TIP#squats", field: "left", by: 1 },
    ]);
    expect(left(old)).toEqual([]);
  });

  it("a new tip after the series' end makes a finished reader active again", () => {
    const finished = sentOn(SERIES_END, "2026-12-01T07:00:00.000Z");
    expect(stateOf(finished)).toBe("finished");
    const next: Counted = {
      ...finished,
      claim: { week: "2026-W50", tip: "hills", state: "sent", at: NOW.toISOString(), runId: "r" },
      sentLog: [
        ...(finished.sentLog ?? []),
        { tip: "hills", week: "2026-W50", at: NOW.toISOString() },
      ],
    };
    expect(countsFor(finished, next, NOW)).toEqual([
      { sk: "READERS", field: "finished", by: -1 },
      { sk: "READERS", field: "active", by: 1 },
      { sk: "WEEK#2026-W50", field: "sent", by: 1 },
      { sk: "TIP#hills", field: "sent", by: 1 },
    ]);
  });

  it("a write that changes nothing counted moves nothing", () => {
    const s = sentOn("squats", "2026-12-04T09:00:00.000Z");
    expect(countsFor(s, { ...s }, NOW)).toEqual([]);
    expect(countsFor(undefined, undefined, NOW)).toEqual([]);
  });
});

describe("summarize", () => {
  it("adds up the shards' items, weeks and tips in order", () => {
    const report = summarize([
      { sk: "READERS", counts: { active: 3, pending: 1 } },
      { sk: "READERS", counts: { active: 2, paused: 1 } },
      { sk: "WEEK#2026-W50", counts: { sent: 4 } },
      { sk: "WEEK#2026-W49", counts: { sent: 2, left: 1 } },
      { sk: "WEEK#2026-W50", counts: { sent: 1, delivered: 5 } },
      { sk: "TIP#squats", counts: { sent: 3, clicks: 2 } },
      { sk: "TIP#hills", counts: { sent: 1 } },
    ]);
    expect(report.readers).toMatchObject({ active: 5, pending: 1, paused: 1, finished: 0 });
    expect(report.weeks.map((w) => [w.week, w.sent, w.delivered, w.left])).toEqual([
      ["2026-W49", 2, 0, 1],
      ["2026-W50", 5, 5, 0],
    ]);
    expect(report.tips.map((t) => [t.slug, t.sent, t.clicks])).toEqual([
      ["hills", 1, 0],
      ["squats", 3, 2],
    ]);
  });
});
