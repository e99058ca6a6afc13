/**
 * Custom metrics for the Lambdas (Powertools Metrics: CloudWatch embedded metric format in the
 * logs, no API call), named in metric-names.ts, which the alarms watch.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Halt } from "../core/sender.js";
import { METRICS, METRICS_NAMESPACE } from "./metric-names.js";

const byService = new Map<string, Metrics>();

/** Counts `value` of `name` for `service` and flushes at once. */
function count(
  service: string,
  name: string,
  metadata: Record<string, string> = {},
  value = 1,
): void {
  let metrics = byService.get(service);
  if (!metrics) {
    metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
    byService.set(service, metrics);
  }
  metrics.addMetric(name, MetricUnit.Count, value);
  for (const [key, value] of Object.entries(metadata)) metrics.addMetadata(key, value);
  metrics.publishStoredMetrics();
}

/** Counts one stop of sending (the SendingStopped alarm fires on it). */
export function countSendingStopped(reason: Halt["reason"]): void {
  count("sender", METRICS.sendingStopped, { reason });
}

/** The dimension ReadersSetAside is counted under, by the planner and the sender alike. */
export const RECORDS_SERVICE = "records";

/** Counts readers' records set aside (the ReadersSetAside alarm fires on any). */
export function countReadersSetAside(n: number): void {
  if (n > 0) count(RECORDS_SERVICE, METRICS.readersSetAside, {}, n);
}

/** Counts one hourly pass that planned nobody because SES would refuse every send (alarmed). */
export function countPlanningPaused(reason: string): void {
  count("planner", METRICS.planningPaused, { reason });
}
