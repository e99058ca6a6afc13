/**
 * A CloudWatch alarm action at the edge: the event Lambda receives is checked with zod and
 * handed to the breaker (core/breaker.ts) as an AlarmChange, with the switch of the configuration
 * set the alarm watches (its `ses:configuration-set` dimension): the weekly set, or the
 * confirmations'. An alarm about another set, or anything else, is logged and ignored.
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
    configuration: z.optional(
      z.object({
        metrics: z.optional(
          z.array(
            z.object({
              metricStat: z.optional(
                z.object({
                  metric: z.object({
                    dimensions: z.optional(z.record(z.string(), z.string())),
                  }),
                }),
              ),
            }),
          ),
        ),
      }),
    ),
  }),
});

const SET_DIMENSION = "ses:configuration-set";

export interface AlarmDeps {
  /** The switch of each configuration set the breaker may pause, by the set's name. */
  sets: ReadonlyMap<string, SendingSwitch>;
  /** The weekly set's switch: for an alarm that names no set. */
  sending: SendingSwitch;
  log: Log;
}

export async function onAlarmEvent(deps: AlarmDeps, event: unknown): Promise<BreakerOutcome> {
  const parsed = z.safeParse(alarmEvent, event);
  if (!parsed.success) {
    deps.log.warn("reputation breaker: not a CloudWatch alarm event", {});
    return "ignored";
  }
  const { alarmName, state, configuration } = parsed.data.alarmData;
  const named = configuration?.metrics
    ?.map((m) => m.metricStat?.metric.dimensions?.[SET_DIMENSION])
    .find((set) => set !== undefined);
  const sending = named === undefined ? deps.sending : deps.sets.get(named);
  if (!sending) {
    deps.log.warn("reputation breaker: an alarm about another configuration set", {
      alarmName,
      configurationSet: named,
    });
    return "ignored";
  }
  return tripBreaker(
    { sending, log: deps.log },
    {
      alarmName,
      state: state.value,
      ...(state.reason !== undefined ? { reason: state.reason } : {}),
    },
  );
}
