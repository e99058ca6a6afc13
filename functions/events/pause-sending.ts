/** CloudWatch alarm action → pause the configuration set's sending (core/breaker.ts). */
import { SesSendingSwitch } from "../adapters/ses-sending-switch.js";
import { aws, clientOptions, emailConfigurationSet } from "../config.js";
import { log } from "../runtime/log.js";
import { onAlarmEvent } from "./alarm.js";

export const handler = (event: unknown) =>
  onAlarmEvent(
    {
      sending: new SesSendingSwitch({
        configurationSet: emailConfigurationSet(),
        clientOptions: clientOptions(aws().SES_ENDPOINT),
      }),
      log: log(),
    },
    event,
  );
