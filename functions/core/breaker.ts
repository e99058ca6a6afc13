/**
 * The reputation breaker: when an alarm on the account's bounce or complaint rate (at half of
 * SES's review thresholds) goes into ALARM, pause the configuration set's sending before SES
 * pauses the whole account. An operator turns sending back on by hand once the cause is fixed
 * (docs/operating.md); nothing here ever resumes it.
 */
import type { Log, SendingSwitch } from "./ports.js";

/** SES reviews an account at 5 % bounces or 0.1 % complaints; we stop at half of each. */
export const REPUTATION_THRESHOLDS = { bounceRate: 0.025, complaintRate: 0.0005 } as const;

/** An alarm's change of state, as the alarm's edge hands it over (functions/events/alarm.ts). */
export interface AlarmChange {
  alarmName: string;
  /** ALARM, OK or INSUFFICIENT_DATA. */
  state: string;
  reason?: string;
}

export type BreakerOutcome = "paused" | "ignored";

/**
 * Pauses sending for an alarm that entered ALARM; other states change nothing. A failing SES
 * call throws, so that the alarm action is retried.
 */
export async function tripBreaker(
  deps: { sending: SendingSwitch; log: Log },
  alarm: AlarmChange,
): Promise<BreakerOutcome> {
  const { alarmName, state } = alarm;
  if (state !== "ALARM") {
    deps.log.info("reputation breaker: alarm left ALARM, sending stays as it is", {
      alarmName,
      state,
    });
    return "ignored";
  }
  await deps.sending.pause();
  deps.log.error("reputation breaker: configuration set sending paused", {
    alarmName,
    reason: alarm.reason ?? "",
  });
  return "paused";
}
