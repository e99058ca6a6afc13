import { describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { MemoryQueue } from "../../functions/adapters/memory-queue.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import {
  MailStoppedError,
  MailThrottledError,
  MailUnansweredError,
} from "../../functions/core/errors.js";
import { plan, type SendBatch } from "../../functions/core/planner.js";
import {
  createSendWorker,
  notBegun,
  type SendWorkerDeps,
  sendBatchSchema,
  WEEKLY_QUOTA,
} from "../../functions/core/send-queue.js";
import { tipIndex } from "../../functions/core/sender.js";
import { parseBody } from "../../functions/events/sqs.js";
import {
  deliverRecords,
  FakeClock,
  LINKS,
  recordingLog,
  SCHEDULE,
  seed,
  signer,
  subscriber,
  TIPS,
} from "../support/send-fixtures.js";

const WEEK = "2026-W48";

function batchOf(...numbers: number[]): string {
  const batch: SendBatch = {
    week: WEEK,
    runId: "run-1",
    recipients: numbers.map((n) => {
      const s = subscriber(n);
      return { id: s.id, email: s.email, tip: "squats" };
    }),
  };
  return JSON.stringify(batch);
}

/**
 * SES with `left` of the weekly send's part of the day's quota left (of 1,000 a day, 50 are kept
 * for signups): its sends wait until `open()`, and `fault` may refuse one before it is accepted.
 */
function gatedSes(left: number, fault?: (to: string) => Error | undefined) {
  const inner = new MemoryMailer({
    quota: { maxSendRate: 100, max24HourSend: 1_000, sentLast24Hours: 950 - left },
  });
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const mailer = {
    status: () => inner.status(),
    send: async (email: Parameters<MemoryMailer["send"]>[0]) => {
      await gate;
      const error = fault?.(email.to);
      if (error) throw error;
      return inner.send(email);
    },
  };
  return { inner, mailer, open };
}

async function setup(mailer = new MemoryMailer()) {
  const store = new MemoryStore(4);
  await seed(
    store,
    [1, 2, 3, 4].map((n) => subscriber(n)),
  );
  const clock = new FakeClock();
  const { lines: logged, log } = recordingLog();
  const deps: SendWorkerDeps = {
    subscribers: store,
    ledger: store,
    limits: store,
    mailer,
    signer,
    clock,
    sleep: clock.sleep,
    random: () => 0.5,
    tips: tipIndex(TIPS),
    links: LINKS,
    settings: { maxSendRate: 100, max24HourSend: 1000, staleClaimSeconds: 960 },
    schedule: SCHEDULE,
    workers: 2,
    log,
  };
  /** One SQS delivery of `records` to a fresh worker, as one Lambda invocation. */
  const deliver = async (
    records: Array<{ id: string; body: string; receives?: number }>,
    overrides: Partial<SendWorkerDeps> = {},
  ) => deliverRecords(await createSendWorker({ ...deps, ...overrides }), records, log);
  return { store, mailer, deps, logged, clock, deliver };
}

