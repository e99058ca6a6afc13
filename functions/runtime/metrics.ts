/**
 * Custom metrics for the Lambdas (Powertools Metrics: CloudWatch embedded metric format in the
 * logs, no API call). The namespace and names are infra/wiring.ts's, which the alarms in
 * sst.config.ts watch.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS, METRICS_NAMESPACE } from "../../infra/wiring.js";
import type { Halt } from "../core/sender.js";

let metrics: Metrics | undefined;

/** Counts one stop of sending (the SendingStopped alarm fires on it) and flushes at once. */
export function countSendingStopped(reason: Halt["reason"]): void {
  metrics ??= new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "sender" });
  metrics.addMetric(METRICS.sendingStopped, MetricUnit.Count, 1);
  metrics.addMetadata("reason", reason);
  metrics.publishStoredMetrics();
}
