/** CloudWatch alarm action → pause the configuration set's sending (core/breaker.ts). */
import { SesSendingSwitch } from "../adapters/ses-sending-switch.js";
import { aws, clientOptions, emailConfigurationSet } from "../config.js";
import { tripBreaker } from "../core/breaker.js";
import { log } from "../runtime/log.js";

export const handler = (event: unknown) =>
  tripBreaker(
    {
      sending: new SesSendingSwitch({
        configurationSet: emailConfigurationSet(),
        clientOptions: clientOptions(aws().SES_ENDPOINT),
      }),
      log: log(),
    },
    event,
  );
