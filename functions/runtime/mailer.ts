/**
 * The SES mailers for a Lambda, built once per container from the Settings link: the one of the
 * weekly tips and welcome emails, and the one of confirmation emails, which goes through the
 * confirmations' own configuration set (its own reputation metrics and breaker).
 */
import { SesMailer } from "../adapters/ses-mailer.js";
import { aws, clientOptions, settings } from "../config.js";

let mailer: SesMailer | undefined;
let confirmations: SesMailer | undefined;

function build(configurationSet: string | undefined): SesMailer {
  const { fromAddress, replyTo } = settings();
  return new SesMailer({
    from: fromAddress,
    configurationSet,
    ...(replyTo ? { replyTo } : {}),
    clientOptions: clientOptions(aws().SES_ENDPOINT),
  });
}

export function sesMailer(): SesMailer {
  mailer ??= build(settings().configurationSet);
  return mailer;
}

/** Confirmation emails: the confirmations' configuration set, else the one set. */
export function confirmationMailer(): SesMailer {
  const { confirmationSet, configurationSet } = settings();
  confirmations ??= build(confirmationSet ?? configurationSet);
  return confirmations;
}
