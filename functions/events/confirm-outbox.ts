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
import { addressHashes, loadKeys, tokenSigner } from "../runtime/keys.js";
import { log } from "../runtime/log.js";
import { confirmationMailer } from "../runtime/mailer.js";
import { limits, subscriberStore } from "../runtime/store.js";
import { PARTIAL_BATCH, signupRecord } from "./sqs.js";

const processor = new BatchProcessor(EventType.SQS);

const KEYS = { tokens: true, id: true } as const;
await loadKeys(KEYS); // a missing or weak key fails the cold start

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  await loadKeys(KEYS);
  const { baseUrl, postalAddress, unsubscribeMailto, confirmationsPerHour } = settings();
  const deliver = signupRecord({
    subscribers: subscriberStore(),
    limits: limits(),
    // Through the confirmations' own configuration set: their bounces pause only them.
    mailer: confirmationMailer(),
    clock: systemClock,
    signer: tokenSigner(),
    hashes: addressHashes(),
    emails: bundle.emails,
    site: { baseUrl, postalAddress, unsubscribeMailto },
    confirmationsPerHour,
    log: log(),
  });
  const options = { ...PARTIAL_BATCH, ...(context ? { context } : {}) };
  return processPartialResponse(event, deliver, processor, options);
};
