/**
 * The reputation breaker: when a CloudWatch alarm on the account's bounce or complaint rate
 * (sst.config.ts, at half of SES's review thresholds) goes into ALARM, pause the configuration
 * set's sending before SES pauses the whole account. An operator turns sending back on by hand
 * once the cause is fixed (README, "Reputation breaker"); nothing here ever resumes it.
 */
import type { Log, SendingSwitch } from "./ports.js";
import * as z from "./zod.js";

/** SES reviews an account at 5 % bounces or 0.1 % complaints; we stop at half of each. */
export const REPUTATION_THRESHOLDS = { bounceRate: 0.025, complaintRate: 0.0005 } as const;

/** What CloudWatch sends a Lambda alarm action (source aws.cloudwatch). */
const alarmEventSchema = z.object({
  source: z.literal("aws.cloudwatch"),
  alarmArn: z.string(),
  alarmData: z.object({
    alarmName: z.string(),
    state: z.object({ value: z.string(), reason: z.optional(z.string()) }),
  }),
});

export type BreakerOutcome = "paused" | "ignored";

/**
 * Pauses sending for an alarm that entered ALARM; ignores OK / INSUFFICIENT_DATA transitions and
 * anything that is not a CloudWatch alarm event (logged). A failing SES call throws, so the
 * alarm action is retried.
 */
export async function tripBreaker(
  deps: { sending: SendingSwitch; log: Log },
  event: unknown,
): Promise<BreakerOutcome> {
  const parsed = z.safeParse(alarmEventSchema, event);
  if (!parsed.success) {
    deps.log.warn("reputation breaker: not a CloudWatch alarm event", {});
    return "ignored";
  }
  const { alarmName, state } = parsed.data.alarmData;
  if (state.value !== "ALARM") {
    deps.log.info("reputation breaker: alarm left ALARM, sending stays as it is", {
      alarmName,
      state: state.value,
    });
    return "ignored";
  }
  await deps.sending.pause();
  deps.log.error("reputation breaker: configuration set sending paused", {
    alarmName,
    reason: state.reason ?? "",
  });
  return "paused";
}
