/**
 * One account, one rate: every SES caller takes its slots from the account's one schedule in the
 * table (core/pacing.ts sharedPacer). Here several sender containers, each running invocation
 * after invocation (a fresh send worker each, as functions/runtime builds it), a second
 * `npm run send`, and the confirmation outbox's paced mailer all call one account at once, on
 * one in-memory table, their timers waking up to 20 ms late as real ones do. No second may hold
 * more than the account's MaxSendRate. test/integration/weekly.test.ts runs it again on dynalite.
 */
import { describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import {
  ACCOUNT_SCHEDULE,
  accountMailer,
  createPacer,
  type Pacer,
  sharedPacer,
} from "../../functions/core/pacing.js";
import type { SendBatch } from "../../functions/core/planner.js";
import type { Limits } from "../../functions/core/ports.js";
import { createSendWorker } from "../../functions/core/send-queue.js";
import { tipIndex } from "../../functions/core/sender.js";
import { busiestWindow } from "../../scripts/bench/windows.js";
import {
  LINKS,
  recordingLog,
  SCHEDULE,
  seed,
  signer,
  subscriber,
  TIPS,
  VirtualClock,
} from "../support/send-fixtures.js";
import { seededRandom } from "../support/ses-local.js";

interface Case {
  maxSendRate: number;
  /** Sender containers at once. */
  lanes: number;
  invocations: number;
  /** Recipients per batch. */
  perBatch: number;
  /** Emails the outbox sends meanwhile. */
  outbox: number;
}
/** Four senders at MaxSendRate 14, batches a little over a second of a quarter of it. */
const BUSY: Case = { maxSendRate: 14, lanes: 4, invocations: 3, perBatch: 4, outbox: 12 };
/** The SES sandbox's kind of rate, below the number of senders. */
const SMALL: Case = { maxSendRate: 2, lanes: 4, invocations: 2, perBatch: 1, outbox: 3 };
/** Two `npm run send` at once (each one worker for the whole rate) and the outbox. */
const TWO_RUNS: Case = { maxSendRate: 14, lanes: 2, invocations: 1, perBatch: 30, outbox: 20 };

/**
 * Every lane and the outbox on one table. `pacing` "shared" is the production wiring;
 * "per container" gives each its own pacer at the whole rate (what must not be).
 */
async function run(c: Case, pacing: "shared" | "per container" = "shared") {
  const store = new MemoryStore(4);
  const jitter = seededRandom(7);
  const clock = new VirtualClock(Date.now(), () => jitter() * 20);
  const starts: number[] = [];
  const mailer = new MemoryMailer({
    quota: { maxSendRate: c.maxSendRate, max24HourSend: 100_000, sentLast24Hours: 0 },
    fault: () => {
      starts.push(clock.ms);
      return undefined;
    },
  });
  const readers = Array.from({ length: c.lanes * c.invocations * c.perBatch }, (_, i) =>
    subscriber(`lane-reader-${i}@example.com`),
  );
  await seed(store, readers);
  const limits: Pick<Limits, "reserveSlots"> = store;
  const pacerFor = (limit: number): Pacer =>
    pacing === "shared"
      ? sharedPacer({
          limit,
          clock,
          sleep: clock.sleep,
          reserve: (n, spacing) => limits.reserveSlots(ACCOUNT_SCHEDULE, clock.now(), n, spacing),
        })
      : createPacer({ limit, clock, sleep: clock.sleep });

  const lane = async (n: number) => {
    for (let i = 0; i < c.invocations; i += 1) {
      const first = (n * c.invocations + i) * c.perBatch;
      const batch: SendBatch = {
        week: "2026-W48",
        runId: `lanes-${n}`,
        recipients: readers
          .slice(first, first + c.perBatch)
          .map((r) => ({ id: r.id, email: r.email, tip: "squats" })),
      };
      const worker = await createSendWorker({
        subscribers: store,
        ledger: store,
        limits: store,
        mailer,
        signer,
        clock,
        sleep: clock.sleep,
        random: Math.random,
        tips: tipIndex(TIPS),
        links: LINKS,
        settings: { maxSendRate: 1, max24HourSend: 100_000, staleClaimSeconds: 960 },
        schedule: SCHEDULE,
        workers: c.lanes,
        pacerFor,
        log: recordingLog().log,
      });
      // Finished: no hand-back (BatchUnfinishedError) for a later delivery.
      await worker.send(batch, `m${n}-${i}`);
    }
  };
  // The confirmation outbox, as functions/runtime/mailer.ts wires it: its own paced mailer.
  const outbox = async () => {
    const paced = accountMailer(mailer, {
      quota: async () => (await mailer.status()).quota,
      fallbackRate: 1,
      pacerFor,
      clock,
    });
    for (let i = 0; i < c.outbox; i += 1) {
      await paced.send({ to: `signup${i}@example.org`, subject: "Confirm", html: "", text: "" });
    }
  };
  await Promise.all([...Array.from({ length: c.lanes }, (_, n) => lane(n)), outbox()]);
  expect(mailer.sent).toHaveLength(readers.length + c.outbox);
  return starts;
}

describe("one account, one rate: senders, CLI runs and the outbox together", () => {
  it.each([
    ["four sender containers", BUSY],
    ["four senders below one call a second each", SMALL],
    ["two `npm run send` at once", TWO_RUNS],
  ] as const)(
    "%s and the outbox, %o: no second holds more than MaxSendRate calls",
    async (_what, c) => {
      const starts = await run(c);
      expect(busiestWindow(starts)).toBeLessThanOrEqual(c.maxSendRate);
    },
    30_000,
  );

  it("each with a pacer of its own at the whole rate, they would exceed it", async () => {
    const starts = await run(TWO_RUNS, "per container");
    expect(busiestWindow(starts)).toBeGreaterThan(TWO_RUNS.maxSendRate);
  });
});
