/**
 * The consumer side of the send queue: a send worker takes queue records (each one batch of
 * recipients, zod-checked) and mails them with sendBatch. The send-batch Lambda makes one worker
 * per invocation from SQS records; `npm run send`, the benchmark and the tests make one per run
 * and feed it from an in-process queue (core/send-run.ts). Same code, same decisions.
 *
 * A worker asks SES once, at creation, for the quota and whether sending is possible at all
 * (account or configuration set paused, account suspended: then it sends nothing). It paces at the
 * limit divided by the senders that may run at once (the event source's maximum concurrency).
 *
 * A record is handed back for redelivery when its batch is not finished: recipients deferred by
 * throttling, transient errors, in flight (a dead sender's claims not yet stale: the redelivery
 * comes after the visibility timeout, which is the stale window, and takes them over), not
 * attempted because sending stopped, or a store failure. The claims skip whoever was done.
 */
import pLimit from "p-limit";
import { BatchUnfinishedError } from "./errors.js";
import {
  createPacer,
  dailyBudget,
  inFlightFor,
  type Pacer,
  sharedTurns,
  workerLimit,
} from "./pacing.js";
import type { SendBatch } from "./planner.js";
import type { Limits, Log } from "./ports.js";
import { isTimeZone } from "./schedule.js";
import {
  addBatch,
  type BatchReport,
  emptyBatchReport,
  type Halt,
  type RunControl,
  type SenderDeps,
  sendBatch,
} from "./sender.js";
import { isIsoWeek, weekStart } from "./week.js";
import * as z from "./zod.js";

export const sendBatchSchema = z.object({
  // A real ISO week ("2025-W53" does not exist): its slots must be computable before any email.
  week: z.string().check(z.regex(/^\d{4}-W\d{2}$/), z.refine(isIsoWeek, "not an ISO week")),
  runId: z.string().check(z.minLength(1), z.maxLength(200)),
  recipients: z
    .array(
      z.object({
        id: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
        email: z.string().check(z.minLength(3), z.maxLength(254)),
        firstName: z.optional(z.string().check(z.maxLength(200))),
        tip: z.string().check(z.minLength(1), z.maxLength(200)),
        rev: z.optional(z.int().check(z.minimum(0))),
        timeZone: z.optional(z.string().check(z.refine(isTimeZone))),
      }),
    )
    .check(z.maxLength(1000)),
});

export interface QueuedRecord {
  /** The queue's message id, returned when the record should be delivered again. */
  id: string;
  body: string;
}

export interface SendWorkerDeps
  extends Pick<
    SenderDeps,
    | "ledger"
    | "subscribers"
    | "mailer"
    | "signer"
    | "clock"
    | "sleep"
    | "random"
    | "tips"
    | "links"
    | "retry"
    | "schedule"
  > {
  /** The account's shared send turn, for senders that each hold less than one call a second. */
  limits: Pick<Limits, "takeTurn">;
  settings: {
    maxSendRate: number;
    max24HourSend: number;
    staleClaimSeconds: number;
  };
  /** Senders that may run at once: the account's rate is split between them. */
  workers: number;
  /** Operator override of the rate limit (emails/s): lowers a known quota, never raises it. */
  rate?: number;
  /**
   * The pacer for this worker's limit (default: a new one). The send-batch Lambda keeps its
   * container's across invocations (core/pacing.ts lanePacer).
   */
  pacerFor?: (limit: number) => Pacer;
  /**
   * Recipients in progress at once, across every batch this worker sends at the same time
   * (default: enough for the rate at ~100 ms per SES call).
   */
  parallel?: number;
  log: Log;
  onSettled?: SenderDeps["onSettled"];
  /** Aborted: no SES call starts any more, claims not yet sent are given back (Ctrl-C). */
  signal?: AbortSignal;
}

export interface SendWorker {
  /** Calls per second this worker never exceeds, and the rate it aims at (90% of it). */
  readonly limit: number;
  readonly rate: number;
  /** Everything this worker has done so far. */
  readonly report: BatchReport;
  /**
   * Sends one record's batch; throws BatchUnfinishedError when the record should be delivered
   * again (the send-batch Lambda hands it to Powertools' batch processor as a partial failure).
   */
  sendRecord(record: QueuedRecord): Promise<void>;
  /** Sends each record's batch in turn; returns the ids of the records to deliver again. */
  handle(records: readonly QueuedRecord[]): Promise<string[]>;
}

