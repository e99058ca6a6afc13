/** A send worker for one send-batch invocation, built from config and the runtime adapters. */
import { realSleep, systemClock, systemRandom } from "../adapters/system.js";
import { scheduleOf, settings } from "../config.js";
import { lanePacer } from "../core/pacing.js";
import { createSendWorker, type SendWorker } from "../core/send-queue.js";
import { tipIndex } from "../core/sender.js";
import { bundle } from "../generated/content.js";
import { log } from "./log.js";
import { sesMailer } from "./mailer.js";
import { tokenSigner } from "./signer.js";
import { limits, sendLedger, subscriberStore } from "./store.js";

const tips = tipIndex(bundle.tips);
/** This container's send lane: one pacer across its invocations (core/pacing.ts lanePacer). */
const pacerFor = lanePacer(systemClock, realSleep);

/** Asks SES for the quota and whether sending is possible, once per invocation. */
export function sendWorker(): Promise<SendWorker> {
  const config = settings();
  return createSendWorker({
    subscribers: subscriberStore(),
    ledger: sendLedger(),
    limits: limits(),
    mailer: sesMailer(),
    signer: tokenSigner(),
    clock: systemClock,
    sleep: realSleep,
    random: systemRandom,
    tips,
    links: config,
    settings: config,
    schedule: scheduleOf(config),
    workers: config.senderConcurrency,
    pacerFor,
    log: log(),
  });
}
