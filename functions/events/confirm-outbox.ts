/**
 * ConfirmOutbox → confirmation emails: each queued signup is written and mailed
 * (core/confirmations.ts). A signup that fails goes back in batchItemFailures, through
 * Powertools' processPartialResponse, and SQS delivers it again.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { systemClock } from "../adapters/system.js";
import { settings } from "../config.js";
import { bundle } from "../generated/content.js";
import { log } from "../runtime/log.js";
import { sesMailer } from "../runtime/mailer.js";
import { tokenSigner } from "../runtime/signer.js";
import { limits, subscriberStore } from "../runtime/store.js";
import { PARTIAL_BATCH, signupRecord } from "./sqs.js";

const processor = new BatchProcessor(EventType.SQS);

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  const { baseUrl, postalAddress, unsubscribeMailto, confirmationsPerHour } = settings();
  const deliver = signupRecord({
    subscribers: subscriberStore(),
    limits: limits(),
    mailer: sesMailer(),
    clock: systemClock,
    signer: tokenSigner(),
    emails: bundle.emails,
    site: { baseUrl, postalAddress, unsubscribeMailto },
    confirmationsPerHour,
    log: log(),
  });
  const options = { ...PARTIAL_BATCH, ...(context ? { context } : {}) };
  return processPartialResponse(event, deliver, processor, options);
};
