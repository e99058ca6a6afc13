/** SendQueue → a send worker: mails each queued batch (see core/send-queue.ts). */
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { realSleep, systemClock, systemRandom } from "../adapters/system.js";
import { settings } from "../config.js";
import { createSendWorker } from "../core/send-queue.js";
import { tipIndex } from "../core/sender.js";
import { bundle } from "../generated/content.js";
import { log } from "../runtime/log.js";
import { sesMailer } from "../runtime/mailer.js";
import { countSendingStopped } from "../runtime/metrics.js";
import { tokenSigner } from "../runtime/signer.js";
import { subscriberStore } from "../runtime/store.js";

const tips = tipIndex(bundle.tips);

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const config = settings();
  const worker = await createSendWorker({
    store: subscriberStore(),
    mailer: sesMailer(),
    signer: tokenSigner(),
    tips,
    log: log(),
    clock: systemClock,
    sleep: realSleep,
    random: systemRandom,
    links: config,
    settings: config,
    workers: config.senderConcurrency,
  });
  const retry = await worker.handle(event.Records.map((r) => ({ id: r.messageId, body: r.body })));
  if (worker.report.stopped) countSendingStopped(worker.report.stopped.reason);
  return { batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })) };
};
