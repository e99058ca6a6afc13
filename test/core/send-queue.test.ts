import { describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { MailThrottledError } from "../../functions/core/errors.js";
import type { SendBatch } from "../../functions/core/planner.js";
import { type QueuedSendDeps, sendQueuedBatches } from "../../functions/core/send-queue.js";
import { tipIndex } from "../../functions/core/sender.js";
import { FakeClock, LINKS, seed, signer, subscriber, TIPS } from "../support/send-fixtures.js";

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

async function setup(mailer = new MemoryMailer()) {
  const store = new MemoryStore(4);
  await seed(
    store,
    [1, 2, 3, 4].map((n) => subscriber(n)),
  );
  const clock = new FakeClock();
  const logged: Array<{ message: string; data: Record<string, unknown> }> = [];
  const record = (message: string, data: Record<string, unknown>) => logged.push({ message, data });
  const deps: QueuedSendDeps = {
    store,
    mailer,
    signer,
    clock,
    tips: tipIndex(TIPS),
    links: LINKS,
    settings: {
      maxSendRate: 100,
      max24HourSend: 1000,
      senderConcurrency: 2,
      staleClaimMinutes: 60,
    },
    log: { info: record, warn: record, error: record },
    sleep: clock.sleep,
  };
  return { store, mailer, deps, logged };
}

describe("sendQueuedBatches", () => {
  it("sends every batch and asks for no redelivery", async () => {
    const { mailer, deps, logged } = await setup();
    const retry = await sendQueuedBatches(
      [
        { id: "m1", body: batchOf(1, 2) },
        { id: "m2", body: batchOf(3) },
      ],
      deps,
    );
    expect(retry).toEqual([]);
    expect(mailer.sent.map((e) => e.to).sort()).toEqual([
      "runner1@example.com",
      "runner2@example.com",
      "runner3@example.com",
    ]);
    expect(logged.filter((l) => l.message === "send batch done")).toHaveLength(2);
    // 100/s split over 2 senders.
    expect(logged[0]?.data.rate).toBe(50);
  });

  it.each([
    ["not JSON", "{oops"],
    ["a bad week", JSON.stringify({ week: "48", runId: "r", recipients: [] })],
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
    const { mailer, deps, logged } = await setup();
    const retry = await sendQueuedBatches(
      [
        { id: "bad", body },
        { id: "good", body: batchOf(4) },
      ],
      deps,
    );
    expect(retry).toEqual([]);
    expect(mailer.sent.map((e) => e.to)).toEqual(["runner4@example.com"]);
    expect(logged.find((l) => l.message === "malformed send batch")?.data.messageId).toBe("bad");
  });

  it("asks for redelivery of a batch deferred by throttling, and only that one", async () => {
    const throttleRunner2 = new MemoryMailer({
      fault: (email) =>
        email.to === "runner2@example.com" ? new MailThrottledError("slow down") : undefined,
    });
    const { deps, store } = await setup(throttleRunner2);
    const retry = await sendQueuedBatches(
      [
        { id: "m1", body: batchOf(1) },
        { id: "m2", body: batchOf(2) },
      ],
      deps,
    );
    expect(retry).toEqual(["m2"]);
    // The deferred recipient's claim was given back: the redelivery can take it.
    expect((await store.get(subscriber(2).id))?.claim).toBeUndefined();
    expect((await store.get(subscriber(1).id))?.lastWeekSent).toBe(WEEK);
  });

  it("asks for redelivery when the store fails", async () => {
    const { deps } = await setup();
    deps.store.claim = async () => {
      throw new Error("DynamoDB is down");
    };
    const retry = await sendQueuedBatches([{ id: "m1", body: batchOf(1) }], deps);
    expect(retry).toEqual(["m1"]);
  });
});
