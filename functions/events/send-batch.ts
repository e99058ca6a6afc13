/** SendQueue → the sender: mails each queued batch (see core/send-queue.ts). */
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { settings } from "../config.js";
import { systemClock } from "../core/ports.js";
import { sendQueuedBatches } from "../core/send-queue.js";
import { tipIndex } from "../core/sender.js";
import { bundle } from "../generated/content.js";
import { log } from "../runtime/log.js";
import { sesMailer } from "../runtime/mailer.js";
import { tokenSigner } from "../runtime/signer.js";
import { subscriberStore } from "../runtime/store.js";

const tips = tipIndex(bundle.tips);

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const config = settings();
  const records = event.Records.map((record) => ({ id: record.messageId, body: record.body }));
  const retry = await sendQueuedBatches(records, {
    store: subscriberStore(),
    mailer: sesMailer(),
    signer: tokenSigner(),
    clock: systemClock,
    tips,
    links: config,
    settings: config,
    log: log(),
  });
  return { batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })) };
};
