import { describe, expect, it } from "vitest";
import { MemoryQueue } from "../../functions/adapters/memory-queue.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { PLAN_CALL_ATTEMPTS, plan, type SendBatch } from "../../functions/core/planner.js";
import { recordingLog, SCHEDULE, seed, subscriber, TIPS } from "../support/send-fixtures.js";

const WEEK = "2026-W48";
const NOW = new Date("2026-11-23T09:00:00.000Z");

async function planFor(
  store: MemoryStore,
  extra: { limit?: number; batchSize?: number; ledger?: MemoryStore } = {},
) {
  const queue = new MemoryQueue<SendBatch>();
  const report = await plan({
    ledger: extra.ledger ?? store,
    queue,
    tips: TIPS,
    week: WEEK,
    runId: "run-1",
    now: NOW,
    batchSize: extra.batchSize ?? 2,
    staleClaimSeconds: 3600,
    schedule: SCHEDULE,
    pageSize: 2,
    ...(extra.limit !== undefined ? { limit: extra.limit } : {}),
  });
  return { report, batches: queue.peek() };
}

/** `store` whose page reads each fail `times` times before they succeed (throttles past the SDK's retries). */
function failingReads(store: MemoryStore, times: number): MemoryStore {
  const failures = new Map<string, number>();
  return Object.assign(Object.create(store) as MemoryStore, {
    listActive: async (...args: Parameters<MemoryStore["listActive"]>) => {
      const page = `${args[0]}|${args[1]}`;
      const failed = failures.get(page) ?? 0;
      if (failed < times) {
        failures.set(page, failed + 1);
        throw new Error("ProvisionedThroughputExceededException");
      }
      return store.listActive(...args);
    },
  });
}

