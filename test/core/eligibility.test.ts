/** The one eligibility rule (core/eligibility.ts), case by case. */
import { describe, expect, it } from "vitest";
import { verdict } from "../../functions/core/eligibility.js";
import type { Claim, Subscriber } from "../../functions/core/types.js";
import { subscriber } from "../support/send-fixtures.js";

const WEEK = "2026-W48";
const NOW = Date.parse("2026-11-23T09:00:00.000Z");
const STALE_BEFORE = new Date(NOW - 960_000);
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

function claim(week: string, state: Claim["state"], secondsAgo = 10): Claim {
  return { week, state, tip: "squats", at: ago(secondsAgo), runId: "r1" };
}

const cases: [string, Partial<Subscriber>, ReturnType<typeof verdict>][] = [
  ["a fresh active subscriber", {}, { kind: "eligible", takeover: false }],
  ["pending (never confirmed)", { status: "pending" }, { kind: "inactive" }],
  ["unsubscribed", { status: "unsubscribed" }, { kind: "inactive" }],
  ["bounced", { status: "bounced" }, { kind: "inactive" }],
  ["complained", { status: "complained" }, { kind: "inactive" }],
  ["sent this week", { lastWeekSent: WEEK }, { kind: "already-sent" }],
  [
    "sent a later week (a replay of an older one)",
    { lastWeekSent: "2026-W49" },
    { kind: "superseded" },
  ],
  ["sent a later year", { lastWeekSent: "2027-W01" }, { kind: "superseded" }],
  ["sent an earlier week", { lastWeekSent: "2026-W47" }, { kind: "eligible", takeover: false }],
  ["already has the tip", { sentTips: ["squats"] }, { kind: "already-sent" }],
  ["claim of this week sent", { claim: claim(WEEK, "sent") }, { kind: "already-sent" }],
  ["claim of this week refused by SES", { claim: claim(WEEK, "failed") }, { kind: "already-sent" }],
  ["claim of this week in flight", { claim: claim(WEEK, "pending") }, { kind: "in-flight" }],
  [
    "claim of this week stale (its sender died)",
    { claim: claim(WEEK, "pending", 961) },
    { kind: "eligible", takeover: true },
  ],
  [
    "claim of an older week in flight",
    { claim: claim("2026-W47", "pending") },
    { kind: "in-flight" },
  ],
  [
    "claim of an older week stale",
    { claim: claim("2026-W47", "pending", 5000) },
    { kind: "eligible", takeover: true },
  ],
  [
    "claim of an older week sent",
    { claim: claim("2026-W47", "sent") },
    { kind: "eligible", takeover: false },
  ],
  ["claim of a later week sent", { claim: claim("2026-W49", "sent") }, { kind: "superseded" }],
  ["claim of a later week failed", { claim: claim("2026-W49", "failed") }, { kind: "superseded" }],
  [
    "claim of a later week in flight",
    { claim: claim("2026-W49", "pending") },
    { kind: "in-flight" },
  ],
  [
    "claim of a later week stale",
    { claim: claim("2026-W49", "pending", 5000) },
    { kind: "superseded" },
  ],
];

describe("verdict", () => {
  it.each(cases)("%s", (_what, overrides, expected) => {
    expect(
      verdict(subscriber(1, overrides), { week: WEEK, tip: "squats", staleBefore: STALE_BEFORE }),
    ).toEqual(expected);
  });

  it("a missing subscriber is inactive", () => {
    expect(verdict(undefined, { week: WEEK, staleBefore: STALE_BEFORE })).toEqual({
      kind: "inactive",
    });
  });

  const AT = new Date(NOW);
  it.each([
    ["paused beyond the claim's instant", { pausedUntil: ago(-60) }, AT, { kind: "paused" }],
    [
      "paused until this very instant",
      { pausedUntil: AT.toISOString() },
      AT,
      { kind: "eligible", takeover: false },
    ],
    ["a pause that has ended", { pausedUntil: ago(60) }, AT, { kind: "eligible", takeover: false }],
    [
      "paused, judged without an instant (the planner looks itself)",
      { pausedUntil: ago(-60) },
      undefined,
      { kind: "eligible", takeover: false },
    ],
    [
      "paused and unsubscribed",
      { pausedUntil: ago(-60), status: "unsubscribed" as const },
      AT,
      { kind: "inactive" },
    ],
  ] as const)("%s", (_what, overrides, now, expected) => {
    const request = {
      week: WEEK,
      tip: "squats",
      staleBefore: STALE_BEFORE,
      ...(now ? { now } : {}),
    };
    expect(verdict(subscriber(1, overrides), request)).toEqual(expected);
  });

  it("an address that is not the subscriber's is inactive; their own is judged as usual", () => {
    const s = subscriber(1);
    const request = { week: WEEK, tip: "squats", staleBefore: STALE_BEFORE };
    expect(verdict(s, { ...request, email: "someone-else@example.net" })).toEqual({
      kind: "inactive",
    });
    expect(verdict(s, { ...request, email: s.email })).toEqual({
      kind: "eligible",
      takeover: false,
    });
  });

  it("without a tip, only the week is judged", () => {
    const s = subscriber(1, { sentTips: ["squats"] });
    expect(verdict(s, { week: WEEK, staleBefore: STALE_BEFORE })).toEqual({
      kind: "eligible",
      takeover: false,
    });
  });
});
