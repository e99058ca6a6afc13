/** ConfirmOutbox → confirmation emails: writes each queued signup and mails it (core/confirmations.ts). */
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { systemClock } from "../adapters/system.js";
import { settings } from "../config.js";
import { deliverQueuedSignups } from "../core/confirmations.js";
import { bundle } from "../generated/content.js";
import { log } from "../runtime/log.js";
import { sesMailer } from "../runtime/mailer.js";
import { tokenSigner } from "../runtime/signer.js";
import { limits, subscriberStore } from "../runtime/store.js";

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const { baseUrl, postalAddress, unsubscribeMailto, confirmationsPerHour } = settings();
  const records = event.Records.map((record) => ({ id: record.messageId, body: record.body }));
  const retry = await deliverQueuedSignups(records, {
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
  return { batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })) };
};
