/** The SES mailer for a Lambda: built once per container from the Settings link. */
import { SesMailer } from "../adapters/ses-mailer.js";
import { aws, clientOptions, settings } from "../config.js";

let mailer: SesMailer | undefined;

export function sesMailer(): SesMailer {
  const { fromAddress, configurationSet, replyTo } = settings();
  mailer ??= new SesMailer({
    from: fromAddress,
    configurationSet,
    ...(replyTo ? { replyTo } : {}),
    clientOptions: clientOptions(aws().SES_ENDPOINT),
  });
  return mailer;
}
