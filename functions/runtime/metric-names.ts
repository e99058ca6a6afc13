/**
 * The custom metrics' namespace and names: the Lambdas emit them (runtime/metrics.ts) and the
 * alarms in sst.config.ts watch them (infra/wiring.ts re-exports them).
 */

/** CloudWatch namespace of the custom metrics (Powertools Metrics, EMF in the logs). */
export const METRICS_NAMESPACE = "StrengthTips";

/** Metrics the alarms watch. */
export const METRICS = {
  /** 1 each time a sender stops because SES said so (paused, suspended, daily quota). */
  sendingStopped: "SendingStopped",
  /** 1 each hourly pass that planned nobody because SES would refuse every send. */
  planningPaused: "PlanningPaused",
  /** Readers' records the send engine could not use (an unknown zone, a malformed field). */
  readersSetAside: "ReadersSetAside",
} as const;
