/**
 * The SES mailers for a Lambda (and the local tools), built once per container from the Settings
 * link: the one of the weekly tips, welcome, goodbye and test emails, and the one of confirmation
 * emails (the confirmations' own configuration set). Every one of their calls first takes a slot
 * on the account's one send schedule in the table, through accountPacer: so no path can call SES
 * beside the rate the others keep to. The send worker alone takes its slots itself
 * (sendWorkerMailer), so that between its slot and its call it can see that SES said stop.
 */
import { SesMailer } from "../adapters/ses-mailer.js";
import { realSleep, systemClock } from "../adapters/system.js";
import { aws, clientOptions, settings } from "../config.js";
import {
  ACCOUNT_SCHEDULE,
  accountLimit,
  type Pacer,
  pacedMailer,
  sharedPacer,
} from "../core/pacing.js";
import type { Mailer } from "../core/ports.js";
import { limits } from "./store.js";

let tips: SesMailer | undefined;
let confirmations: SesMailer | undefined;
let pacedTips: Mailer | undefined;
let pacedConfirmations: Mailer | undefined;
let rate: Promise<number> | undefined;
const pacers = new Map<number, Pacer>();

function build(configurationSet: string | undefined): SesMailer {
  const { fromAddress, replyTo } = settings();
  return new SesMailer({
    from: fromAddress,
    configurationSet,
    ...(replyTo ? { replyTo } : {}),
    clientOptions: clientOptions(aws().SES_ENDPOINT),
  });
}

/** The tips' mailer without pacing: only for the send worker, which paces each call itself. */
export function sendWorkerMailer(): SesMailer {
  tips ??= build(settings().configurationSet);
  return tips;
}

/** This container's pacer for `limit` on the account's schedule, kept while the limit stays. */
export function accountPacer(limit: number): Pacer {
  let pacer = pacers.get(limit);
  if (!pacer) {
    pacer = sharedPacer({
      limit,
      clock: systemClock,
      sleep: realSleep,
      reserve: (count, spacingMs) =>
        limits().reserveSlots(ACCOUNT_SCHEDULE, systemClock.now(), count, spacingMs),
    });
    pacers.set(limit, pacer);
  }
  return pacer;
}

/** The account's MaxSendRate, asked of SES once per container (else settings maxSendRate). */
function accountRate(): Promise<number> {
  rate ??= sendWorkerMailer()
    .quota()
    .then((quota) => accountLimit(quota, settings().maxSendRate));
  return rate;
}

/** Each send takes a slot of the account's schedule first. */
const paced = (mailer: Mailer) =>
  pacedMailer(mailer, async () => accountPacer(await accountRate()));

/** Welcome, goodbye and test emails. */
export function sesMailer(): Mailer {
  pacedTips ??= paced(sendWorkerMailer());
  return pacedTips;
}

/** Confirmation emails: the confirmations' configuration set, else the one set. */
export function confirmationMailer(): Mailer {
  const { confirmationSet, configurationSet } = settings();
  confirmations ??= build(confirmationSet ?? configurationSet);
  pacedConfirmations ??= paced(confirmations);
  return pacedConfirmations;
}
