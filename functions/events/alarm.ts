/**
 * A CloudWatch alarm action at the edge: the event Lambda receives is checked with zod and
 * handed to the breaker (core/breaker.ts) as an AlarmChange; anything else is logged and ignored.
 */
import { type BreakerOutcome, tripBreaker } from "../core/breaker.js";
import type { Log, SendingSwitch } from "../core/ports.js";
import * as z from "../core/zod.js";

/** What CloudWatch sends a Lambda alarm action (source aws.cloudwatch). */
const alarmEvent = z.object({
  source: z.literal("aws.cloudwatch"),
  alarmArn: z.string(),
  alarmData: z.object({
    alarmName: z.string(),
    state: z.object({ value: z.string(), reason: z.optional(z.string()) }),
  }),
});

export async function onAlarmEvent(
  deps: { sending: SendingSwitch; log: Log },
  event: unknown,
): Promise<BreakerOutcome> {
  const parsed = z.safeParse(alarmEvent, event);
  if (!parsed.success) {
    deps.log.warn("reputation breaker: not a CloudWatch alarm event", {});
    return "ignored";
  }
  const { alarmName, state } = parsed.data.alarmData;
  return tripBreaker(deps, {
    alarmName,
    state: state.value,
    ...(state.reason !== undefined ? { reason: state.reason } : {}),
  });
}
