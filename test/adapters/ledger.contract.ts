/**
 * The SendLedger contract (functions/core/ports.ts): the claim is the one write that makes each
 * weekly email go out at most once per (subscriber, week); the active index says who is due.
 * Run against the in-memory twin and DynamoDB on dynalite.
 */
import { describe, expect, it } from "vitest";
import { shardOf } from "../../functions/core/email.js";
import type { ClaimRequest, SendLedger, Subscribers } from "../../functions/core/ports.js";
import { subscriber } from "../support/send-fixtures.js";
import { type TablePorts, withStatus } from "./subscribers.contract.js";

const WEEK = "2026-W48";
const T0 = new Date("2026-11-23T09:00:00.000Z");
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
/** Next week's slot, as the sender passes it. */
const NEXT = new Date("2026-11-30T07:00:00.000Z");

function request(runId: string, now = T0, staleMinutes = 60): ClaimRequest {
  return {
    week: WEEK,
    tip: "squats",
    runId,
    now,
    staleBefore: new Date(now.getTime() - staleMinutes * 60_000),
  };
}

let counter = 0;
/** A fresh active subscriber (unique per call: the table may be shared). */
async function fresh(subscribers: Subscribers, overrides = {}) {
  counter += 1;
  const s = subscriber(
    `claims-${counter}-${Math.random().toString(36).slice(2)}@example.com`,
    overrides,
  );
  expect(await subscribers.create(s)).toBe(true);
  return s;
}

