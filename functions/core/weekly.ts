/**
 * The weekly send, end to end in one process: the planner (planner.ts) and the sender
 * (sender.ts) joined by an in-process queue, with one pacer for the whole run. `npm run send`,
 * the integration tests and the benchmark use this; in AWS the same two halves run as the cron
 * Lambda (planner → SQS) and the send-batch Lambda (SQS → sender, several at once).
 *
 * Exactly once: the planner reads who is due; the sender's conditional claim per (subscriber,
 * week) decides. A rerun for the same week sends nothing already sent; two runs at once each
 * claim different people; a crashed run's pending claims are reported as in flight and taken over
 * only when older than the stale window (staleClaimMinutes).
 */
import { MemoryQueue } from "../adapters/memory-queue.js";
import { createPacer, dailyBudget, inFlightFor, type Sleep, workerRate } from "./pacing.js";
import { type PlanReport, plan, type SendBatch } from "./planner.js";
import type { Clock, Mailer, SubscriberStore } from "./ports.js";
import {
  type BatchReport,
  emptyBatchReport,
  type LinkSettings,
  type Outcome,
  type RetryPolicy,
  type RunControl,
  type StopReason,
  sendBatch,
  tipIndex,
} from "./sender.js";
import { inOrder } from "./sequence.js";
import type { Signer } from "./tokens.js";
import type { CompiledTip } from "./types.js";

export interface RunReport {
  week: string;
  runId: string;
  planned: number;
  sent: number;
  skippedAlreadySent: number;
  caughtUp: number;
  inFlight: number;
  /** Rejected (recorded, not retried this week) plus failedTransient. */
  failed: number;
  /** Errors other than a rejection: claim released, the next run retries. */
  failedTransient: number;
  /** Still throttled after every retry: claim released, the next run retries. */
  deferred: number;
  /** Left between planning and sending (unsubscribed, bounced, complained). */
  inactive: number;
  /** Crashed runs' stale claims that were planned again. */
  staleRetried: number;
  /** Not attempted because the run stopped. */
  unattempted: number;
  stopped?: StopReason;
  durationMs: number;
  /** Achieved emails per second. */
  rate: number;
  /** The pacing rate used (emails per second; Infinity = unpaced). */
  targetRate: number;
}

export interface WeeklySettings extends LinkSettings {
  batchSize: number;
  staleClaimMinutes: number;
  /** Fallbacks when SES cannot tell the account's quota. */
  maxSendRate: number;
  max24HourSend: number;
}

export interface RunWeeklyInput {
  store: SubscriberStore;
  mailer: Mailer;
  signer: Pick<Signer, "issue">;
  clock: Clock;
  tips: readonly CompiledTip[];
  settings: WeeklySettings;
  week: string;
  runId: string;
  /** Send at most this many. */
  limit?: number;
  /** Operator override of the rate (emails/s); Infinity turns pacing off (benchmarks). */
  rate?: number;
  /** Override of the daily budget (default: SES quota, else settings.max24HourSend). */
  budget?: number;
  /** Sends in flight (default: enough for the rate at ~100 ms per SES call). */
  parallel?: number;
  retry?: RetryPolicy;
  sleep?: Sleep;
  random?: () => number;
  onPlanned?: (planned: number) => void;
  onSettled?: (outcome: Outcome) => void;
}

export function addBatch(total: BatchReport, part: BatchReport): BatchReport {
  const sum = { ...total };
  for (const key of Object.keys(part) as (keyof BatchReport)[]) {
    if (key === "stopped") continue;
    sum[key] = (total[key] as number) + (part[key] as number);
  }
  const stopped = total.stopped ?? part.stopped;
  if (stopped !== undefined) sum.stopped = stopped;
  return sum;
}

export function runReport(
  planned: PlanReport,
  sent: BatchReport,
  durationMs: number,
  targetRate: number,
): RunReport {
  const report: RunReport = {
    week: planned.week,
    runId: planned.runId,
    planned: planned.planned,
    sent: sent.sent,
    skippedAlreadySent: planned.skippedAlreadySent + sent.skippedAlreadySent,
    caughtUp: planned.caughtUp,
    inFlight: planned.inFlight + sent.inFlight,
    failed: sent.failed + sent.failedTransient,
    failedTransient: sent.failedTransient,
    deferred: sent.deferred,
    inactive: sent.inactive,
    staleRetried: planned.staleRetried,
    unattempted: sent.unattempted,
    durationMs,
    rate: durationMs > 0 ? Math.round((sent.sent / durationMs) * 1000 * 10) / 10 : 0,
    targetRate,
  };
  if (sent.stopped !== undefined) report.stopped = sent.stopped;
  return report;
}

/** Plans and sends one week in this process. Rejects if the store fails (a crash). */
export async function runWeekly(input: RunWeeklyInput): Promise<RunReport> {
  const { settings, clock } = input;
  const started = performance.now();
  const quota = await input.mailer.quota();
  const rate = workerRate(quota, settings.maxSendRate, 1, input.rate);
  const control: RunControl = {
    budget: input.budget ?? dailyBudget(quota, settings.max24HourSend),
  };
  const parallel = input.parallel ?? inFlightFor(rate);
  const pacer = createPacer({ rate, clock, ...(input.sleep ? { sleep: input.sleep } : {}) });
  const tips = inOrder(input.tips);
  const byslug = tipIndex(tips);
  // A few batches in memory at most: the planner waits while the sender catches up.
  const queue = new MemoryQueue<SendBatch>({ capacity: 4 });
  let sent = emptyBatchReport();
  let drainFailed = false;

  const sender = queue
    .drain(
      async (batch) => {
        const part = await sendBatch(batch, {
          store: input.store,
          mailer: input.mailer,
          signer: input.signer,
          clock,
          tips: byslug,
          links: settings,
          staleClaimMinutes: settings.staleClaimMinutes,
          pacer,
          parallel,
          control,
          ...(input.retry ? { retry: input.retry } : {}),
          ...(input.sleep ? { sleep: input.sleep } : {}),
          ...(input.random ? { random: input.random } : {}),
          ...(input.onSettled ? { onSettled: input.onSettled } : {}),
        });
        sent = addBatch(sent, part);
      },
      // Two batches at once keep the pacer busy across batch boundaries.
      { concurrency: 2, untilClosed: true },
    )
    .catch((error: unknown) => {
      drainFailed = true;
      throw error;
    });

  let planned: PlanReport | undefined;
  let planError: { error: unknown } | undefined;
  try {
    planned = await plan({
      store: input.store,
      queue: {
        sendAll: async (batches) => {
          await queue.sendAll(batches);
          input.onPlanned?.(batches.reduce((n, b) => n + b.recipients.length, 0));
        },
      },
      tips,
      week: input.week,
      runId: input.runId,
      now: clock.now(),
      batchSize: settings.batchSize,
      staleClaimMinutes: settings.staleClaimMinutes,
      ...(input.limit !== undefined ? { limit: input.limit } : {}),
      shouldStop: () => drainFailed || control.stopped !== undefined,
    });
  } catch (error) {
    planError = { error };
  } finally {
    queue.close();
  }
  const senderError = await sender.then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  // A sender crash explains a planner that stopped early, so it is the one to report.
  if (senderError) throw senderError.error;
  if (planError || !planned) throw planError?.error;
  return runReport(planned, sent, Math.round(performance.now() - started), rate);
}
