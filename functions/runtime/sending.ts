/**
 * The configuration set's sending switch as the planner asks it (core/planner.ts `sending`): an
 * answer SES could not give is logged and taken as "not paused", so planning goes on and the
 * sender, which asks SES again before sending, stops if it is.
 */
import { SesSendingSwitch } from "../adapters/ses-sending-switch.js";
import { aws, clientOptions, settings } from "../config.js";
import type { SendingSwitch } from "../core/ports.js";
import { log } from "./log.js";

export function plannerSendingSwitch(): Pick<SendingSwitch, "isPaused"> | undefined {
  const { configurationSet } = settings();
  if (!configurationSet) return undefined;
  const sending = new SesSendingSwitch({
    configurationSet,
    clientOptions: clientOptions(aws().SES_ENDPOINT),
  });
  return {
    isPaused: () =>
      sending.isPaused().catch((error: unknown) => {
        log().warn("cannot tell whether sending is paused; planning", {
          error: (error as Error).name,
        });
        return false;
      }),
  };
}
