/**
 * The send worker, wired once: from its ports and the stage's settings, for the send-batch
 * Lambda, `npm run send` and the bench alike. Callers say only what differs: how many senders
 * share the account's rate, an operator's rate, a pacer kept across invocations, progress.
 */
import { realSleep, systemClock, systemRandom } from "../adapters/system.js";
import { scheduleOf, settings } from "../config.js";
import type { Pacer } from "../core/pacing.js";
import type { Limits, Log, Mailer, SendLedger, Subscribers } from "../core/ports.js";
import { createSendWorker, type SendWorker, type SendWorkerDeps } from "../core/send-queue.js";
import { tipIndex } from "../core/sender.js";
import { series } from "../core/sequence.js";
import type { Signer } from "../core/tokens.js";
import { bundle } from "../generated/content.js";
import { loadKeys, tokenSigner } from "./keys.js";
import { log } from "./log.js";
import { sendWorkerMailer } from "./mailer.js";
import { limits, sendLedger, subscriberStore } from "./store.js";

const tips = tipIndex(series(bundle.tips, bundle.emails.finished));

export interface SendPorts {
  subscribers: Subscribers;
  ledger: SendLedger;
  limits: Limits;
  mailer: Mailer;
  signer: Signer;
}

/** The ports on the linked table and SES. */
export const sendPorts = (): SendPorts => ({
  subscribers: subscriberStore(),
  ledger: sendLedger(),
  limits: limits(),
  // Unpaced: the worker takes each call's slot of the account's schedule itself.
  mailer: sendWorkerMailer(),
  signer: tokenSigner(),
});

export interface SendWorkerOptions
  extends Pick<SendWorkerDeps, "rate" | "onSettled" | "signal" | "stopBy" | "requeue"> {
  /** Senders that share the account's rate (default: the Lambdas', settings senderConcurrency). */
  workers?: number;
  /** The pacer for the account's limit (default: one on the ports' send schedule). */
  pacerFor?: (limit: number) => Pacer;
  log?: Log;
}

/** Asks SES for the quota and whether sending is possible, once per worker. */
export async function buildSendWorker(
  ports: SendPorts,
  options: SendWorkerOptions = {},
): Promise<SendWorker> {
  // The links' keyring, read at cold start and again when it may have rotated (runtime/keys.ts).
  await loadKeys({ tokens: true });
  const config = settings();
  const { workers, log: logTo, ...rest } = options;
  return createSendWorker({
    ...ports,
    ...rest,
    clock: systemClock,
    sleep: realSleep,
    random: systemRandom,
    tips,
    links: config,
    settings: config,
    schedule: scheduleOf(config),
    workers: workers ?? config.senderConcurrency,
    log: logTo ?? log(),
  });
}
