/**
 * SendQueue → a send worker: mails each queued batch (see core/send-queue.ts). Powertools' batch
 * processor turns a record the worker left unfinished into a partial batch failure, so SQS
 * delivers that record again after the visibility timeout.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { countSendingStopped } from "../runtime/metrics.js";
import { sendWorker } from "../runtime/send-worker.js";

const processor = new BatchProcessor(EventType.SQS);

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  const worker = await sendWorker();
  const send = (record: SQSRecord) =>
    worker.sendRecord({ id: record.messageId, body: record.body });
  const response = await processPartialResponse(event, send, processor, {
    ...(context ? { context } : {}),
    throwOnFullBatchFailure: false,
  });
  if (worker.report.stopped) countSendingStopped(worker.report.stopped.reason);
  return response;
};
