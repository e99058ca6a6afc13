/**
 * Custom metrics for the Lambdas (Powertools Metrics: CloudWatch embedded metric format in the
 * logs, no API call), named in metric-names.ts, which the alarms watch.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Halt } from "../core/sender.js";
import { METRICS, METRICS_NAMESPACE } from "./metric-names.js";

let metrics: Metrics | undefined;

/** Counts one stop of sending (the SendingStopped alarm fires on it) and flushes at once. */
export function countSendingStopped(reason: Halt["reason"]): void {
  metrics ??= new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "sender" });
  metrics.addMetric(METRICS.sendingStopped, MetricUnit.Count, 1);
  metrics.addMetadata("reason", reason);
  metrics.publishStoredMetrics();
}