/** The name of the account's shared send turn in the store (see sharedTurns). */
export const SEND_TURN = "ses-send";

/** The earliest time zone (UTC+14) is this far ahead of UTC: its Monday begins the week. */
const EARLIEST_ZONE_AHEAD_MS = 14 * 3_600_000;

/** Whether `week` has not yet begun anywhere on Earth at `now`. */
export function notBegun(week: string, now: Date): boolean {
  const start = weekStart(week);
  return start !== undefined && start.getTime() - EARLIEST_ZONE_AHEAD_MS > now.getTime();
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Whether a batch left someone to a later delivery. */
function unfinished(report: BatchReport): boolean {
  return (
    report.deferred + report.failedTransient + report.inFlight + report.unattempted > 0 ||
    report.stopped !== undefined
  );
}

export async function createSendWorker(deps: SendWorkerDeps): Promise<SendWorker> {
  const { settings, log } = deps;
  const status = await deps.mailer.status();
  const limit = workerLimit(status.quota, settings.maxSendRate, deps.workers, deps.rate);
  const own =
    deps.pacerFor?.(limit) ?? createPacer({ limit, clock: deps.clock, sleep: deps.sleep });
  // Less than one call a second each: the senders take turns on the account's rate together.
  const pacer =
    limit < 1
      ? sharedTurns(own, {
          accountLimit: limit * Math.max(1, deps.workers),
          take: (at, spacingMs) => deps.limits.takeTurn(SEND_TURN, at, spacingMs),
          clock: deps.clock,
          sleep: deps.sleep,
          random: deps.random,
        })
      : own;
  const control: RunControl = { budget: dailyBudget(status.quota, settings.max24HourSend) };
  const parallel = Math.max(1, Math.round(deps.parallel ?? inFlightFor(pacer.rate)));
  const inProgress = pLimit(parallel);
  const total = emptyBatchReport();
  let announced: Halt["reason"] | undefined;

  /** Loud, once per worker: an operator must act (the metric and its alarm follow from it). */
  const halt = (stop: Halt) => {
    total.stopped ??= stop;
    if (announced) return;
    announced = stop.reason;
    log.error("sending stopped", { reason: stop.reason, detail: stop.message });
  };
  if (status.stopped) {
    control.halted = status.stopped;
    halt(status.stopped);
  }
  deps.signal?.addEventListener(
    "abort",
    () => {
      const stop: Halt = { reason: "interrupted", message: "stopped by the operator" };
      control.halted ??= stop;
      halt(stop);
    },
    { once: true },
  );

  const sendRecord = async (record: QueuedRecord): Promise<void> => {
    const parsed = z.safeParse(sendBatchSchema, parseJson(record.body));
    if (!parsed.success) {
      // A malformed message never gets better: log it and let it go (nothing was sent).
      log.error("malformed send batch", { messageId: record.id, issues: parsed.error.issues });
      return;
    }
    const batch: SendBatch = parsed.data;
    if (notBegun(batch.week, deps.clock.now())) {
      // A week that has not begun in any time zone comes from a fault or a forgery: sending it
      // would also push the reader's next slot past every real week. Never better: let it go.
      log.error("send batch of a week not begun", { messageId: record.id, week: batch.week });
      return;
    }
    if (control.halted) throw new BatchUnfinishedError(`sending stopped: ${control.halted.reason}`);
    let report: BatchReport;
    try {
      report = await sendBatch(batch, {
        ...deps,
        staleClaimSeconds: settings.staleClaimSeconds,
        pacer,
        parallel,
        inProgress,
        control,
      });
    } catch (error) {
      // The store failed: claims taken are left pending and are taken over after the stale window.
      log.error("send batch failed", { messageId: record.id, error: error as Error });
      throw new BatchUnfinishedError("the store failed", { cause: error });
    }
    addBatch(total, report);
    log.info("send batch done", {
      messageId: record.id,
      week: batch.week,
      runId: batch.runId,
      limit,
      ...report,
    });
    if (report.stopped) halt(report.stopped);
    if (unfinished(report)) throw new BatchUnfinishedError("recipients left for a later delivery");
  };

  return {
    limit,
    rate: pacer.rate,
    report: total,
    sendRecord,
    async handle(records) {
      const retry: string[] = [];
      for (const record of records) {
        try {
          await sendRecord(record);
        } catch (error) {
          if (!(error instanceof BatchUnfinishedError)) throw error;
          retry.push(record.id);
        }
      }
      return retry;
    },
  };
}