export function ledgerContract(name: string, make: () => Promise<TablePorts>): void {
  describe(`SendLedger contract: ${name}`, () => {
    it("claims an active subscriber once; a second run sees it in flight", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      expect(await ledger.claim(s.id, request("a"))).toBe("claimed");
      expect(await ledger.claim(s.id, request("b"))).toBe("in-flight");
      expect((await subscribers.get(s.id))?.claim).toMatchObject({
        week: WEEK,
        state: "pending",
        tip: "squats",
        runId: "a",
      });
    });

    it("markSent records the MessageId, the tip and the week; later claims say already-sent", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers, { sentTips: ["intro"] });
      expect(await ledger.claim(s.id, request("a"))).toBe("claimed");
      await ledger.markSent(s.id, WEEK, "squats", "a", "msg-1", minutes(1), NEXT);
      const saved = await subscribers.get(s.id);
      expect(saved?.lastWeekSent).toBe(WEEK);
      expect([...(saved?.sentTips ?? [])].sort()).toEqual(["intro", "squats"]);
      expect(saved?.claim).toMatchObject({ state: "sent", messageId: "msg-1", runId: "a" });
      expect(await ledger.claim(s.id, request("b", minutes(500)))).toBe("already-sent");
    });

    it("markSent leaves the next slot to a zone the reader chose after the batch was planned", async () => {
      const { subscribers, ledger } = await make();
      const moved = await fresh(subscribers, { timeZone: "Pacific/Pago_Pago" });
      const stayed = await fresh(subscribers, { timeZone: "Pacific/Pago_Pago" });
      const unzoned = await fresh(subscribers);
      for (const s of [moved, stayed, unzoned]) {
        expect(await ledger.claim(s.id, request("a"))).toBe("claimed");
      }
      // /manage: a new zone, due at once (the planner works out the slot there).
      expect(
        await subscribers.updatePreferences(moved.id, {
          timeZone: "Pacific/Kiritimati",
          dueAt: null,
        }),
      ).toBe(true);
      const batchZone = { timeZone: "Pacific/Pago_Pago" };
      await ledger.markSent(moved.id, WEEK, "squats", "a", "m1", minutes(1), NEXT, batchZone);
      await ledger.markSent(stayed.id, WEEK, "squats", "a", "m2", minutes(1), NEXT, batchZone);
      await ledger.markSent(unzoned.id, WEEK, "squats", "a", "m3", minutes(1), NEXT, {});
      const after = await subscribers.get(moved.id);
      expect(after).toMatchObject({ lastWeekSent: WEEK, timeZone: "Pacific/Kiritimati" });
      expect(after?.claim).toMatchObject({ state: "sent", messageId: "m1" });
      expect(after?.sentTips).toContain("squats");
      expect(after?.dueAt).toBeUndefined();
      expect((await subscribers.get(stayed.id))?.dueAt).toBe(NEXT.toISOString());
      expect((await subscribers.get(unzoned.id))?.dueAt).toBe(NEXT.toISOString());
    });

    it("markFailed keeps the claim (no retry this week), even after the stale window", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      await ledger.claim(s.id, request("a"));
      await ledger.markFailed(s.id, WEEK, "a", "MessageRejected: bad", minutes(1));
      expect((await subscribers.get(s.id))?.claim).toMatchObject({
        state: "failed",
        error: "MessageRejected: bad",
      });
      expect(await ledger.claim(s.id, request("b", minutes(500)))).toBe("already-sent");
    });

    it("releaseClaim frees a pending claim of the same run only", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      await ledger.claim(s.id, request("a"));
      await ledger.releaseClaim(s.id, WEEK, "other-run");
      expect(await ledger.claim(s.id, request("b"))).toBe("in-flight");
      await ledger.releaseClaim(s.id, WEEK, "a");
      expect((await subscribers.get(s.id))?.claim).toBeUndefined();
      expect(await ledger.claim(s.id, request("b"))).toBe("claimed");
    });

    it("releaseClaim leaves a sent claim alone", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      await ledger.claim(s.id, request("a"));
      await ledger.markSent(s.id, WEEK, "squats", "a", "msg-1", minutes(1), NEXT);
      await ledger.releaseClaim(s.id, WEEK, "a");
      expect((await subscribers.get(s.id))?.claim?.state).toBe("sent");
    });

    it("a pending claim older than the stale window is taken over", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      await ledger.claim(s.id, request("crashed"));
      expect(await ledger.claim(s.id, request("b", minutes(59)))).toBe("in-flight");
      expect(await ledger.claim(s.id, request("b", minutes(61)))).toBe("claimed");
      expect((await subscribers.get(s.id))?.claim?.runId).toBe("b");
    });

    it("last week's claim does not block this week", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      await ledger.claim(s.id, { ...request("a"), week: "2026-W47" });
      await ledger.markSent(s.id, "2026-W47", "squats", "a", "msg-0", T0, NEXT);
      expect(await ledger.claim(s.id, { ...request("b"), tip: "lunges" })).toBe("claimed");
    });

    it.each(["unsubscribed", "bounced", "complained", "pending"] as const)(
      "refuses a %s subscriber",
      async (status) => {
        const { subscribers, ledger } = await make();
        const s = await fresh(subscribers, { status });
        expect(await ledger.claim(s.id, request("a"))).toBe("inactive");
        expect((await subscribers.get(s.id))?.claim).toBeUndefined();
      },
    );

    it("refuses someone who left after being planned, and a missing id", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      await subscribers.unsubscribe(s.id, T0);
      expect(await ledger.claim(s.id, request("a"))).toBe("inactive");
      expect(await ledger.claim("0".repeat(32), request("a"))).toBe("inactive");
    });

    it("markSent for a reader erased after the claim throws nothing and brings nothing back", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      expect(await ledger.claim(s.id, request("a"))).toBe("claimed");
      expect(await subscribers.erase(s.id, minutes(1))).toBe("erased");
      await ledger.markSent(s.id, WEEK, "squats", "a", "msg-1", minutes(2), NEXT, {});
      await ledger.markSent(s.id, WEEK, "squats", "a", "msg-1", minutes(2), NEXT);
      expect(await subscribers.get(s.id)).toBeUndefined();
      expect(await ledger.claim(s.id, request("b", minutes(3)))).toBe("inactive");
    });

    it("ten concurrent claims: exactly one wins", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      const rev = (await subscribers.get(s.id))?.rev ?? 0;
      // Half of them come with the planner's revision (no read first), half without.
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          ledger.claim(s.id, { ...request(`run-${i}`), ...(i % 2 ? { seenRev: rev } : {}) }),
        ),
      );
      expect(results.filter((r) => r === "claimed")).toHaveLength(1);
      expect(results.filter((r) => r === "in-flight")).toHaveLength(9);
    });

    it("a week older than the last one sent is superseded, and a received tip is never claimed again", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      await ledger.claim(s.id, request("a"));
      await ledger.markSent(s.id, WEEK, "squats", "a", "msg-1", minutes(1), NEXT);
      expect(await ledger.claim(s.id, { ...request("old"), week: "2026-W47", tip: "lunges" })).toBe(
        "superseded",
      );
      expect(await ledger.claim(s.id, { ...request("next"), week: "2026-W49" })).toBe(
        "already-sent",
      );
      expect((await subscribers.get(s.id))?.claim).toMatchObject({ state: "sent", runId: "a" });
    });

    it("a pending claim of another week blocks while young, and a later week's claim supersedes an older week", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      await ledger.claim(s.id, { ...request("w49"), week: "2026-W49" });
      expect(await ledger.claim(s.id, request("w48"))).toBe("in-flight");
      expect(await ledger.claim(s.id, request("w48", minutes(61)))).toBe("superseded");
    });

    it("every send write moves the revision; a claim with an outdated seenRev judges afresh", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      const rev0 = (await subscribers.get(s.id))?.rev ?? 0;
      expect(await ledger.claim(s.id, { ...request("a"), seenRev: rev0 })).toBe("claimed");
      const rev1 = (await subscribers.get(s.id))?.rev ?? 0;
      expect(rev1).toBeGreaterThan(rev0);
      // A second planner saw the old revision: its claim must not overwrite the first.
      expect(await ledger.claim(s.id, { ...request("b"), seenRev: rev0 })).toBe("in-flight");
      await ledger.markSent(s.id, WEEK, "squats", "a", "msg-1", minutes(1), NEXT);
      expect((await subscribers.get(s.id))?.rev ?? 0).toBeGreaterThan(rev1);
      expect(await ledger.claim(s.id, { ...request("c", minutes(500)), seenRev: rev1 })).toBe(
        "already-sent",
      );
    });

    it("a seenRev does not let a claim through for someone who left since", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      const rev = (await subscribers.get(s.id))?.rev ?? 0;
      await subscribers.unsubscribe(s.id, T0);
      expect(await ledger.claim(s.id, { ...request("a"), seenRev: rev })).toBe("inactive");
      expect((await subscribers.get(s.id))?.claim).toBeUndefined();
    });

    it("a seenRev does not let a claim through for someone who paused since, until the pause ends", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      const rev = (await subscribers.get(s.id))?.rev ?? 0;
      const until = minutes(60 * 24 * 14);
      expect(await subscribers.updatePreferences(s.id, { pausedUntil: until })).toBe(true);
      expect(await ledger.claim(s.id, { ...request("a"), seenRev: rev })).toBe("paused");
      expect((await subscribers.get(s.id))?.claim).toBeUndefined();
      // The pause ends at its instant: a claim then goes through.
      expect(await ledger.claim(s.id, { ...request("b", until), seenRev: rev })).toBe("claimed");
    });

    it("claims only for the subscriber's own address, with a seenRev or without", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      const rev = (await subscribers.get(s.id))?.rev ?? 0;
      const elsewhere = { ...request("a"), email: "someone-else@example.net" };
      expect(await ledger.claim(s.id, { ...elsewhere, seenRev: rev })).toBe("inactive");
      expect(await ledger.claim(s.id, elsewhere)).toBe("inactive");
      expect((await subscribers.get(s.id))?.claim).toBeUndefined();
      expect(await ledger.claim(s.id, { ...request("b"), email: s.email, seenRev: rev })).toBe(
        "claimed",
      );
    });

    it("ten concurrent takeovers of a stale claim: exactly one wins", async () => {
      const { subscribers, ledger } = await make();
      const s = await fresh(subscribers);
      await ledger.claim(s.id, request("crashed"));
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => ledger.claim(s.id, request(`run-${i}`, minutes(120)))),
      );
      expect(results.filter((r) => r === "claimed")).toHaveLength(1);
    });

    it("lists as due only readers whose next slot has come, and markSent moves them to the next", async () => {
      const { subscribers, ledger } = await make();
      const due = await fresh(subscribers, { dueAt: "2026-11-23T07:00:00.000Z" });
      const later = await fresh(subscribers, { dueAt: "2026-11-30T07:00:00.000Z" });
      const unset = await fresh(subscribers);
      const left = await fresh(subscribers, { dueAt: "2026-11-01T07:00:00.000Z" });
      await subscribers.unsubscribe(left.id, T0);
      const dueIds = async (by: Date) => {
        const ids: string[] = [];
        for (let shard = 0; shard < ledger.shards; shard += 1) {
          let cursor: string | undefined;
          do {
            const page = await ledger.listDue(shard, by, cursor, 2);
            ids.push(...page.items.map((s) => s.id));
            cursor = page.cursor;
          } while (cursor !== undefined);
        }
        return ids;
      };
      const at = new Date("2026-11-23T09:00:00.000Z");
      const ids = await dueIds(at);
      expect(ids).toContain(due.id);
      expect(ids).toContain(unset.id);
      expect(ids).not.toContain(later.id);
      expect(ids).not.toContain(left.id);
      // Exactly at the instant counts as due.
      expect(await dueIds(new Date("2026-11-30T07:00:00.000Z"))).toContain(later.id);

      await ledger.claim(due.id, request("a"));
      await ledger.markSent(due.id, WEEK, "squats", "a", "m-1", minutes(1), NEXT);
      expect((await subscribers.get(due.id))?.dueAt).toBe(NEXT.toISOString());
      expect(await dueIds(at)).not.toContain(due.id);
      await ledger.reschedule(unset.id, NEXT);
      expect(await dueIds(at)).not.toContain(unset.id);
      await ledger.reschedule(left.id, T0);
      expect(await dueIds(at)).not.toContain(left.id);

      // A newly confirmed reader is due at once (the planner's next pass places them).
      const joining = await fresh(subscribers, {
        status: "pending",
        dueAt: "2027-01-04T07:00:00.000Z",
      });
      expect(await subscribers.activate(joining.id, T0, "127.0.0.1")).toBe("activated");
      expect((await subscribers.get(joining.id))?.dueAt).toBeUndefined();
      expect(await dueIds(at)).toContain(joining.id);
    });

    it("lists exactly the active subscribers, page by page, across every shard", async () => {
      const { subscribers, ledger } = await make();
      const before = await allActive(ledger, 1000);
      const active: string[] = [];
      for (let i = 0; i < 24; i++) active.push((await withStatus(subscribers, "active")).id);
      for (let i = 0; i < 4; i++) await withStatus(subscribers, "pending");
      const left = await withStatus(subscribers, "active");
      await subscribers.unsubscribe(left.id, T0);

      const seen = await allActive(ledger, 2);
      expect(seen.filter((id) => !before.includes(id)).sort()).toEqual([...active].sort());
      expect(new Set(seen).size).toBe(seen.length);
    });

    it("pages hold at most `limit` items, each from the shard asked for", async () => {
      const { subscribers, ledger } = await make();
      for (let i = 0; i < 3 * ledger.shards; i++) await withStatus(subscribers, "active");
      for (let shard = 0; shard < ledger.shards; shard++) {
        let cursor: string | undefined;
        do {
          const page = await ledger.listActive(shard, cursor, 2);
          expect(page.items.length).toBeLessThanOrEqual(2);
          for (const item of page.items) {
            expect(item.status).toBe("active");
            expect(shardOf(item.id, ledger.shards)).toBe(shard);
          }
          cursor = page.cursor;
        } while (cursor);
      }
    });
  });
}

async function allActive(ledger: SendLedger, limit: number): Promise<string[]> {
  const ids: string[] = [];
  for (let shard = 0; shard < ledger.shards; shard++) {
    let cursor: string | undefined;
    do {
      const page = await ledger.listActive(shard, cursor, limit);
      ids.push(...page.items.map((s) => s.id));
      cursor = page.cursor;
    } while (cursor);
  }
  return ids;
}
