/**
 * The Lambda functions, each built from its row of the wiring table (infra/wiring.ts), and what
 * invokes them: the API's routes, the hourly schedule, the queues, the reputation alarms.
 */
import { alarm } from "./alerts";
import { api, settings, throttledRoutes } from "./api";
import { assetsRoute } from "./assets";
import { bus } from "./bus";
import { account, config, region } from "./config";
import { confirmationSet, email, sesEventsQueue, sesEventsTopic } from "./email";
import { confirmOutbox, sendQueue } from "./queues";
import { keyParameters, keys, table } from "./storage";
import * as wiring from "./wiring";

const links: Record<wiring.LinkName, unknown> = {
  Subscribers: table,
  Keys: keys,
  SendQueue: sendQueue,
  Settings: settings,
  Email: email,
  ConfirmOutbox: confirmOutbox,
  SesEvents: sesEventsTopic,
  Events: bus,
};

/** What the wiring table's IAM statements name. */
const iamResources: Record<wiring.IamResource, $util.Input<string>[]> = {
  table: [table.arn],
  activeIndex: [$interpolate`${table.arn}/index/${wiring.ACTIVE_INDEX_NAME}`],
  // Outside production the account may still be in the SES sandbox, where SendEmail is also
  // authorized against each recipient's (verified) identity; ses:FromAddress still holds.
  identity: config.production
    ? [email.nodes.identity.arn]
    : [$interpolate`arn:aws:ses:${region.region}:${account.accountId}:identity/*`],
  configurationSet: [email.nodes.configurationSet.arn],
  confirmationSet: [confirmationSet.arn],
  tokenKeysParameter: [
    $interpolate`arn:aws:ssm:${region.region}:${account.accountId}:parameter${keyParameters.tokenKeys}`,
  ],
  idKeyParameter: [
    $interpolate`arn:aws:ssm:${region.region}:${account.accountId}:parameter${keyParameters.idKey}`,
  ],
  sendQueue: [sendQueue.arn],
  confirmOutbox: [confirmOutbox.arn],
  eventBus: [bus.arn],
  "*": ["*"],
};

const conditionValue = (value: string) =>
  value === wiring.FROM_ADDRESS ? wiring.senderAddress(config.sender) : value;

export function functionArgs(key: wiring.FunctionKey): sst.aws.FunctionArgs {
  const fn = wiring.FUNCTIONS[key];
  return {
    handler: fn.handler,
    description: fn.description,
    runtime: wiring.RUNTIME,
    architecture: wiring.ARCHITECTURE,
    timeout: `${fn.timeoutSeconds} seconds`,
    memory: `${fn.memoryMb} MB`,
    link: fn.links.map((name) => links[name]),
    permissions: fn.permissions.map((p) => ({
      actions: [...p.actions],
      resources: p.resources.flatMap((r) => iamResources[r]),
      ...("conditions" in p && p.conditions
        ? {
            conditions: p.conditions.map((c) => ({
              test: c.test,
              variable: c.variable,
              values: c.values.map(conditionValue),
            })),
          }
        : {}),
    })),
    nodejs: {
      format: wiring.NODEJS_BUNDLE.format,
      minify: wiring.NODEJS_BUNDLE.minify,
      esbuild: { external: [...wiring.NODEJS_BUNDLE.external] },
    },
  };
}

/** An alarm on any error of a function (AWS/Lambda Errors). */
export function errorsAlarm(
  name: string,
  functionName: $util.Input<string>,
  what: string,
  period: number,
) {
  alarm(name, {
    alarmDescription: what,
    namespace: "AWS/Lambda",
    metricName: wiring.ALARMS.plannerErrors.metric,
    dimensions: { FunctionName: functionName },
    statistic: "Sum",
    period,
    threshold: wiring.ALARMS.plannerErrors.threshold,
  });
}

// ---- The API: one function behind every route ---------------------------------------------
export const apiFunction = new sst.aws.Function("ApiHandler", functionArgs("api"));
throttledRoutes([
  ...wiring.API_ROUTES.map((route) => api.route(route, apiFunction.arn).nodes.route),
  assetsRoute.nodes.route,
]);
alarm("Api5xxAlarm", {
  alarmDescription: "The site answered with a server error (5xx): see the API function's logs.",
  namespace: "AWS/ApiGateway",
  metricName: wiring.ALARMS.api5xx.metric,
  dimensions: { ApiId: api.nodes.api.id, Stage: "$default" },
  statistic: "Sum",
  period: wiring.ALARMS.api5xx.periodSeconds,
  threshold: wiring.ALARMS.api5xx.threshold,
});