describe("plan", () => {
  it(`reads a page again when a read fails, up to ${PLAN_CALL_ATTEMPTS} times, then fails the pass`, async () => {
    const store = new MemoryStore(4);
    await seed(store, [subscriber(1), subscriber(2), subscriber(3), subscriber(4), subscriber(5)]);
    const retried = await planFor(store, {
      ledger: failingReads(store, PLAN_CALL_ATTEMPTS - 1),
    });
    expect(retried.report.planned).toBe(5);
    await expect(
      planFor(store, { ledger: failingReads(store, PLAN_CALL_ATTEMPTS) }),
    ).rejects.toThrow("ProvisionedThroughputExceededException");
  });

  it("goes on when a due-instant move fails, and sends a batch again when the queue fails", async () => {
    const store = new MemoryStore(4);
    // One reader was sent this week already: the pass moves them to their next slot, and here
    // every move fails.
    await seed(store, [subscriber(1, { lastWeekSent: WEEK }), subscriber(2), subscriber(3)]);
    const moving = Object.assign(Object.create(store) as MemoryStore, {
      reschedule: async () => {
        throw new Error("ProvisionedThroughputExceededException");
      },
    });
    const queue = new MemoryQueue<SendBatch>();
    let refused = 0;
    const flaky = {
      sendAll: async (batches: readonly SendBatch[]) => {
        if (refused++ < PLAN_CALL_ATTEMPTS - 1) throw new Error("SQS: ServiceUnavailable");
        await queue.sendAll(batches);
      },
    };
    const report = await plan({
      ledger: moving,
      queue: flaky,
      tips: TIPS,
      runId: "run-1",
      now: NOW,
      schedule: SCHEDULE,
      batchSize: 10,
      staleClaimSeconds: 3600,
    });
    expect(report).toMatchObject({ planned: 2, movesFailed: 1 });
    expect(queue.peek().flatMap((b) => b.recipients)).toHaveLength(2);
  });

  it("pages through every shard and batches each active subscriber with their next tip", async () => {
    const store = new MemoryStore(4);
    await seed(store, [
      subscriber(1),
      subscriber(2, { sentTips: ["squats"], firstName: "Ann" }),
      subscriber(3, { sentTips: ["squats", "lunges"] }),
      subscriber(4),
      subscriber(5),
    ]);
    const { report, batches } = await planFor(store);
    const recipients = batches.flatMap((b) => b.recipients);
    expect(report.planned).toBe(5);
    expect(report.active).toBe(5);
    expect(recipients).toHaveLength(5);
    expect(batches.every((b) => b.recipients.length <= 2 && b.week === WEEK)).toBe(true);
    expect(batches.every((b) => b.runId === "run-1")).toBe(true);
    expect(report.batches).toBe(batches.length);
    const byEmail = new Map(recipients.map((r) => [r.email, r]));
    expect(byEmail.get("runner1@example.com")?.tip).toBe("squats");
    expect(byEmail.get("runner2@example.com")).toMatchObject({ tip: "lunges", firstName: "Ann" });
    expect(byEmail.get("runner3@example.com")?.tip).toBe("planks");
    expect(report.byTip).toEqual({ squats: 3, lunges: 1, planks: 1 });
  });

  it("skips who got this week's tip, counts caught-up, leaves out everyone not active", async () => {
    const store = new MemoryStore(4);
    await seed(store, [
      subscriber(1, { lastWeekSent: WEEK, sentTips: ["squats"] }),
      subscriber(2, { sentTips: TIPS.map((t) => t.slug) }),
      subscriber(3, { status: "pending" }),
      subscriber(4, { status: "unsubscribed" }),
      subscriber(5, { status: "bounced" }),
      subscriber(6, { status: "complained" }),
      subscriber(7),
    ]);
    const { report, batches } = await planFor(store);
    expect(report).toMatchObject({ planned: 1, skippedAlreadySent: 1, caughtUp: 1, active: 3 });
    expect(batches.flatMap((b) => b.recipients.map((r) => r.email))).toEqual([
      "runner7@example.com",
    ]);
  });

  it("reports young pending claims as in flight and plans stale ones again", async () => {
    const store = new MemoryStore(2);
    const claim = (minutesAgo: number, state: "pending" | "sent" | "failed" = "pending") => ({
      week: WEEK,
      state,
      tip: "squats",
      at: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
      runId: "crashed",
    });
    await seed(store, [
      subscriber(1, { claim: claim(5) }),
      subscriber(2, { claim: claim(61) }),
      subscriber(3, { claim: claim(5, "failed") }),
      subscriber(4, { claim: { ...claim(5), week: "2026-W47", state: "sent" } }),
    ]);
    const { report, batches } = await planFor(store);
    expect(report).toMatchObject({
      planned: 2,
      inFlight: 1,
      staleRetried: 1,
      skippedAlreadySent: 1,
    });
    expect(batches.flatMap((b) => b.recipients.map((r) => r.email)).sort()).toEqual([
      "runner2@example.com",
      "runner4@example.com",
    ]);
  });

  it("plans nobody for a week older than their last one, and carries each recipient's send revision", async () => {
    const store = new MemoryStore(2);
    await seed(store, [
      subscriber(1, { lastWeekSent: "2026-W49", sentTips: ["squats"], rev: 2 }),
      subscriber(2, {
        claim: {
          week: "2026-W50",
          state: "sent",
          tip: "squats",
          at: NOW.toISOString(),
          runId: "r",
        },
      }),
      subscriber(3, { lastWeekSent: "2026-W47", sentTips: ["squats"], rev: 4 }),
    ]);
    const { report, batches } = await planFor(store);
    expect(report).toMatchObject({ planned: 1, superseded: 2 });
    expect(batches.flatMap((b) => b.recipients)).toEqual([
      // Their second tip: "#2" in its subject, whatever lunges' order.
      { id: subscriber(3).id, email: "runner3@example.com", tip: "lunges", rev: 4, number: 2 },
    ]);
  });

  it("an operator's week is never sent to a reader for whom it has not begun", async () => {
    const store = new MemoryStore(2);
    // 2026-11-23T09:00Z is Monday of 2026-W48 in UTC, still Sunday 22:00 of W47 in Pago Pago.
    await seed(store, [subscriber(1), subscriber(2, { timeZone: "Pacific/Pago_Pago" })]);
    const { report, batches } = await planFor(store);
    expect(report).toMatchObject({ planned: 1, notDue: 1 });
    expect(batches.flatMap((b) => b.recipients.map((r) => r.email))).toEqual([
      "runner1@example.com",
    ]);
  });

  const QUOTA = { maxSendRate: 14, max24HourSend: 50_000 };
  /** An hourly pass at NOW (no operator's week). */
  const hourly = (store: MemoryStore, queue: MemoryQueue<SendBatch>, batchSize: number) => ({
    ledger: store,
    queue,
    tips: TIPS,
    runId: "cron",
    now: NOW,
    batchSize,
    staleClaimSeconds: 3600,
    schedule: SCHEDULE,
  });
  it.each([
    [
      "the configuration set is paused",
      { stopped: { reason: "configuration-set-paused", message: "breaker" } },
      "configuration-set-paused",
    ],
    [
      "the account is paused",
      { quota: { ...QUOTA, sentLast24Hours: 10 }, stopped: { reason: "paused", message: "p" } },
      "paused",
    ],
    ["the day's quota is spent", { quota: { ...QUOTA, sentLast24Hours: 50_000 } }, "daily-quota"],
    [
      "only the part kept for signups is left (2,500 of 50,000)",
      { quota: { ...QUOTA, sentLast24Hours: 47_500 } },
      "daily-quota",
    ],
  ] as const)("plans nobody, reading and moving no one, while %s", async (_, status, reason) => {
    const store = new MemoryStore(4);
    await seed(store, [subscriber(1), subscriber(2)]);
    const before = await store.listActive(0, undefined, 100);
    const queue = new MemoryQueue<SendBatch>();
    const input = hourly(store, queue, 2);
    const stopped = await plan({ ...input, sending: { status: async () => status } });
    expect(stopped).toMatchObject({ sendingStopped: reason, active: 0, planned: 0, batches: 0 });
    expect(queue.peek()).toEqual([]);
    expect(await store.listActive(0, undefined, 100)).toEqual(before);
    // Resumed: the next pass plans them as if nothing had happened.
    const resumed = await plan({ ...input, sending: { status: async () => ({}) } });
    expect(resumed.sendingStopped).toBeUndefined();
    expect(resumed.planned).toBe(2);
  });

  it("plans no more readers than the weekly send's part of the day's quota has left; the rest stay due", async () => {
    const store = new MemoryStore(2);
    await seed(
      store,
      Array.from({ length: 5 }, (_, i) => subscriber(i + 1)),
    );
    const queue = new MemoryQueue<SendBatch>();
    const input = hourly(store, queue, 10);
    // Of 50,000 a day, 2,500 are kept for signups: 3 left for the weekly send.
    const left = { quota: { ...QUOTA, sentLast24Hours: 50_000 - 2_500 - 3 } };
    const capped = await plan({ ...input, sending: { status: async () => left } });
    expect(capped).toMatchObject({ planned: 3, quotaCapped: true });
    expect(queue.peek().flatMap((b) => b.recipients)).toHaveLength(3);
    // SES's −1 is an account without a daily quota: nobody is held back.
    const unlimited = { quota: { ...QUOTA, max24HourSend: -1, sentLast24Hours: 9_000_000 } };
    const uncapped = await plan({
      ...input,
      queue: new MemoryQueue<SendBatch>(),
      dryRun: true,
      sending: { status: async () => unlimited },
    });
    expect(uncapped.planned).toBe(5);
    // The two left over were not moved: the next pass, with quota back, plans them.
    const next = await plan({
      ...input,
      runId: "cron-next",
      sending: { status: async () => ({}) },
    });
    expect(next.planned).toBe(5);
    expect(next.quotaCapped).toBeUndefined();
  });

  it("holds the readers due a tip that cannot be filled, plans the rest, and says so each pass until it is mended", async () => {
    const store = new MemoryStore(2);
    // Readers 1 and 2 are due the second tip, reader 3 the first.
    await seed(store, [
      subscriber(1, { sentTips: ["squats"] }),
      subscriber(2, { sentTips: ["squats"] }),
      subscriber(3),
    ]);
    const queue = new MemoryQueue<SendBatch>();
    const { lines, log } = recordingLog();
    const broken = TIPS.map((t, i) =>
      i === 1 ? { ...t, subject: `${t.subject} {{confirm_url}}`, html: `${t.html}{{nope}}` } : t,
    );
    const input = { ...hourly(store, queue, 10), log };
    for (const runId of ["cron-1", "cron-2"]) {
      const report = await plan({ ...input, tips: broken, runId });
      expect(report).toMatchObject({ planned: 1, heldForContent: 2 });
      expect(report.unfillable).toEqual({
        lunges: "no value for {{confirm_url}}, {{nope}} in a tip's email",
      });
    }
    expect(queue.peek().flatMap((b) => b.recipients.map((r) => r.tip))).toEqual([
      "squats",
      "squats",
    ]);
    expect(lines.filter((l) => l.level === "error")).toEqual(
      Array.from({ length: 2 }, () => ({
        level: "error",
        message: "sending stopped",
        data: {
          reason: "bad-content",
          detail: "tip lunges: no value for {{confirm_url}}, {{nope}} in a tip's email",
          held: 2,
        },
      })),
    );
    // Held readers were not moved: with the tip mended, the next pass plans them.
    const mended = await plan({ ...input, runId: "cron-3" });
    expect(mended).toMatchObject({ planned: 3, heldForContent: 0 });
    expect(mended.unfillable).toBeUndefined();
  });

  it("judges each reader by their own day and hour, and carries it to the sender", async () => {
    const store = new MemoryStore(2);
    // NOW is Monday 2026-11-23 09:00 UTC: past the stage's Monday 07:00, before Wednesday 18:00.
    await seed(store, [subscriber(1), subscriber(2, { deliverySlot: "3-18" })]);
    const queue = new MemoryQueue<SendBatch>();
    const input = {
      ledger: store,
      queue,
      tips: TIPS,
      runId: "cron",
      batchSize: 10,
      staleClaimSeconds: 3600,
      schedule: SCHEDULE,
    };
    const monday = await plan({ ...input, now: NOW });
    expect(monday).toMatchObject({ planned: 1, notDue: 1 });
    expect((await store.get(subscriber(2).id))?.dueAt).toBe("2026-11-25T18:00:00.000Z");
    // No sender ran in between: the Monday reader is planned again (the claim makes it once).
    const wednesday = await plan({ ...input, now: new Date("2026-11-25T18:00:00Z") });
    expect(wednesday.planned).toBe(2);
    const recipients = queue
      .peek()
      .slice(1)
      .flatMap((b) => b.recipients);
    expect(recipients).toContainEqual(
      expect.objectContaining({ id: subscriber(2).id, deliverySlot: "3-18" }),
    );
  });

  it("plans at most `limit` recipients", async () => {
    const store = new MemoryStore(4);
    await seed(
      store,
      Array.from({ length: 20 }, (_, i) => subscriber(i)),
    );
    const { report, batches } = await planFor(store, { limit: 7 });
    expect(report.planned).toBe(7);
    expect(batches.flatMap((b) => b.recipients)).toHaveLength(7);
  });

  it("writes nothing: planning twice plans the same people", async () => {
    const store = new MemoryStore(4);
    await seed(store, [subscriber(1), subscriber(2)]);
    const before = store.all();
    await planFor(store);
    expect(store.all()).toEqual(before);
    expect((await planFor(store)).report.planned).toBe(2);
  });
});
