/**
 * SendQueue → a send worker mails each queued batch (core/send-queue.ts), the invocation's records
 * at once, each starting as the one before takes its last recipient. A record that is not a batch
 * is logged and let go; recipients the time limit left go back to SendQueue as a batch of their
 * own; a batch left unfinished otherwise is reported to SQS through Powertools'
 * processPartialResponse and delivered again after the visibility timeout, unless it is its last
 * delivery and SES's pause or spent quota halted it (its readers wait for the hourly planner).
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { sendDeadline } from "../adapters/ses-mailer.js";
import { systemClock } from "../adapters/system.js";
import { settings } from "../config.js";
import { log } from "../runtime/log.js";
import { countReadersSetAside, countSendingStopped } from "../runtime/metrics.js";
import { sendQueue } from "../runtime/send-queue.js";
import { buildSendWorker, sendPorts } from "../runtime/send-worker.js";
import { SEND_BATCHES, sendBatchRecord } from "./sqs.js";

const processor = new BatchProcessor(EventType.SQS);

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  // Near the time limit the worker takes nobody more and hands the rest back to the queue.
  const stopBy = context && sendDeadline(systemClock.now(), context.getRemainingTimeInMillis());
  const worker = await buildSendWorker(sendPorts(), {
    requeue: sendQueue(),
    ...(stopBy ? { stopBy } : {}),
  });
  const options = { ...SEND_BATCHES, ...(context ? { context } : {}) };
  const response = await processPartialResponse(
    event,
    sendBatchRecord(worker, log(), settings().sendMaxReceives),
    processor,
    options,
  );
  if (worker.report.stopped) countSendingStopped(worker.report.stopped.reason);
  countReadersSetAside(worker.report.setAside);
  return response;
};
