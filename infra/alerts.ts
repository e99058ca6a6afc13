/**
 * Every alarm notifies the Alerts topic, and the stage's alert address gets each by email (AWS
 * sends it a confirmation link after the first deploy). Helpers for alarms and dead-letter queues.
 */
import { config } from "./config";
import { ALARMS, METRICS, METRICS_NAMESPACE } from "./wiring";

export const alerts = new sst.aws.SnsTopic("Alerts");

if (config.alertEmail) {
  new aws.sns.TopicSubscription("AlertsEmail", {
    topic: alerts.arn,
    protocol: "email",
    endpoint: config.alertEmail,
  });
}

type AlarmArgs = Omit<
  aws.cloudwatch.MetricAlarmArgs,
  "alarmActions" | "okActions" | "evaluationPeriods" | "comparisonOperator"
> &
  Partial<Pick<aws.cloudwatch.MetricAlarmArgs, "evaluationPeriods" | "comparisonOperator">> & {
    alarmActions?: $util.Input<string>[];
    /** Tell the Alerts topic when the alarm clears too (an alarm that fires on a first deploy). */
    notifyOk?: true;
  };

/**
 * A CloudWatch alarm on the Alerts topic (plus any other action given): by default, any one
 * period at or over the threshold, and a period without data is not a breach.
 */
export function alarm(name: string, { notifyOk, ...args }: AlarmArgs) {
  return new aws.cloudwatch.MetricAlarm(name, {
    // The alert email's subject names the alarm: it says which app and stage it is about.
    name: `${$app.name}-${$app.stage}-${name}`,
    evaluationPeriods: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
    ...args,
    alarmActions: [alerts.arn, ...(args.alarmActions ?? [])],
    ...(notifyOk ? { okActions: [alerts.arn] } : {}),
  });
}

/**
 * A dead-letter queue that keeps what it holds for `retentionSeconds`, alarmed as soon as
 * anything is in it (`what` says what waits there). Redrive: docs/operating.md.
 */
export function deadLetterQueue(name: string, retentionSeconds: number, what: string) {
  const queue = new sst.aws.Queue(name, {
    transform: {
      queue: (args) => {
        args.messageRetentionSeconds = retentionSeconds;
      },
    },
  });
  alarm(`${name}Alarm`, {
    alarmDescription: `${what} waits in ${name}: fix the cause, then redrive it (docs/operating.md).`,
    namespace: "AWS/SQS",
    metricName: ALARMS.deadLetterDepth.metric,
    dimensions: { QueueName: queue.nodes.queue.name },
    statistic: "Maximum",
    period: 300,
    threshold: ALARMS.deadLetterDepth.threshold,
  });
  return queue;
}

// A reader's record the send engine cannot use (an unknown zone, a malformed field) was set aside
// by the planner or the sender: everyone else is sent; the "reader set aside" ERROR names its key.
alarm("ReadersSetAsideAlarm", {
  alarmDescription:
    "A reader's record was set aside: its 'reader set aside' log line names the key and the problem",
  namespace: METRICS_NAMESPACE,
  metricName: METRICS.readersSetAside,
  dimensions: { service: "records" },
  statistic: "Sum",
  period: 3600,
  threshold: 1,
});
