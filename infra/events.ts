/**
 * The readers' events (docs/events.md): the function that reads the table's stream and publishes
 * each reader's state changes on the bus (infra/bus.ts), failures retried per record.
 */
import { alarm } from "./alerts";
import { functionArgs } from "./functions";
import { table } from "./storage";
import { TABLE_STREAM } from "./wiring";

export const tableStream = table.subscribe("TableStream", functionArgs("tableStream"), {
  filters: TABLE_STREAM.filters.map((filter) => ({ ...filter })),
  transform: {
    eventSourceMapping: (args) => {
      args.batchSize = TABLE_STREAM.batchSize;
      args.functionResponseTypes = ["ReportBatchItemFailures"];
      args.maximumRetryAttempts = TABLE_STREAM.maximumRetryAttempts;
    },
  },
});

alarm("EventsBehindAlarm", {
  alarmDescription:
    "The readers' events are an hour behind: EventBridge refuses them, or their function fails. See its logs.",
  namespace: "AWS/Lambda",
  metricName: "IteratorAge",
  dimensions: { FunctionName: tableStream.apply((s) => s.nodes.function.name) },
  statistic: "Maximum",
  period: 300,
  threshold: TABLE_STREAM.iteratorAgeAlarmMs,
});
