/**
 * SendQueue → the sender. Each record is one batch of recipients (zod-checked); several of these
 * run at once (the event source's maximum concurrency = settings().senderConcurrency), so each
 * paces itself at the account's rate divided by that cap. Records whose batch was cut short
 * (throttled past every retry, or sending stopped) are returned as batchItemFailures: SQS delivers
 * them again after the visibility timeout, and the claims skip whoever was already sent.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { settings } from "../config.js";
import { createPacer, dailyBudget, inFlightFor, workerRate } from "../core/pacing.js";
import type { SendBatch } from "../core/planner.js";
import { systemClock } from "../core/ports.js";
import { sendBatch, tipIndex } from "../core/sender.js";
import * as z from "../core/zod.js";
import { bundle } from "../generated/content.js";
import { sesMailer } from "../runtime/mailer.js";
import { tokenSigner } from "../runtime/signer.js";
import { subscriberStore } from "../runtime/store.js";

const logger = new Logger({ serviceName: "sender" });
const tips = tipIndex(bundle.tips);

const batchSchema = z.object({
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

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const config = settings();
  const mailer = sesMailer();
  const quota = await mailer.quota();
  const rate = workerRate(quota, config.maxSendRate, config.senderConcurrency);
  const control = { budget: dailyBudget(quota, config.max24HourSend) };
  const pacer = createPacer({ rate, clock: systemClock });
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    const parsed = z.safeParse(batchSchema, parseJson(record.body));
    if (!parsed.success) {
      // A malformed message never gets better: log it and let it go (nothing was sent).
      logger.error("malformed send batch", {
        messageId: record.messageId,
        issues: parsed.error.issues,
      });
      continue;
    }
    const batch: SendBatch = parsed.data;
    try {
      const report = await sendBatch(batch, {
        store: subscriberStore(),
        mailer,
        signer: tokenSigner(),
        clock: systemClock,
        tips,
        links: config,
        staleClaimMinutes: config.staleClaimMinutes,
        pacer,
        parallel: inFlightFor(rate),
        control,
      });
      logger.info("send batch done", {
        messageId: record.messageId,
        week: batch.week,
        runId: batch.runId,
        rate,
        ...report,
      });
      if (report.deferred > 0 || report.stopped !== undefined) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    } catch (error) {
      // The store failed: claims taken are left pending and are taken over after the stale window.
      logger.error("send batch failed", { messageId: record.messageId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
