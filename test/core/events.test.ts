/** The readers' events from a record before and after one write (core/events.ts). */
import { describe, expect, it } from "vitest";
import { EVENT_SCHEMAS, eventsFor, type Recorded } from "../../functions/core/events.js";
import { SERIES_END } from "../../functions/core/sequence.js";
import * as z from "../../functions/core/zod.js";

const AT = new Date("2026-12-07T09:00:00.000Z");
const consent = {
  at: "2026-12-06T10:00:00.000Z",
  ip: "x",
  userAgent: "x",
  source: "import",
  textVersion: "v",
};
const pending: Recorded = { status: "pending", consent };
const active: Recorded = { status: "active", consent };
const sent = (tip: string, week = "2026-W50"): Recorded => ({
  ...active,
  claim: { week, tip, state: "sent", at: AT.toISOString(), runId: "r" },
  sentLog: [{ tip, week, at: AT.toISOString() }],
});
const types = (before: Recorded | undefined, after: Recorded | undefined) =>
  eventsFor({ id: "abc", before, after, at: AT }).map((e) => e.type);

describe("eventsFor", () => {
  it("names each state change once", () => {
    expect(types(undefined, pending)).toEqual(["subscriber.signed-up"]);
    expect(types(pending, active)).toEqual(["subscriber.confirmed"]);
    expect(types(undefined, active)).toEqual(["subscriber.signed-up", "subscriber.confirmed"]);
    expect(types(active, { ...active, pausedUntil: "2026-12-28T07:00:00.000Z" })).toEqual([
      "subscriber.paused",
    ]);
    expect(types({ ...active, pausedUntil: "2026-12-28T07:00:00.000Z" }, active)).toEqual([
      "subscriber.resumed",
    ]);
    expect(types(active, { ...active, status: "unsubscribed" })).toEqual([
      "subscriber.unsubscribed",
    ]);
    expect(types(active, { ...active, status: "bounced" })).toEqual(["subscriber.bounced"]);
    expect(types(active, { ...active, status: "complained" })).toEqual(["subscriber.complained"]);
    expect(types(active, undefined)).toEqual(["subscriber.erased"]);
    expect(types(active, sent("squats"))).toEqual(["tip.sent"]);
    expect(types(active, sent(SERIES_END))).toEqual(["series.finished"]);
  });

  it("a write that changes no state, or replays one, makes none", () => {
    expect(types(active, { ...active, firstName: "Ann" } as Recorded)).toEqual([]);
    expect(types(undefined, undefined)).toEqual([]);
    const again = sent("squats");
    const replayed = { ...again, sentLog: [...(again.sentLog ?? []), ...(again.sentLog ?? [])] };
    expect(types(again, replayed)).toEqual([]);
    expect(types({ ...active, status: "bounced" }, { ...active, status: "bounced" })).toEqual([]);
  });

  it("every event fits its schema, with an id stable for the same change", () => {
    const pairs: Array<[Recorded | undefined, Recorded | undefined]> = [
      [undefined, pending],
      [pending, active],
      [active, { ...active, pausedUntil: "2026-12-28T07:00:00.000Z" }],
      [active, sent("squats")],
      [active, sent(SERIES_END)],
      [active, undefined],
    ];
    for (const [before, after] of pairs) {
      const first = eventsFor({ id: "abc", before, after, at: AT });
      const second = eventsFor({ id: "abc", before, after, at: AT });
      expect(second.map((e) => e.detail.id)).toEqual(first.map((e) => e.detail.id));
      for (const event of first) {
        expect(z.safeParse(EVENT_SCHEMAS[event.type], event.detail).success).toBe(true);
        expect(event.detail).toMatchObject({ subscriberId: "abc", at: AT.toISOString() });
        expect(JSON.stringify(event.detail)).not.toMatch(/@/);
      }
    }
  });
});
