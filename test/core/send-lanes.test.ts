/**
 * The rate across Lambda invocations: senderConcurrency lanes (containers), each running one
 * invocation after another, each invocation a fresh send worker as functions/runtime builds it.
 * The hand-over from one invocation to the next must not put more than the account's
 * MaxSendRate into any second. The lanes overlap in virtual time, their timers waking up to
 * 20 ms late, as real ones do.
 */
import { describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { lanePacer, type Pacer } from "../../functions/core/pacing.js";
import type { SendBatch } from "../../functions/core/planner.js";
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

const LANES = 4;

interface Case {
  maxSendRate: number;
  invocations: number;
  /** Recipients per batch. */
  perBatch: number;
}
/** A lane's share 3.5/s: batches a little over one second of it. */
const BUSY: Case = { maxSendRate: 14, invocations: 3, perBatch: 4 };
/** The SES sandbox's kind of rate, below the number of lanes: a share of 0.5/s. */
const SMALL: Case = { maxSendRate: 2, invocations: 2, perBatch: 1 };

async function run(containers: "kept" | "new each time", c: Case): Promise<number[]> {
  const { maxSendRate: MAX_SEND_RATE, invocations: INVOCATIONS, perBatch: PER_BATCH } = c;
  const store = new MemoryStore(4);
  const jitter = seededRandom(7);
  const clock = new VirtualClock(Date.now(), () => jitter() * 20);
  const starts: number[] = [];
  const mailer = new MemoryMailer({
    quota: { maxSendRate: MAX_SEND_RATE, max24HourSend: 100_000, sentLast24Hours: 0 },
    fault: () => {
      starts.push(clock.ms);
      return undefined;
    },
  });
  const readers = Array.from({ length: LANES * INVOCATIONS * PER_BATCH }, (_, i) =>
    subscriber(`lane-reader-${i}@example.com`),
  );
  await seed(store, readers);
  const lane = async (n: number) => {
    let container = lanePacer(clock, clock.sleep);
    for (let i = 0; i < INVOCATIONS; i += 1) {
      if (containers === "new each time" && i > 0) container = lanePacer(clock, clock.sleep);
      const first = (n * INVOCATIONS + i) * PER_BATCH;
      const batch: SendBatch = {
        week: "2026-W48",
        runId: `lanes-${containers}`,
        recipients: readers
          .slice(first, first + PER_BATCH)
          .map((r) => ({ id: r.id, email: r.email, tip: "squats" })),
      };
      const pacerFor: (limit: number) => Pacer = container;
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
        workers: LANES,
        pacerFor,
        log: recordingLog().log,
      });
      // Finished: no hand-back (BatchUnfinishedError) for a later delivery.
      await worker.send(batch, `m${n}-${i}`);
    }
  };
  await Promise.all(Array.from({ length: LANES }, (_, n) => lane(n)));
  expect(mailer.sent).toHaveLength(readers.length);
  return starts;
}

describe("send lanes: invocation after invocation", () => {
  it.each([
    ["kept", BUSY],
    ["new each time", BUSY],
    ["kept", SMALL],
    ["new each time", SMALL],
  ] as const)(
    "containers %s, %o: no second holds more than MaxSendRate calls",
    async (containers, c) => {
      const starts = await run(containers, c);
      expect(busiestWindow(starts)).toBeLessThanOrEqual(c.maxSendRate);
    },
    30_000,
  );
});
