/**
 * The SES mailers for a Lambda (and the local tools), built once per container from the Settings
 * link: the one of the weekly tips, welcome, goodbye and test emails, and the one of the emails a
 * signup sends (the confirmation, or "already subscribed"; the confirmations' own configuration
 * set). Every one of their calls first takes a slot
 * on the account's one send schedule in the table, through accountPacer: so no path can call SES
 * beside the rate the others keep to; and none calls SES while the day's quota is spent as far as
 * its container knows (core/pacing.ts accountMailer). The send worker alone takes its slots itself
 * (sendWorkerMailer), so that between its slot and its call it can see that SES said stop.
 */
import { SesMailer } from "../adapters/ses-mailer.js";
import { realSleep, systemClock } from "../adapters/system.js";
import { aws, clientOptions, settings } from "../config.js";
import { ACCOUNT_SCHEDULE, accountMailer, type Pacer, sharedPacer } from "../core/pacing.js";
import type { Mailer } from "../core/ports.js";
import { log } from "./log.js";
import { limits } from "./store.js";

let tips: SesMailer | undefined;
let confirmations: SesMailer | undefined;
let pacedTips: Mailer | undefined;
let pacedConfirmations: Mailer | undefined;
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

/**
 * Each send takes a slot of the account's schedule at the rate SES gives (asked at most every
 * 5 minutes), and none is made while the day's quota is spent as far as this container knows.
 */
const accountPaced = (mailer: Mailer) =>
  accountMailer(mailer, {
    quota: () => sendWorkerMailer().quota(),
    fallbackRate: settings().maxSendRate,
    pacerFor: accountPacer,
    clock: systemClock,
  });

/**
 * What SES says of the account and the weekly set, as the hourly planner asks it. An answer SES
 * could not give is logged: the planner then plans as if SES would take every send, and the
 * sender, which asks again, stops if it will not.
 */
export function plannerStatus(): Pick<Mailer, "status"> {
  return {
    status: async () => {
      const status = await sendWorkerMailer().status();
      if (status.unanswered) {
        log().warn("SES did not say whether it would send; planning", {
          error: status.unanswered,
        });
      }
      return status;
    },
  };
}

/** Welcome, goodbye and test emails. */
export function sesMailer(): Mailer {
  pacedTips ??= accountPaced(sendWorkerMailer());
  return pacedTips;
}

/** The emails a signup sends: the confirmations' configuration set, else the one set. */
export function confirmationMailer(): Mailer {
  const { confirmationSet, configurationSet } = settings();
  confirmations ??= build(confirmationSet ?? configurationSet);
  pacedConfirmations ??= accountPaced(confirmations);
  return pacedConfirmations;
}
