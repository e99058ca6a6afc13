/**
 * One weekly send in one process: the planner (planner.ts) puts batches on a queue and a send
 * worker (send-queue.ts) consumes them, as the Lambdas do through SQS, with the queue in this
 * process instead. `npm run send`, the bench and the tests run this.
 *
 * Batches the worker hands back have no visibility timeout here: they are counted
 * (`leftForLater`), and the readers in them are sent by a later run.
 */
import { BatchUnfinishedError } from "./errors.js";
import type { PlanInput, PlanReport, SendBatch } from "./planner.js";
import { plan } from "./planner.js";
import type { Clock, DrainableQueue } from "./ports.js";
import type { SendWorker } from "./send-queue.js";
import type { BatchReport, Halt } from "./sender.js";

export interface RunReport {
  /** The operator's week, when one was given; else each reader's own (byWeek). */
  week?: string;
  runId: string;
  planned: number;
  /** Planned recipients per week (the readers' own weeks). */
  byWeek: Record<string, number>;
  /** Read as due but not yet due (slot ahead, or joined after it): moved to their next slot. */
  notDue: number;
  /** Paused from /manage. */
  paused: number;
  sent: number;
  skippedAlreadySent: number;
  superseded: number;
  caughtUp: number;
  inFlight: number;
  failed: number;
  failedTransient: number;
  deferred: number;
  inactive: number;
  staleRetried: number;
  unattempted: number;
  /** Records the engine could not use (an unknown zone, a malformed field), each logged. */
  setAside: number;
  /** Due for a tip that cannot be filled: left due for a run after the tip is mended. */
  heldForContent: number;
  /** SES's answer never came: recorded as sent, never called again (sender.ts). */
  unanswered: number;
  sesCalls: number;
  retries: number;
  /** Queue records the worker handed back (their unfinished recipients wait for a later run). */
  leftForLater: number;
  stopped?: Halt;
  durationMs: number;
  /** Achieved emails per second. */
  rate: number;
  /** Calls per second never exceeded, and the rate aimed at. */
  limit: number;
  targetRate: number;
}

export interface SendRunInput {
  planning: Omit<PlanInput, "queue" | "shouldStop">;
  queue: DrainableQueue<SendBatch>;
  worker: SendWorker;
  clock: Clock;
  /** Batches sent at once (two keep the pacer busy across batch boundaries). */
  concurrency?: number;
  onPlanned?: (recipients: number) => void;
}

function runReport(
  planned: PlanReport,
  sent: BatchReport,
  leftForLater: number,
  durationMs: number,
  worker: Pick<SendWorker, "limit" | "rate">,
): RunReport {
  const report: RunReport = {
    ...(planned.week ? { week: planned.week } : {}),
    runId: planned.runId,
    planned: planned.planned,
    byWeek: planned.byWeek,
    notDue: planned.notDue,
    paused: planned.paused + sent.paused,
    sent: sent.sent,
    skippedAlreadySent: planned.skippedAlreadySent + sent.skippedAlreadySent,
    superseded: planned.superseded + sent.superseded,
    caughtUp: planned.caughtUp,
    inFlight: planned.inFlight + sent.inFlight,
    failed: sent.failed + sent.failedTransient,
    failedTransient: sent.failedTransient,
    deferred: sent.deferred,
    inactive: sent.inactive,
    staleRetried: planned.staleRetried,
    unattempted: sent.unattempted,
    setAside: planned.setAside + sent.setAside,
    heldForContent: planned.heldForContent,
    unanswered: sent.unanswered,
    sesCalls: sent.sesCalls,
    retries: sent.retries,
    leftForLater,
    durationMs,
    rate: durationMs > 0 ? Math.round((sent.sent / durationMs) * 1000 * 10) / 10 : 0,
    limit: worker.limit,
    targetRate: worker.rate,
  };
  if (sent.stopped) report.stopped = sent.stopped;
  else {
    // The planner held a tip's readers: the run sent the others and stops as the sender would.
    const [slug, problem] = Object.entries(planned.unfillable ?? {})[0] ?? [];
    if (slug) report.stopped = { reason: "bad-content", message: `tip ${slug}: ${problem}` };
  }
  return report;
}

/** Plans and sends one week in this process. Rejects if the store fails (a crash). */
export async function sendInProcess(input: SendRunInput): Promise<RunReport> {
  const { queue, worker, clock } = input;
  const started = clock.now().getTime();
  let leftForLater = 0;
  let drainFailed = false;
  let n = 0;

  const sender = queue
    .drain(
      async (batch) => {
        n += 1;
        try {
          await worker.send(batch, `local-${n}`);
        } catch (error) {
          if (!(error instanceof BatchUnfinishedError)) throw error;
          leftForLater += 1;
        }
      },
      { concurrency: input.concurrency ?? 2, untilClosed: true },
    )
    .catch((error: unknown) => {
      drainFailed = true;
      throw error;
    });

  let planned: PlanReport | undefined;
  let planError: { error: unknown } | undefined;
  try {
    planned = await plan({
      ...input.planning,
      queue: {
        sendAll: async (batches: readonly SendBatch[]) => {
          await queue.sendAll(batches);
          input.onPlanned?.(batches.reduce((sum, b) => sum + b.recipients.length, 0));
        },
      },
      shouldStop: () => drainFailed || worker.report.stopped !== undefined,
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
  return runReport(planned, worker.report, leftForLater, clock.now().getTime() - started, worker);
}
