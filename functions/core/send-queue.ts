/**
 * The sender's side of SendQueue: each queue record is one batch of recipients (zod-checked).
 * Several senders run at once (the event source's maximum concurrency = senderConcurrency), so
 * each paces itself at the account's rate divided by that cap. Records whose batch was cut short
 * (throttled past every retry, sending stopped, or the store failed) are returned for retry: SQS
 * delivers them again after the visibility timeout, and the claims skip whoever was already sent.
 */
import { createPacer, dailyBudget, inFlightFor, type Sleep, workerRate } from "./pacing.js";
import type { SendBatch } from "./planner.js";
import type { Log } from "./ports.js";
import { type SenderDeps, sendBatch } from "./sender.js";
import * as z from "./zod.js";

export const sendBatchSchema = z.object({
  week: z.string().check(z.regex(/^\d{4}-W\d{2}$/)),
  runId: z.string().check(z.minLength(1), z.maxLength(200)),
  recipients: z
    .array(
      z.object({
        id: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
        email: z.string().check(z.minLength(3), z.maxLength(254)),
        firstName: z.optional(z.string().check(z.maxLength(200))),
        tip: z.string().check(z.minLength(1), z.maxLength(200)),
      }),
    )
    .check(z.maxLength(1000)),
});

export interface QueuedRecord {
  /** The queue's message id, returned when the record should be delivered again. */
  id: string;
  body: string;
}

export interface QueuedSendDeps
  extends Pick<SenderDeps, "store" | "mailer" | "signer" | "clock" | "tips" | "links"> {
  settings: {
    maxSendRate: number;
    max24HourSend: number;
    senderConcurrency: number;
    staleClaimMinutes: number;
  };
  log: Log;
  /** Waits for the pacer and throttling backoff (default: real timers). */
  sleep?: Sleep;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Sends every queued batch; returns the ids of the records to deliver again. */
export async function sendQueuedBatches(
  records: readonly QueuedRecord[],
  deps: QueuedSendDeps,
): Promise<string[]> {
  const { settings, log } = deps;
  const quota = await deps.mailer.quota();
  const rate = workerRate(quota, settings.maxSendRate, settings.senderConcurrency);
  const control = { budget: dailyBudget(quota, settings.max24HourSend) };
  const pacer = createPacer({
    rate,
    clock: deps.clock,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });
  const retry: string[] = [];
  for (const record of records) {
    const parsed = z.safeParse(sendBatchSchema, parseJson(record.body));
    if (!parsed.success) {
      // A malformed message never gets better: log it and let it go (nothing was sent).
      log.error("malformed send batch", { messageId: record.id, issues: parsed.error.issues });
      continue;
    }
    const batch: SendBatch = parsed.data;
    try {
      const report = await sendBatch(batch, {
        ...deps,
        staleClaimMinutes: settings.staleClaimMinutes,
        pacer,
        parallel: inFlightFor(rate),
        control,
      });
      log.info("send batch done", {
        messageId: record.id,
        week: batch.week,
        runId: batch.runId,
        rate,
        ...report,
      });
      if (report.deferred > 0 || report.stopped !== undefined) retry.push(record.id);
    } catch (error) {
      // The store failed: claims taken are left pending and are taken over after the stale window.
      log.error("send batch failed", { messageId: record.id, error: error as Error });
      retry.push(record.id);
    }
  }
  return retry;
}