// ---- The weekly send: the hourly planner, the senders ---------------------------------------
export const weeklyPlanner = new sst.aws.CronV2("WeeklyPlanner", {
  schedule: wiring.WEEKLY_SCHEDULE,
  timezone: wiring.WEEKLY_TIMEZONE,
  event: wiring.WEEKLY_EVENT,
  function: functionArgs("weekly"),
});
errorsAlarm(
  "PlannerErrorsAlarm",
  weeklyPlanner.nodes.function.name,
  "The hourly planner failed: due readers wait for the next pass. See its logs.",
  wiring.ALARMS.plannerErrors.periodSeconds,
);
// A planner that is never invoked fails nothing, so the alarm above stays quiet: this one
// counts its invocations, and hours without any are a breach. It also fires after the first
// deploy until the first hourly pass, and says when it clears.
alarm("PlannerSilentAlarm", {
  alarmDescription:
    "The hourly planner has not run for two hours: nobody is being planned. Check the WeeklyPlanner schedule (EventBridge Scheduler) and the function's throttles.",
  namespace: "AWS/Lambda",
  metricName: wiring.ALARMS.plannerSilent.metric,
  dimensions: { FunctionName: weeklyPlanner.nodes.function.name },
  statistic: "Sum",
  period: wiring.ALARMS.plannerSilent.periodSeconds,
  evaluationPeriods: wiring.ALARMS.plannerSilent.hours,
  comparisonOperator: "LessThanThreshold",
  threshold: 1,
  treatMissingData: "breaching",
  notifyOk: true,
});

sendQueue.subscribe(functionArgs("sendBatch"), {
  batch: {
    size: wiring.SEND_QUEUE.batchSize,
    partialResponses: wiring.SEND_QUEUE.partialResponses,
  },
  transform: {
    // SST has no argument for it: cap how many senders SQS runs at once (SES rate).
    eventSourceMapping: (args) => {
      args.scalingConfig = { maximumConcurrency: wiring.SEND_QUEUE.maximumConcurrency };
    },
  },
});
alarm("SendQueueAgeAlarm", {
  alarmDescription:
    "A send batch has waited two hours: senders are failing, or SES's rate is too low for the list.",
  namespace: "AWS/SQS",
  metricName: wiring.ALARMS.sendQueueAge.metric,
  dimensions: { QueueName: sendQueue.nodes.queue.name },
  statistic: "Maximum",
  period: 300,
  threshold: wiring.ALARMS.sendQueueAge.thresholdSeconds,
});
// The sender stopped because SES said so (paused, suspended, daily quota, access denied): it
// logs it at ERROR and counts it in this metric (EMF).
alarm("SendingStoppedAlarm", {
  alarmDescription: "The weekly sender stopped: SES paused, suspended, out of quota or denied",
  namespace: wiring.METRICS_NAMESPACE,
  metricName: wiring.METRICS.sendingStopped,
  dimensions: { service: "sender" },
  statistic: "Sum",
  period: 300,
  threshold: 1,
});
// The planner planned nobody because SES would refuse every send (the account paused or
// suspended, the day's quota spent, the weekly set paused): no sender runs then, so the alarm
// above stays quiet and this one speaks. Its "planned nobody" log line has the reason.
alarm("PlanningPausedAlarm", {
  alarmDescription:
    "The hourly planner planned nobody: SES would refuse every send (see its 'planned nobody' log)",
  namespace: wiring.METRICS_NAMESPACE,
  metricName: wiring.METRICS.planningPaused,
  dimensions: { service: "planner" },
  statistic: "Sum",
  period: 3600,
  threshold: 1,
});

// ---- Signups and feedback --------------------------------------------------------------------
confirmOutbox.subscribe(functionArgs("confirmOutbox"), {
  batch: {
    size: wiring.CONFIRM_OUTBOX.batchSize,
    partialResponses: wiring.CONFIRM_OUTBOX.partialResponses,
  },
});

sesEventsQueue.subscribe(functionArgs("sesEvents"), {
  batch: {
    size: wiring.SES_EVENTS.batchSize,
    partialResponses: wiring.SES_EVENTS.partialResponses,
  },
});

// ---- The reputation breakers ----------------------------------------------------------------
// Half of SES's review thresholds, on each of this stage's configuration sets (the weekly one,
// and the confirmations'): notify the operator and pause that set only.
const pauseSending = new sst.aws.Function("PauseSending", functionArgs("pauseSending"));
new aws.lambda.Permission("PauseSendingFromAlarms", {
  action: "lambda:InvokeFunction",
  function: pauseSending.name,
  principal: "lambda.alarms.cloudwatch.amazonaws.com",
  sourceAccount: account.accountId,
});
// The alarms below email the operator that sending is paused: if the pause itself failed, this
// one says so.
errorsAlarm(
  "PauseSendingErrorsAlarm",
  pauseSending.name,
  "The reputation breaker failed to pause a configuration set: pause it by hand (docs/operating.md) and see PauseSending's logs.",
  wiring.ALARMS.periodSeconds,
);
for (const [prefix, set, what] of [
  ["", email.configSet, "the weekly tips and welcome emails"],
  ["Confirmations", confirmationSet.configurationSetName, "confirmation emails only"],
] as const) {
  for (const [name, rate] of [
    ["BounceRateAlarm", wiring.ALARMS.bounceRate],
    ["ComplaintRateAlarm", wiring.ALARMS.complaintRate],
  ] as const) {
    alarm(`${prefix}${name}`, {
      alarmDescription: `${rate.metric} ≥ ${rate.threshold}: half of SES's review threshold. Sending of ${what} is paused; fix the cause, then resume it (docs/operating.md).`,
      namespace: "AWS/SES",
      metricName: rate.metric,
      dimensions: { [wiring.ALARMS.configurationSetDimension]: set },
      statistic: "Maximum",
      period: wiring.ALARMS.periodSeconds,
      threshold: rate.threshold,
      alarmActions: [pauseSending.arn],
    });
  }
}