describe("a send worker (one SQS delivery, through the send-batch Lambda's edge)", () => {
  it("near its time limit it takes nobody more and hands the rest back; each email is recorded", async () => {
    const { store, deliver, clock } = await setup();
    await seed(
      store,
      [5, 6, 7, 8, 9, 10].map((n) => subscriber(n)),
    );
    // A slow SES: each call takes 2 s of the invocation's time.
    const inner = new MemoryMailer();
    const callsAt: number[] = [];
    const slow = {
      status: () => inner.status(),
      send: async (email: Parameters<MemoryMailer["send"]>[0]) => {
        callsAt.push(clock.ms);
        clock.advance(2_000);
        return inner.send(email);
      },
    };
    const stopBy = new Date(clock.ms + 5_000);
    const body = batchOf(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    const first = await deliver([{ id: "m1", body }], { mailer: slow, stopBy, parallel: 1 });
    expect(first).toEqual(["m1"]);
    // No call started at or after the deadline, and every email SES took is recorded as sent.
    expect(callsAt.every((at) => at < stopBy.getTime())).toBe(true);
    expect(inner.sent).toHaveLength(3);
    const states = store.all().map((s) => s.claim?.state);
    expect(states.filter((s) => s === "sent")).toHaveLength(3);
    expect(states.filter((s) => s === "pending")).toHaveLength(0);
    // The next delivery, with time of its own, sends the rest: each reader once.
    const second = await deliver([{ id: "m1", body }], { mailer: slow, parallel: 1 });
    expect(second).toEqual([]);
    expect(new Set(inner.sent.map((e) => e.to)).size).toBe(10);
    expect(inner.sent).toHaveLength(10);
  });

  it("puts whom its time limit left back on the queue as a batch of their own, so they wait for no visibility timeout", async () => {
    const { store, deliver, clock } = await setup();
    await seed(
      store,
      [5, 6].map((n) => subscriber(n)),
    );
    const inner = new MemoryMailer();
    const slow = {
      status: () => inner.status(),
      send: async (email: Parameters<MemoryMailer["send"]>[0]) => {
        clock.advance(2_000);
        return inner.send(email);
      },
    };
    const requeue = new MemoryQueue<SendBatch>();
    const stopBy = new Date(clock.ms + 3_000);
    const body = batchOf(1, 2, 3, 4, 5, 6);
    const options = { mailer: slow, stopBy, parallel: 1, requeue };
    expect(await deliver([{ id: "m1", body }], options)).toEqual([]);
    expect(inner.sent.map((e) => e.to)).toEqual([subscriber(1).email, subscriber(2).email]);
    const [again, ...more] = requeue.peek();
    expect(more).toEqual([]);
    expect(again).toEqual({
      ...JSON.parse(body),
      recipients: JSON.parse(body).recipients.slice(2),
    });
    // When the queue cannot take them, the record itself comes again instead.
    const failing = { sendAll: async () => Promise.reject(new Error("SQS unavailable")) };
    const left = await deliver([{ id: "m2", body: JSON.stringify(again) }], {
      ...options,
      stopBy: new Date(clock.ms + 3_000),
      requeue: failing,
    });
    expect(left).toEqual(["m2"]);
    expect(inner.sent).toHaveLength(4);
    expect(store.all().filter((s) => s.claim?.state === "pending")).toEqual([]);
  });

  it("starts a delivery's next record once the one before has taken its last recipient, filling that one's slow tail", async () => {
    const { store, deliver } = await setup();
    await seed(
      store,
      [5, 6].map((n) => subscriber(n)),
    );
    const inner = new MemoryMailer();
    const order: string[] = [];
    let release = () => {};
    const hung = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = {
      status: () => inner.status(),
      send: async (email: Parameters<MemoryMailer["send"]>[0]) => {
        order.push(email.to);
        // The first record's last reader: SES answers only after the second record is sent.
        if (email.to === subscriber(3).email) await hung;
        const sent = await inner.send(email);
        if (inner.sent.length === 5) release();
        return sent;
      },
    };
    const records = [
      { id: "a", body: batchOf(1, 2, 3) },
      { id: "b", body: batchOf(4, 5, 6) },
    ];
    expect(await deliver(records, { mailer: slow, parallel: 2 })).toEqual([]);
    // The second record began only once the first had taken all three, not beside its first.
    expect(order.slice(0, 3).sort()).toEqual([1, 2, 3].map((n) => subscriber(n).email).sort());
    expect(inner.sent.map((e) => e.to).slice(-1)).toEqual([subscriber(3).email]);
    expect(inner.sent).toHaveLength(6);
  });

  it("gives a claim back unsent when the deadline comes while it waits to retry", async () => {
    const throttled = new MemoryMailer({
      fault: (_e, call) => (call === 1 ? new MailThrottledError("slow down") : undefined),
    });
    const { store, deliver, clock } = await setup(throttled);
    // The backoff before the retry passes the deadline: the retry must not start.
    const stopBy = new Date(clock.ms + 20);
    const retry = await deliver([{ id: "m1", body: batchOf(1) }], { stopBy });
    expect(retry).toEqual(["m1"]);
    expect(throttled.calls).toBe(1);
    expect(store.all().filter((s) => s.claim?.state === "pending")).toEqual([]);
  });

  it("sets aside a recipient whose zone this runtime does not know; the rest of the batch is sent", async () => {
    const { mailer, deliver, logged } = await setup();
    // Planned by a runtime that knew the zone; this one does not.
    const batch = JSON.parse(batchOf(1, 2, 3)) as SendBatch;
    const mars = batch.recipients[1] as SendBatch["recipients"][number];
    mars.timeZone = "Mars/Olympus";
    const retry = await deliver([{ id: "m1", body: JSON.stringify(batch) }]);
    // Redelivering would not make the zone known: the record is not handed back.
    expect(retry).toEqual([]);
    expect(mailer.sent.map((e) => e.to).sort()).toEqual([
      "runner1@example.com",
      "runner3@example.com",
    ]);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: "error",
        message: "reader set aside",
        data: expect.objectContaining({ key: `SUB#${mars.id}` }),
      }),
    );
  });

  it("sends every batch and asks for no redelivery", async () => {
    const { mailer, deliver, logged } = await setup();
    const retry = await deliver([
      { id: "m1", body: batchOf(1, 2) },
      { id: "m2", body: batchOf(3) },
    ]);
    expect(retry).toEqual([]);
    expect(mailer.sent.map((e) => e.to).sort()).toEqual([
      "runner1@example.com",
      "runner2@example.com",
      "runner3@example.com",
    ]);
    expect(logged.filter((l) => l.message === "send batch done")).toHaveLength(2);
    // The account's 100/s, which both senders keep to together on its one schedule.
    expect(logged[0]?.data.limit).toBe(100);
  });

  it.each([
    ["not JSON", "{oops"],
    ["a bad week", JSON.stringify({ week: "48", runId: "r", recipients: [] })],
    [
      "a week that does not exist (2025 has 52)",
      JSON.stringify({ week: "2025-W53", runId: "r", recipients: [] }),
    ],
    [
      "a bad id",
      JSON.stringify({
        week: WEEK,
        runId: "r",
        recipients: [{ id: "x", email: "a@b.c", tip: "t" }],
      }),
    ],
    ["no recipients list", JSON.stringify({ week: WEEK, runId: "r" })],
  ])("drops a record with %s, logs it, and goes on", async (_what, body) => {
    const { mailer, deliver, logged } = await setup();
    const retry = await deliver([
      { id: "bad", body },
      { id: "good", body: batchOf(4) },
    ]);
    expect(retry).toEqual([]);
    expect(mailer.sent.map((e) => e.to)).toEqual(["runner4@example.com"]);
    expect(logged.find((l) => l.message === "malformed send batch")?.data.messageId).toBe("bad");
  });

  it("keeps a reader's own day and hour and their number in the series through the queue", async () => {
    const { store, mailer, deliver } = await setup();
    const early = subscriber(5, { timeZone: "Europe/London", deliverySlot: "1-02" });
    await store.create(early);
    const body = JSON.stringify({
      week: WEEK,
      runId: "run-1",
      recipients: [
        {
          id: early.id,
          email: early.email,
          tip: "squats",
          timeZone: "Europe/London",
          deliverySlot: "1-02",
          number: 3,
        },
      ],
    } satisfies SendBatch);
    expect(await deliver([{ id: "m1", body }])).toEqual([]);
    expect(mailer.sent.map((e) => e.to)).toEqual([early.email]);
    // Next due at their own Monday 02:00 in London, not the stage's 07:00.
    expect((await store.get(early.id))?.dueAt).toBe("2026-11-30T02:00:00.000Z");
    const parsed = parseBody(sendBatchSchema, body);
    expect(parsed.success && parsed.data.recipients[0]?.number).toBe(3);
  });

  it("drops a batch of a week not begun in any time zone, sending nothing and moving nobody", async () => {
    const { mailer, deliver, logged, store } = await setup();
    const future = JSON.parse(batchOf(4)) as SendBatch;
    future.week = "2099-W01";
    const retry = await deliver([{ id: "future", body: JSON.stringify(future) }]);
    expect(retry).toEqual([]);
    expect(mailer.sent).toEqual([]);
    const reader = await store.get(subscriber(4).id);
    expect(reader?.claim).toBeUndefined();
    expect(reader?.lastWeekSent).toBeUndefined();
    expect(logged.find((l) => l.message === "send batch of a week not begun")?.level).toBe("error");
  });

  it.each([
    // Week 49 of 2026 begins Monday 30 November, 00:00 at UTC+14: Sunday 10:00 UTC.
    ["2026-W49", "2026-11-29T09:59:59.000Z", true],
    ["2026-W49", "2026-11-29T10:00:00.000Z", false],
    ["2026-W48", "2026-11-23T09:00:00.000Z", false],
    ["2026-W10", "2026-11-23T09:00:00.000Z", false],
    ["2099-W01", "2026-11-23T09:00:00.000Z", true],
  ])("%s has not begun anywhere at %s: %s", (week, now, expected) => {
    expect(notBegun(week, new Date(now))).toBe(expected);
  });

  it("asks for redelivery of a batch deferred by throttling, and only that one", async () => {
    const throttleRunner2 = new MemoryMailer({
      fault: (email) =>
        email.to === "runner2@example.com" ? new MailThrottledError("slow down") : undefined,
    });
    const { deliver, store } = await setup(throttleRunner2);
    const retry = await deliver([
      { id: "m1", body: batchOf(1) },
      { id: "m2", body: batchOf(2) },
    ]);
    expect(retry).toEqual(["m2"]);
    // The deferred recipient's claim was given back: the redelivery can take it.
    expect((await store.get(subscriber(2).id))?.claim).toBeUndefined();
    expect((await store.get(subscriber(1).id))?.lastWeekSent).toBe(WEEK);
  });

  it("asks for redelivery when the store fails", async () => {
    const { deliver, store } = await setup();
    const down = Object.assign(Object.create(store), {
      claim: async () => {
        throw new Error("DynamoDB is down");
      },
    });
    const retry = await deliver([{ id: "m1", body: batchOf(1) }], { ledger: down });
    expect(retry).toEqual(["m1"]);
  });

  it("a redelivered batch takes over its dead sender's claims once they are as old as the visibility timeout", async () => {
    const { deliver, store, mailer, clock } = await setup();
    const record = { id: "m1", body: batchOf(1, 2, 3, 4) };
    // After two sends the store loses its answers: the last two claims were written, never sent.
    let claims = 0;
    const losing = Object.assign(Object.create(store), {
      claim: async (...args: Parameters<typeof store.claim>) => {
        const result = await store.claim(...args);
        claims += 1;
        if (claims > 2 && mailer.sent.length >= 2) throw new Error("the answer was lost");
        return result;
      },
    });
    expect(await deliver([record], { ledger: losing, parallel: 1 })).toEqual(["m1"]);
    expect(mailer.sent).toHaveLength(2);
    const pending = store.all().filter((s) => s.claim?.state === "pending");
    expect(pending).toHaveLength(2);

    // SQS redelivers after the visibility timeout (960 s) from the receive; the claims are younger.
    clock.advance(900_000);
    expect(await deliver([record])).toEqual(["m1"]);
    expect(mailer.sent).toHaveLength(2);

    // The next redelivery, 960 s later, finds them stale and sends them: each person once.
    clock.advance(960_000);
    expect(await deliver([record])).toEqual([]);
    expect(mailer.sent.map((e) => e.to).sort()).toEqual(
      [1, 2, 3, 4].map((n) => `runner${n}@example.com`),
    );
  });

  it("a paused account or configuration set sends nothing, says so, and hands every record back", async () => {
    const paused = new MemoryMailer({
      stopped: { reason: "configuration-set-paused", message: "breaker" },
    });
    const { deliver, logged } = await setup(paused);
    expect(await deliver([{ id: "m1", body: batchOf(1) }])).toEqual(["m1"]);
    expect(paused.calls).toBe(0);
    expect(logged).toContainEqual({
      level: "error",
      message: "sending stopped",
      data: { reason: "configuration-set-paused", detail: "breaker" },
    });
  });

  it("a batch SES paused mid-way comes again until its last delivery, then is let go: its unsent readers stay due, and the planner sends them once SES sends again", async () => {
    // SES pauses the account after the first email. Delivered again while the pause may be short
    // (a reader near the end of their week still gets it); on its last delivery, let go rather
    // than dead-lettered, since the planner waits the pause out.
    const mailer = new MemoryMailer({
      fault: (_email, call) =>
        call > 1 ? new MailStoppedError("SES: sending paused", "paused") : undefined,
    });
    const { store, deps, deliver, clock, logged } = await setup(mailer);
    const record = { id: "m1", body: batchOf(1, 2, 3, 4) };
    expect(await deliver([record], { parallel: 1 })).toEqual(["m1"]);
    expect(await deliver([{ ...record, receives: 4 }])).toEqual(["m1"]);
    expect(await deliver([{ ...record, receives: 5 }])).toEqual([]);
    expect(logged).toContainEqual({
      level: "info",
      message: "send batch left to the planner",
      data: { messageId: "m1", reason: "paused" },
    });
    expect(mailer.sent).toHaveLength(1);
    const unsent = [2, 3, 4].map((n) => subscriber(n).id);
    for (const id of unsent) {
      const reader = await store.get(id);
      expect(reader?.claim).toBeUndefined();
      expect(reader?.lastWeekSent).toBeUndefined();
    }

    // SES sends again: the next hourly pass plans exactly the three left, and they are sent.
    mailer.setFault(undefined);
    clock.advance(3_600_000);
    const queue = new MemoryQueue<SendBatch>();
    const report = await plan({
      ledger: store,
      queue,
      sending: mailer,
      tips: TIPS,
      runId: "cron",
      now: clock.now(),
      schedule: SCHEDULE,
      batchSize: 100,
      staleClaimSeconds: 960,
    });
    expect(
      queue
        .peek()
        .flatMap((b) => b.recipients.map((r) => r.id))
        .sort(),
    ).toEqual([...unsent].sort());
    expect(report.planned).toBe(3);
    const worker = await createSendWorker(deps);
    for (const batch of queue.peek()) await worker.send(batch, "m2");
    expect(mailer.sent.map((e) => e.to).sort()).toEqual(
      [1, 2, 3, 4].map((n) => `runner${n}@example.com`),
    );
  });

  it.each([
    ["paused", "let go"],
    ["configuration-set-paused", "let go"],
    ["suspended", "let go"],
    ["daily-quota", "let go"],
    ["sender-refused", "dead-lettered"],
    ["access-denied", "dead-lettered"],
    ["message-rejected", "dead-lettered"],
    ["bad-content", "let go"],
  ] as const)(
    "on its last delivery, a batch halted by %s is %s (the planner waits out SES's pauses and quota, and holds a tip that cannot be filled)",
    async (reason, fate) => {
      const mailer = new MemoryMailer({ fault: () => new MailStoppedError("stop", reason) });
      const { deliver } = await setup(mailer);
      const record = { id: "m1", body: batchOf(1, 2) };
      expect(await deliver([record])).toEqual(["m1"]);
      expect(await deliver([{ ...record, receives: 5 }])).toEqual(fate === "let go" ? [] : ["m1"]);
    },
  );

  it("batches sent at once share one limit of recipients in progress: a second batch fills the first one's tail, it does not double what is in flight", async () => {
    const store = new MemoryStore(4);
    const numbers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    await seed(
      store,
      numbers.map((n) => subscriber(n)),
    );
    // Between a recipient's claim and their mark: the most at once, with real turns of the event
    // loop in between so that batches interleave as they do against SES.
    let now = 0;
    let most = 0;
    const counted = Object.assign(Object.create(store) as MemoryStore, {
      claim: async (...args: Parameters<MemoryStore["claim"]>) => {
        now += 1;
        most = Math.max(most, now);
        return store.claim(...args);
      },
      markSent: async (...args: Parameters<MemoryStore["markSent"]>) => {
        await new Promise((resolve) => setImmediate(resolve));
        now -= 1;
        return store.markSent(...args);
      },
    });
    const mailer = new MemoryMailer();
    const slow = {
      send: async (email: Parameters<MemoryMailer["send"]>[0]) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return mailer.send(email);
      },
      status: () => mailer.status(),
    };
    const { deps } = await setup();
    const worker = await createSendWorker({ ...deps, ledger: counted, mailer: slow, parallel: 3 });
    await Promise.all([
      worker.send(JSON.parse(batchOf(1, 2, 3, 4, 5)), "a"),
      worker.send(JSON.parse(batchOf(6, 7, 8, 9, 10)), "b"),
    ]);
    expect(mailer.sent).toHaveLength(10);
    expect(most).toBe(3);
  });

  it("senders running at once spend the day's remaining quota once between them, not once each", async () => {
    // Of 1,000 a day, 50 are kept for signups: 4 left for the weekly send.
    const quota = { maxSendRate: 100, max24HourSend: 1_000, sentLast24Hours: 946 };
    const mailer = new MemoryMailer({ quota });
    const { store, deps } = await setup(mailer);
    await seed(
      store,
      [5, 6, 7, 8].map((n) => subscriber(n)),
    );
    const workers = await Promise.all([1, 2].map(() => createSendWorker({ ...deps, workers: 2 })));
    const outcomes = await Promise.allSettled([
      workers[0]?.send(JSON.parse(batchOf(1, 2, 3, 4)), "a"),
      workers[1]?.send(JSON.parse(batchOf(5, 6, 7, 8)), "b"),
    ]);
    // Four left today: the first to ask has them, the other's batch is handed back.
    expect(mailer.sent).toHaveLength(4);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    const due = store.all().filter((s) => s.lastWeekSent === undefined);
    expect(due).toHaveLength(4);
    for (const reader of due) expect(reader.claim).toBeUndefined();
  });

  it("a sender that starts while another still holds its units does not spend them again", async () => {
    // 8 left for the weekly send. Worker a holds 4 and is slow to send two of them; meanwhile b
    // sends 2 and finishes, and c starts: SES's count has not all of a's 4, which a still holds.
    const quota = { maxSendRate: 100, max24HourSend: 1_000, sentLast24Hours: 942 };
    const inner = new MemoryMailer({ quota });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = {
      status: () => inner.status(),
      send: async (email: Parameters<MemoryMailer["send"]>[0]) => {
        if (["runner1@example.com", "runner2@example.com"].includes(email.to)) await gate;
        return inner.send(email);
      },
    };
    const { store, deps } = await setup(inner);
    await seed(
      store,
      [5, 6, 7, 8, 9, 10].map((n) => subscriber(n)),
    );
    const worker = () => createSendWorker({ ...deps, mailer: slow, workers: 4 });
    const a = (await worker()).send(JSON.parse(batchOf(1, 2, 3, 4)), "a").catch(() => "again");
    await (await worker()).send(JSON.parse(batchOf(5, 6)), "b");
    const c = (await worker()).send(JSON.parse(batchOf(7, 8, 9, 10)), "c").catch(() => "again");
    // c may count a's sent emails twice (in SES's count and in a's units), never not at all.
    expect(await c).toBe("again");
    release();
    await a;
    expect(inner.sent).toHaveLength(6);
    // a done, c's batch comes again and has the rest: the 8 left, never more.
    await (await worker()).send(JSON.parse(batchOf(7, 8, 9, 10)), "c").catch(() => "again");
    expect(inner.sent).toHaveLength(8);
  });

  it("asks SES how much is left again only when what it may have sent since could matter", async () => {
    const counting = (left: number) => {
      const quota = { maxSendRate: 100, max24HourSend: 1_000, sentLast24Hours: 950 - left };
      const inner = new MemoryMailer({ quota });
      let asked = 0;
      const mailer = {
        send: (email: Parameters<MemoryMailer["send"]>[0]) => inner.send(email),
        status: () => {
          asked += 1;
          return inner.status();
        },
      };
      return { mailer, asked: () => asked };
    };
    // Far from it: asked once, when the worker starts, for three batches a second apart (the
    // most 100/s could have sent meanwhile leaves enough).
    const far = counting(900);
    const { store, deps, clock } = await setup();
    await seed(
      store,
      [5, 6].map((n) => subscriber(n)),
    );
    const worker = await createSendWorker({ ...deps, mailer: far.mailer });
    for (const [i, batch] of [batchOf(1, 2), batchOf(3, 4), batchOf(5, 6)].entries()) {
      clock.advance(1_000);
      await worker.send(JSON.parse(batch), `far-${i}`);
    }
    expect(far.asked()).toBe(1);
    // Near it: a minute at 100/s could have spent the 10 left, so SES is asked again, and sends.
    const near = counting(10);
    const again = await setup();
    const nearWorker = await createSendWorker({ ...again.deps, mailer: near.mailer });
    again.clock.advance(60_000);
    await nearWorker.send(JSON.parse(batchOf(1, 2)), "near");
    expect(near.asked()).toBe(2);
    expect(again.store.all().filter((s) => s.lastWeekSent !== undefined)).toHaveLength(2);
  });

  it.each([
    ["its answer is lost", "unanswered"],
    ["its record then fails", "record"],
  ])(
    "spends the unit of an email SES accepted though %s: 4 left, 4 accepted",
    async (_what, fault) => {
      // 4 left of the weekly send's part; emails SES accepts go wrong after.
      const quota = { maxSendRate: 100, max24HourSend: 1_000, sentLast24Hours: 946 };
      const inner = new MemoryMailer({ quota });
      let faults = 0;
      const mailer = {
        status: () => inner.status(),
        send: async (email: Parameters<MemoryMailer["send"]>[0]) => {
          const accepted = await inner.send(email);
          if (fault === "unanswered" && faults < 2) {
            faults += 1;
            throw new MailUnansweredError("no answer");
          }
          return accepted;
        },
      };
      const { store, deps } = await setup(inner);
      await seed(
        store,
        [5, 6, 7, 8].map((n) => subscriber(n)),
      );
      // Its record fails three times over (as many as the sender tries) for the first reader.
      const first = subscriber(1).id;
      const ledger = Object.assign(Object.create(store) as MemoryStore, {
        markSent: async (...args: Parameters<MemoryStore["markSent"]>) => {
          if (fault === "record" && args[0] === first) throw new Error("the store is down");
          return store.markSent(...args);
        },
      });
      const worker = await createSendWorker({ ...deps, mailer, ledger, parallel: 1 });
      await worker.send(JSON.parse(batchOf(1, 2, 3, 4, 5, 6, 7, 8)), "m").catch(() => undefined);
      expect(inner.sent).toHaveLength(4);
    },
  );

  it("counts its own sends made while SES answers how much is left", async () => {
    // 10 left. The first batch's 6 go out while the second batch's question to SES is answered
    // with the count from before them.
    const quota = { maxSendRate: 100, max24HourSend: 1_000, sentLast24Hours: 940 };
    const inner = new MemoryMailer({ quota });
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let asked = 0;
    const mailer = {
      status: async () => {
        asked += 1;
        const counted = await inner.status();
        if (asked > 1) {
          open();
          for (let i = 0; i < 50; i += 1) await new Promise((r) => setImmediate(r));
        }
        return counted;
      },
      send: async (email: Parameters<MemoryMailer["send"]>[0]) => {
        await gate;
        return inner.send(email);
      },
    };
    const { store, deps } = await setup(inner);
    await seed(
      store,
      [5, 6, 7, 8, 9, 10, 11, 12].map((n) => subscriber(n)),
    );
    const worker = await createSendWorker({ ...deps, mailer });
    await Promise.all([
      worker.send(JSON.parse(batchOf(1, 2, 3, 4, 5, 6)), "a").catch(() => undefined),
      worker.send(JSON.parse(batchOf(7, 8, 9, 10, 11, 12)), "b").catch(() => undefined),
    ]);
    expect(inner.sent.length).toBeLessThanOrEqual(10);
  });

  it("a sender refused because others hold what is left is not stopped: its batch comes again and is sent", async () => {
    // 8 left. Worker a holds all 8; four of its readers are throttled, so it gives 4 back.
    const throttled = [5, 6, 7, 8].map((n) => subscriber(n).email);
    const { inner, mailer, open } = gatedSes(8, (to) =>
      throttled.includes(to) ? new MailThrottledError("slow down") : undefined,
    );
    const { store, deps, logged } = await setup(inner);
    await seed(
      store,
      [5, 6, 7, 8, 9, 10, 11, 12].map((n) => subscriber(n)),
    );
    const worker = () =>
      createSendWorker({ ...deps, mailer, retry: { attempts: 1, baseMs: 1, maxMs: 1 } });
    const a = (await worker()).send(JSON.parse(batchOf(1, 2, 3, 4, 5, 6, 7, 8)), "a");
    const b = await worker();
    const refused = await b.send(JSON.parse(batchOf(9, 10, 11, 12)), "b").then(
      () => "done",
      () => "again",
    );
    open();
    await a.catch(() => undefined);
    expect(refused).toBe("again");
    expect(b.report.stopped).toBeUndefined();
    expect(logged.filter((l) => l.message === "sending stopped")).toEqual([]);
    await (await worker()).send(JSON.parse(batchOf(9, 10, 11, 12)), "b");
    expect(inner.sent).toHaveLength(8);
  });

  it("on its last delivery, a batch refused because others hold what is left is let go: its readers stay due", async () => {
    // 4 left, all held by worker a while its sends wait.
    const { inner, mailer, open } = gatedSes(4);
    const { store, deps, logged } = await setup(inner);
    await seed(
      store,
      [5, 6, 7, 8].map((n) => subscriber(n)),
    );
    const a = (await createSendWorker({ ...deps, mailer })).send(
      JSON.parse(batchOf(1, 2, 3, 4)),
      "a",
    );
    const b = await createSendWorker({ ...deps, mailer });
    await b.send(JSON.parse(batchOf(5, 6, 7, 8)), "b", true);
    open();
    await a;
    expect(logged).toContainEqual(
      expect.objectContaining({
        message: "send batch left to the planner",
        data: expect.objectContaining({ messageId: "b", reason: "quota-held" }),
      }),
    );
    const due = store.all().filter((s) => s.lastWeekSent === undefined);
    expect(due.map((s) => s.email).sort()).toEqual([5, 6, 7, 8].map((n) => subscriber(n).email));
    for (const reader of due) expect(reader.claim).toBeUndefined();
  });

  it("judges each batch by its own units: one short of the quota stops, whatever the next one's hold", async () => {
    // 10 left; another sender holds 6. Batch a (12 readers) is given 4: short of the quota. Batch
    // b (2 readers), asked for while a sends, is refused since the other holds the rest.
    const { inner, mailer, open } = gatedSes(10);
    const { store, deps, clock } = await setup(inner);
    const readers = Array.from({ length: 14 }, (_, i) => i + 1);
    await seed(
      store,
      readers.slice(4).map((n) => subscriber(n)),
    );
    const other = { holding: 0, want: 6, available: 10 };
    await store.holdUnits(WEEKLY_QUOTA, "other", other, clock.now(), 60_000);
    const worker = await createSendWorker({ ...deps, mailer });
    const a = worker.send(JSON.parse(batchOf(...readers.slice(0, 12))), "a").catch(() => "again");
    const b = worker.send(JSON.parse(batchOf(13, 14)), "b").catch(() => "again");
    for (let i = 0; i < 50; i += 1) await new Promise((r) => setImmediate(r));
    open();
    await Promise.all([a, b]);
    expect(inner.sent).toHaveLength(4);
    expect(worker.report.stopped?.reason).toBe("daily-quota");
  });

  it("when SES cannot tell the quota, sends within the stage's quota however long it runs", async () => {
    const inner = new MemoryMailer();
    const mailer = {
      status: async () => ({ unanswered: "GetAccount: AccessDenied" }),
      send: (email: Parameters<MemoryMailer["send"]>[0]) => inner.send(email),
    };
    const { deps, clock } = await setup(inner);
    const settings = { maxSendRate: 1, max24HourSend: 200, staleClaimSeconds: 960 };
    const worker = await createSendWorker({ ...deps, mailer, settings });
    clock.advance(191_000);
    await worker.send(JSON.parse(batchOf(1, 2)), "a");
    expect(inner.sent).toHaveLength(2);
    expect(worker.report.stopped).toBeUndefined();
  });

  it("gives back what it held and did not spend once its batches are done", async () => {
    // 8 left. Worker a holds 4 for readers of whom 2 have left: it sends 2, and gives 2 back.
    const quota = { maxSendRate: 100, max24HourSend: 1_000, sentLast24Hours: 942 };
    const mailer = new MemoryMailer({ quota });
    const { store, deps } = await setup(mailer);
    await seed(store, [
      subscriber(5),
      subscriber(6),
      subscriber(7),
      subscriber(8),
      subscriber(9),
      subscriber(10),
    ]);
    await seed(store, [
      subscriber(11, { status: "unsubscribed" }),
      subscriber(12, { status: "unsubscribed" }),
    ]);
    const a = await createSendWorker({ ...deps, workers: 4 });
    await a.send(JSON.parse(batchOf(1, 2, 11, 12)), "a");
    expect(mailer.sent).toHaveLength(2);
    const b = await createSendWorker({ ...deps, workers: 4 });
    await b.send(JSON.parse(batchOf(5, 6, 7, 8, 9, 10)), "b");
    expect(mailer.sent).toHaveLength(8);
  });

  it("a lone sender may spend all that is left of the weekly send's part, though four senders may run", async () => {
    const quota = { maxSendRate: 100, max24HourSend: 1_000, sentLast24Hours: 940 };
    const mailer = new MemoryMailer({ quota });
    const { store, deps } = await setup(mailer);
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    await seed(
      store,
      ten.slice(4).map((n) => subscriber(n)),
    );
    const worker = await createSendWorker({ ...deps, workers: 4 });
    await worker.send(JSON.parse(batchOf(...ten)), "m");
    expect(mailer.sent).toHaveLength(10);
    expect(worker.report.stopped).toBeUndefined();
  });

  it.each([
    [4, 4],
    [1, 1],
    [0, 0],
  ])(
    "with %i of the weekly send's part of the quota left, the planner plans %i, and four senders at once send them all",
    async (left, planned) => {
      // Of 1,000 a day, 50 are kept for signups.
      const quota = { maxSendRate: 100, max24HourSend: 1_000, sentLast24Hours: 950 - left };
      const mailer = new MemoryMailer({ quota });
      const { store, deps, clock } = await setup(mailer);
      const queue = new MemoryQueue<SendBatch>();
      const report = await plan({
        ledger: store,
        queue,
        sending: mailer,
        tips: TIPS,
        runId: "cron",
        now: clock.now(),
        schedule: SCHEDULE,
        batchSize: 1,
        staleClaimSeconds: 960,
      });
      expect(report.planned).toBe(planned);
      if (planned === 0) expect(report.sendingStopped).toBe("daily-quota");
      // Four senders at once, one batch each: every one planned is sent, and none stops.
      const workers = await Promise.all(
        queue.peek().map(() => createSendWorker({ ...deps, workers: 4 })),
      );
      await Promise.all(queue.peek().map((batch, i) => workers[i]?.send(batch, `m${i}`)));
      expect(mailer.sent).toHaveLength(planned);
      for (const worker of workers) expect(worker.report.stopped).toBeUndefined();
    },
  );

  it("sends on an account without a daily quota (SES's max24HourSend of −1)", async () => {
    const quota = { maxSendRate: 100, max24HourSend: -1, sentLast24Hours: 5_000_000 };
    const mailer = new MemoryMailer({ quota });
    const { store, deps } = await setup(mailer);
    await seed(
      store,
      [1, 2, 3].map((n) => subscriber(n)),
    );
    const worker = await createSendWorker(deps);
    await worker.send(JSON.parse(batchOf(1, 2, 3)), "a");
    expect(mailer.sent).toHaveLength(3);
    expect(worker.report.stopped).toBeUndefined();
  });
});
