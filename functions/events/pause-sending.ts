/**
 * CloudWatch alarm action → pause the sending of the configuration set the alarm watches: the
 * weekly one (the Email link) or the confirmations' (Settings), never another (core/breaker.ts).
 */
import { SesSendingSwitch } from "../adapters/ses-sending-switch.js";
import { aws, clientOptions, emailConfigurationSet, settings } from "../config.js";
import { log } from "../runtime/log.js";
import { onAlarmEvent } from "./alarm.js";

const switchOf = (configurationSet: string) =>
  new SesSendingSwitch({ configurationSet, clientOptions: clientOptions(aws().SES_ENDPOINT) });

export const handler = (event: unknown) => {
  const weekly = emailConfigurationSet();
  const confirmations = settings().confirmationSet;
  const sending = switchOf(weekly);
  const sets = new Map([[weekly, sending]]);
  if (confirmations) sets.set(confirmations, switchOf(confirmations));
  return onAlarmEvent({ sets, sending, log: log() }, event);
};
