/**
 * The infrastructure as `sst deploy` would create it: sst.config.ts evaluated with SST's own
 * components under Pulumi's mocks (scripts/infra/graph), for each kind of stage, and the
 * resources it registers checked for what a first deploy and a working newsletter need.
 */

import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readBrand } from "../../compiler/brand.js";
import { tableDefinition } from "../../functions/adapters/dynamo-table.js";
import { REPUTATION_THRESHOLDS } from "../../functions/core/breaker.js";
import { evaluateGraph, type Graph } from "../../scripts/infra/graph/index.js";
import {
  actionsOf,
  arnOf,
  type DeployedFunction,
  deployedFunctions,
  named,
  ofType,
  one,
  queueNamed,
} from "../support/graph.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";

const STAGES = {
  production: { stage: "production", senderDomain: "runner.test", alertEmail: "ops@runner.test" },
  staging: { stage: "staging", senderDomain: "runner.test" },
  personal: { stage: "alice", senderEmail: "alice@runner.test" },
  personalDomain: { stage: "dana", senderDomain: "dana.test", alertEmail: "dana@dana.test" },
} as const;
type StageKey = keyof typeof STAGES;

const graphs = {} as Record<StageKey, Graph>;

beforeAll(async () => {
  // Two at a time: each evaluation bundles six handlers and loads the AWS provider.
  const keys = Object.keys(STAGES) as StageKey[];
  for (let i = 0; i < keys.length; i += 2) {
    await Promise.all(
      keys.slice(i, i + 2).map(async (key) => {
        graphs[key] = await evaluateGraph(STAGES[key], "ignore");
      }),
    );
  }
}, 240_000);

const each = Object.keys(STAGES) as StageKey[];

const HANDLERS = {
  api: "functions/http/api.handler",
  weekly: "functions/cron/weekly.handler",
  sendBatch: "functions/events/send-batch.handler",
  confirmOutbox: "functions/events/confirm-outbox.handler",
  sesEvents: "functions/events/ses.handler",
  pauseSending: "functions/events/pause-sending.handler",
  unsubscribeMail: "functions/events/unsubscribe-mail.handler",
  tableStream: "functions/events/table-stream.handler",
} as const;

/** Only production receives mail (SES receiving in its region; one active rule set per account). */
const receivesMail = (key: StageKey) => key === "production";

/** The handlers a stage deploys. */
const handlersOf = (key: StageKey) =>
  Object.entries(HANDLERS)
    .filter(([name]) => name !== "unsubscribeMail" || receivesMail(key))
    .map(([, handler]) => handler);

function fn(graph: Graph, key: keyof typeof HANDLERS): DeployedFunction {
  const found = deployedFunctions(graph).get(HANDLERS[key]);
  if (!found) throw new Error(`no function for ${HANDLERS[key]}`);
  return found;
}

describe("refusals: a stage that could not work does not deploy", () => {
  it("production without an alert address names the setting", async () => {
    await expect(
      evaluateGraph({ stage: "production", senderDomain: "runner.test" }, "ignore"),
    ).rejects.toThrow(/no alert address.*ALERT_EMAIL.*TIPS_ALERT_EMAIL/s);
  });

  it("a stage still on the placeholder domain names the setting", async () => {
    await expect(
      evaluateGraph({ stage: "production", alertEmail: "ops@runner.test" }, "ignore"),
    ).rejects.toThrow(/placeholder example\.com.*TIPS_DOMAIN/s);
  });
});

describe.each(each)("%s stage", (key) => {
  const graph = () => graphs[key];

  it("deploys every handler, on the Lambda runtime's Node 24, arm64", () => {
    const functions = deployedFunctions(graph());
    expect([...functions.keys()].sort()).toEqual(handlersOf(key).sort());
    for (const f of functions.values()) {
      expect(f.resource.props.runtime).toBe("nodejs24.x");
      expect(f.resource.props.architectures).toEqual(["arm64"]);
    }
  });

  it("creates the API stage after every route its throttling names", () => {
    const stage = one(graph(), "aws:apigatewayv2/stage:Stage", () => true);
    const routes = ofType(graph(), "aws:apigatewayv2/route:Route");
    const routeKeys = routes.map((r) => r.props.routeKey as string);
    const settings = stage.props.routeSettings as {
      routeKey: string;
      throttlingRateLimit: number;
    }[];
    expect(settings.length).toBeGreaterThan(0);
    for (const setting of settings) expect(routeKeys).toContain(setting.routeKey);
    expect([...stage.dependsOn].sort()).toEqual(routes.map((r) => r.name).sort());
    // One-click unsubscribes (RFC 8058) get more room than signups.
    const rate = (k: string) => settings.find((s) => s.routeKey === k)?.throttlingRateLimit ?? 0;
    expect(rate("POST /unsubscribe")).toBeGreaterThan(rate("POST /subscribe"));
    // Every other address reaches the site's own 404 page, through a small bucket of its own.
    expect(routeKeys).toContain("$default");
    expect(rate("$default")).toBeGreaterThan(0);
  });

  it("sends every alarm to the Alerts topic", () => {
    const alertsArn = arnOf(named(graph(), "AlertsTopic"));
    const alarms = ofType(graph(), ALARM);
    expect(alarms.length).toBeGreaterThanOrEqual(11);
    for (const alarm of alarms) expect(alarm.props.alarmActions).toContain(alertsArn);
    // Named for the stage, as the alert email's subject shows it.
    const stage = STAGES[key].stage;
    for (const alarm of alarms) {
      expect(alarm.props.name).toBe(`strength-tips-${stage}-${alarm.name}`);
    }
  });

  it("alarms on every dead-letter queue, the planner, API errors and a stuck send", () => {
    const alarms = ofType(graph(), ALARM);
    const on = (metric: string, dimension: string, value: unknown) =>
      alarms.filter(
        (a) =>
          a.props.metricName === metric &&
          (a.props.dimensions as Record<string, unknown>)[dimension] === value,
      );
    for (const dlq of ["SendDlq", "ConfirmOutboxDlq", "SesEventsDlq"]) {
      const queue = queueNamed(graph(), dlq);
      expect(on("ApproximateNumberOfMessagesVisible", "QueueName", queue.props.name)).toHaveLength(
        1,
      );
    }
    const planner = fn(graph(), "weekly").resource.props.name;
    expect(on("Errors", "FunctionName", planner)).toHaveLength(1);
    // A planner nobody invokes fails nothing: two hours without an invocation are an alarm,
    // which also says when it clears (it fires after a first deploy until the first pass).
    const alertsArn = arnOf(named(graph(), "AlertsTopic"));
    expect(on("Invocations", "FunctionName", planner).map((a) => a.props)).toEqual([
      expect.objectContaining({
        namespace: "AWS/Lambda",
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        period: 3600,
        evaluationPeriods: 2,
        treatMissingData: "breaching",
        okActions: [alertsArn],
      }),
    ]);
    // The breaker's own failure (its alarms would say sending is paused when it is not).
    const pause = fn(graph(), "pauseSending").resource.props.name;
    expect(on("Errors", "FunctionName", pause)).toHaveLength(1);
    expect(on("5xx", "ApiId", named(graph(), "ApiApi").props.id ?? "api0123456")).toHaveLength(1);
    const sendQueue = queueNamed(graph(), "SendQueue").props.name;
    expect(on("ApproximateAgeOfOldestMessage", "QueueName", sendQueue)).toHaveLength(1);
    expect(alarms.filter((a) => a.props.metricName === "SendingStopped")).toHaveLength(1);
    // While SES refuses every send no sender runs: the planner's own count is alarmed.
    expect(on("PlanningPaused", "service", "planner")).toHaveLength(1);
    expect(on("ReadersSetAside", "service", "records")).toHaveLength(1);
  });

  it("answers the API within API Gateway's 30 s integration limit", () => {
    expect(fn(graph(), "api").timeout).toBeLessThanOrEqual(30);
  });

  it("trips a breaker of its own on each configuration set's own reputation", () => {
    const sets = ofType(graph(), "aws:sesv2/configurationSet:ConfigurationSet");
    expect(sets).toHaveLength(2);
    const pause = fn(graph(), "pauseSending");
    const settings = graph().functions.find((f) => f.handler === HANDLERS.pauseSending)?.links
      .Settings as Record<string, string>;
    // The breaker knows both sets by name (one from Email, the other from Settings).
    expect(sets.map((s) => s.props.configurationSetName)).toContain(settings.confirmationSet);
    for (const set of sets) {
      expect(set.props.reputationOptions).toMatchObject({ reputationMetricsEnabled: true });
      // The list's own suppression is the only one: a reader who signs up again gets through.
      expect(set.props.suppressionOptions).toEqual({ suppressedReasons: [] });
      for (const metric of ["Reputation.BounceRate", "Reputation.ComplaintRate"]) {
        const alarm = one(
          graph(),
          ALARM,
          (p) =>
            p.metricName === metric &&
            (p.dimensions as Record<string, unknown>)["ses:configuration-set"] ===
              set.props.configurationSetName,
        );
        expect(alarm.props.namespace).toBe("AWS/SES");
        expect(alarm.props.alarmActions).toContain(arnOf(pause.resource));
        // Half of SES's review thresholds (5 % bounces, 0.1 % complaints), as the breaker knows them.
        const known =
          REPUTATION_THRESHOLDS[
            metric === "Reputation.BounceRate" ? "bounceRate" : "complaintRate"
          ];
        expect(alarm.props.threshold).toBe(known);
      }
    }
    // The breaker may pause exactly these two sets.
    const statement = pause.statements.find((s) =>
      s.Action.includes("ses:PutConfigurationSetSendingOptions"),
    );
    expect([...(statement?.Resource ?? [])].sort()).toEqual(sets.map((s) => arnOf(s)).sort());
    expect(REPUTATION_THRESHOLDS).toEqual({ bounceRate: 0.05 / 2, complaintRate: 0.001 / 2 });
  });

  it("sends confirmations through their own set; bounces (and tips' deliveries) reach the SES events topic", () => {
    const topicArn = arnOf(named(graph(), "SesEventsTopic"));
    const confirmations = named(graph(), "ConfirmationsConfigSet");
    const destinations = ofType(
      graph(),
      "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination",
    );
    for (const set of ofType(graph(), "aws:sesv2/configurationSet:ConfigurationSet")) {
      const destination = destinations.find(
        (d) => d.props.configurationSetName === set.props.configurationSetName,
      );
      // The weekly set's deliveries feed the stats; confirmations' are not counted.
      const weekly = set.props.configurationSetName !== confirmations.props.configurationSetName;
      expect(destination?.props.eventDestination).toMatchObject({
        enabled: true,
        matchingEventTypes: weekly ? ["BOUNCE", "COMPLAINT", "DELIVERY"] : ["BOUNCE", "COMPLAINT"],
        snsDestination: { topicArn },
      });
    }
    const statement = fn(graph(), "confirmOutbox").statements.find((s) =>
      s.Action.includes("ses:SendEmail"),
    );
    expect(statement?.Resource).toContain(arnOf(confirmations));
    const settings = graph().functions.find((f) => f.handler === HANDLERS.confirmOutbox)?.links
      .Settings as Record<string, string>;
    expect(settings.confirmationSet).toBe(confirmations.props.configurationSetName);
  });

  it("links the keys' SSM parameters by name, and lets each function read only the ones it uses", () => {
    const keysOf = (handler: keyof typeof HANDLERS) =>
      graph().functions.find((f) => f.handler === HANDLERS[handler])?.links.Keys as
        | Record<string, string>
        | undefined;
    const stage = STAGES[key].stage;
    const names = {
      tokenKeys: `/strength-tips/${stage}/token-keys`,
      idKey: `/strength-tips/${stage}/id-key`,
    };
    const arn = (name: string) => `arn:aws:ssm:us-east-1:123456789012:parameter${name}`;
    const reads: Partial<Record<keyof typeof HANDLERS, string[]>> = {
      api: [names.tokenKeys, names.idKey],
      confirmOutbox: [names.tokenKeys, names.idKey],
      sendBatch: [names.tokenKeys],
      sesEvents: [names.idKey],
      ...(receivesMail(key) ? { unsubscribeMail: [names.tokenKeys, names.idKey] } : {}),
    };
    for (const handler of Object.keys(HANDLERS) as (keyof typeof HANDLERS)[]) {
      if (handler === "unsubscribeMail" && !receivesMail(key)) continue;
      const statements = fn(graph(), handler).statements.filter((s) =>
        s.Action.includes("ssm:GetParameter"),
      );
      const resources = statements.flatMap((s) => s.Resource).sort();
      expect(resources, handler).toEqual((reads[handler] ?? []).map(arn).sort());
      if (reads[handler]) expect(keysOf(handler)).toMatchObject(names);
    }
    // No key's value is part of any function's configuration: no secret, no environment.
    expect(ofType(graph(), "sst:sst:Secret").map((s) => s.name)).not.toContain("TokenKeys");
    for (const f of graph().functions) expect(JSON.stringify(f.links)).not.toMatch(/[0-9a-f]{64}/);
  });

  it("publishes the readers' events from the table's stream, retried until the bus takes them", () => {
    const table = one(graph(), "aws:dynamodb/table:Table", () => true);
    expect(table.props).toMatchObject({
      streamEnabled: true,
      streamViewType: "NEW_AND_OLD_IMAGES",
    });
    const bus = one(graph(), "aws:cloudwatch/eventBus:EventBus", () => true);
    const stream = fn(graph(), "tableStream");
    const mapping = one(
      graph(),
      "aws:lambda/eventSourceMapping:EventSourceMapping",
      (p) =>
        p.functionName === arnOf(stream.resource) || p.eventSourceArn === table.props.streamArn,
    );
    expect(mapping.props).toMatchObject({
      functionResponseTypes: ["ReportBatchItemFailures"],
      maximumRetryAttempts: -1,
    });
    // Only subscribers' items: counters, rate windows and mailbox slots never invoke it.
    const filters = (mapping.props.filterCriteria as { filters: { pattern: string }[] }).filters;
    expect(filters.map((f) => JSON.parse(f.pattern))).toEqual([
      { dynamodb: { Keys: { pk: { S: [{ prefix: "SUB#" }] } } } },
    ]);
    const publish = stream.statements.find((st) => st.Action.includes("events:PutEvents"));
    expect(publish?.Resource).toEqual([arnOf(bus)]);
    const links = graph().functions.find((f) => f.handler === HANDLERS.tableStream)?.links;
    expect(Object.keys(links ?? {})).toEqual(["Events"]);
    expect(links?.Events).toMatchObject({ name: bus.props.name, arn: arnOf(bus) });
    // Nothing else may publish, and no other function carries the AWS SDK's EventBridge calls.
    for (const [name, handler] of Object.entries(HANDLERS)) {
      if (name === "tableStream" || (name === "unsubscribeMail" && !receivesMail(key))) continue;
      const other = deployedFunctions(graph()).get(handler);
      expect(other && actionsOf(other).filter((a) => a.startsWith("events:"))).toEqual([]);
    }
    const behind = one(graph(), ALARM, (p) => p.metricName === "IteratorAge");
    expect(behind.props.threshold).toBe(3_600_000);
  });

  it("brings SES events through a queue only the events topic may write to", () => {
    const topicArn = arnOf(named(graph(), "SesEventsTopic"));
    const queue = queueNamed(graph(), "SesEventsQueue");
    const dlq = queueNamed(graph(), "SesEventsDlq");
    const subscription = one(graph(), SUBSCRIPTION, (p) => p.protocol === "sqs");
    expect(subscription.props).toMatchObject({
      topic: topicArn,
      endpoint: arnOf(queue),
      rawMessageDelivery: false,
    });
    const policy = one(
      graph(),
      "aws:sqs/queuePolicy:QueuePolicy",
      (p) => p.queueUrl === queue.props.url,
    );
    expect(subscription.dependsOn).toContain(policy.name);
    const statements = JSON.parse(policy.props.policy as string).Statement;
    expect(statements).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Principal: { Service: ["sns.amazonaws.com"] },
        Condition: { ArnEquals: { "aws:SourceArn": [topicArn] } },
      }),
    ]);
    expect(JSON.parse(queue.props.redrivePolicy as string)).toMatchObject({
      deadLetterTargetArn: arnOf(dlq),
    });
    // What SNS cannot deliver to the queue goes to the same dead-letter queue, which only the
    // events topic may write to.
    expect(JSON.parse(subscription.props.redrivePolicy as string)).toEqual({
      deadLetterTargetArn: arnOf(dlq),
    });
    const dlqPolicy = one(
      graph(),
      "aws:sqs/queuePolicy:QueuePolicy",
      (p) => p.queueUrl === dlq.props.url,
    );
    expect(subscription.dependsOn).toContain(dlqPolicy.name);
    expect(JSON.parse(dlqPolicy.props.policy as string).Statement).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Principal: { Service: ["sns.amazonaws.com"] },
        Resource: [arnOf(dlq)],
        Condition: { ArnEquals: { "aws:SourceArn": [topicArn] } },
      }),
    ]);
    const consumer = fn(graph(), "sesEvents");
    expect(consumer.queue?.name).toBe(queue.name);
    expect(consumer.mapping?.props.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(
      ofType(graph(), "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"),
    ).toEqual([]);
  });

  it("gives every queue a dead-letter queue and six times its consumer's timeout", () => {
    for (const f of deployedFunctions(graph()).values()) {
      if (!f.queue) continue;
      expect(Number(f.queue.props.visibilityTimeoutSeconds)).toBeGreaterThanOrEqual(6 * f.timeout);
      expect(JSON.parse(f.queue.props.redrivePolicy as string).deadLetterTargetArn).toMatch(/Dlq/);
      expect(f.mapping?.props.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    }
    expect(fn(graph(), "sendBatch").timeout).toBeLessThanOrEqual(300);
  });

  it("sends from the brand's sender name at the stage's address", () => {
    const settings = graph().functions.find((f) => f.handler === HANDLERS.sendBatch)?.links
      .Settings as { fromAddress: string; replyTo?: string };
    const { sender } = readBrand(ROOT);
    const address = {
      production: "tips@runner.test",
      staging: "tips@staging.runner.test",
      personal: "alice@runner.test",
      personalDomain: "tips@dana.test",
    }[key];
    expect(settings.fromAddress).toBe(`${sender} <${address}>`);
    expect(settings.replyTo).toMatch(new RegExp(`^${sender} <[^<>@]+@[^<>@]+>$`));
  });

  it("lets a send claim go stale exactly when SQS would redeliver its batch", () => {
    const sender = graph().functions.find((f) => f.handler === HANDLERS.sendBatch);
    const settings = sender?.links.Settings as Record<string, number>;
    const { queue, mapping } = fn(graph(), "sendBatch");
    expect(settings.staleClaimSeconds).toBe(Number(queue?.props.visibilityTimeoutSeconds));
    // The sender knows a batch's last delivery before the dead-letter queue.
    expect(settings.sendMaxReceives).toBe(
      JSON.parse(queue?.props.redrivePolicy as string).maxReceiveCount,
    );
    expect(mapping?.props.scalingConfig).toEqual({
      maximumConcurrency: settings.senderConcurrency,
    });
    // Ten batches an invocation: none waits on another's slowest call.
    expect(mapping?.props.batchSize).toBe(10);
  });

  it("declares the table the adapters use, with recovery and TTL", () => {
    const table = one(graph(), "aws:dynamodb/table:Table", () => true);
    const local = tableDefinition("x");
    expect(table.props.hashKey).toBe("pk");
    expect(table.props.rangeKey).toBe("sk");
    const indexes = table.props.globalSecondaryIndexes as {
      name: string;
      hashKey: string;
      rangeKey: string;
    }[];
    expect(indexes.map((i) => [i.name, i.hashKey, i.rangeKey])).toEqual(
      (local.GlobalSecondaryIndexes ?? []).map((i) => [
        i.IndexName,
        i.KeySchema?.find((k) => k.KeyType === "HASH")?.AttributeName,
        i.KeySchema?.find((k) => k.KeyType === "RANGE")?.AttributeName,
      ]),
    );
    expect(table.props.pointInTimeRecovery).toEqual({ enabled: true });
    expect(table.props.ttl).toMatchObject({ attributeName: "expiresAt", enabled: true });
    expect(table.props.deletionProtectionEnabled).toBe(key === "production");
  });

  it("runs the planner every hour with the fields its handler reads", () => {
    const schedule = one(graph(), "aws:scheduler/schedule:Schedule", () => true);
    expect(schedule.props.scheduleExpression).toBe("cron(0 * * * ? *)");
    expect(schedule.props.scheduleExpressionTimezone).toBe("UTC");
    const input = JSON.parse((schedule.props.target as { input: string }).input);
    expect(input).toEqual({
      id: "<aws.scheduler.execution-id>",
      time: "<aws.scheduler.scheduled-time>",
    });
  });

  it("serves the site's images from a bucket at /assets/ on the site, kept for good", () => {
    const bucket = one(graph(), "aws:s3/bucket:Bucket", () => true);
    const route = one(graph(), "aws:apigatewayv2/route:Route", (p) =>
      String(p.routeKey).startsWith("GET /assets/"),
    );
    expect(route.props.routeKey).toBe("GET /assets/{file}");
    const integration = one(graph(), "aws:apigatewayv2/integration:Integration", (p) =>
      String(p.integrationUri).includes("/assets/"),
    );
    expect(integration.props).toMatchObject({
      integrationType: "HTTP_PROXY",
      integrationMethod: "GET",
      integrationUri: `https://${bucket.props.bucketDomainName}/assets/{file}`,
    });
    expect(JSON.stringify(integration.props.responseParameters)).toContain(
      '"overwrite:header.X-Content-Type-Options":"nosniff"',
    );
    const objects = ofType(graph(), "aws:s3/bucketObjectv2:BucketObjectv2").filter(
      (o) => o.props.bucket === bucket.props.bucket,
    );
    expect(objects.map((o) => o.props.key)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^assets\/squat\.[0-9a-f]{10}\.png$/)]),
    );
    for (const object of objects) {
      expect(object.props.cacheControl).toBe("public, max-age=31536000, immutable");
      expect(object.props.contentType).toMatch(/^image\/(png|svg\+xml)$/);
      expect(object.retainOnDelete).toBe(true);
    }
  });

  it("keeps the API to its custom domain when it has one, with no CORS", () => {
    const api = named(graph(), "ApiApi");
    expect(api.props.corsConfiguration ?? {}).toEqual({});
    const hasDomain = key === "production" || key === "staging";
    expect(api.props.disableExecuteApiEndpoint ?? false).toBe(hasDomain);
    expect(ofType(graph(), "aws:apigatewayv2/domainName:DomainName")).toHaveLength(
      hasDomain ? 1 : 0,
    );
  });
});

describe("alerts reach a person", () => {
  it.each([
    ["production", "ops@runner.test"],
    ["personalDomain", "dana@dana.test"],
  ] as const)(
    "%s: the alert address is an email subscription of the Alerts topic",
    (key, address) => {
      const subscription = one(graphs[key], SUBSCRIPTION, (p) => p.protocol === "email");
      expect(subscription.props).toMatchObject({
        endpoint: address,
        topic: arnOf(named(graphs[key], "AlertsTopic")),
      });
      // No Lambda was made of the address.
      expect(deployedFunctions(graphs[key]).size).toBe(handlersOf(key).length);
    },
  );

  it.each(["staging", "personal"] as const)(
    "%s without an address says so in its outputs",
    (key) => {
      expect(ofType(graphs[key], SUBSCRIPTION).filter((s) => s.props.protocol === "email")).toEqual(
        [],
      );
      expect(graphs[key].outputs.alertEmail).toMatch(/none/);
    },
  );
});

describe("SendEmail: from our own address, and in the sandbox to verified recipients", () => {
  const sendStatement = (graph: Graph, key: keyof typeof HANDLERS) => {
    const found = fn(graph, key).statements.find((s) => s.Action.includes("ses:SendEmail"));
    if (!found) throw new Error(`${key} may not send`);
    return found;
  };

  it("production names its own identity and configuration set", () => {
    const identity = one(graphs.production, "aws:sesv2/emailIdentity:EmailIdentity", () => true);
    const set = named(graphs.production, "EmailConfig");
    const confirmations = named(graphs.production, "ConfirmationsConfigSet");
    for (const key of ["api", "confirmOutbox", "sendBatch"] as const) {
      const statement = sendStatement(graphs.production, key);
      const through = key === "confirmOutbox" ? confirmations : set;
      expect([...statement.Resource].sort()).toEqual([arnOf(identity), arnOf(through)].sort());
      expect(statement.Condition).toEqual({
        StringEquals: { "ses:FromAddress": ["tips@runner.test"] },
      });
    }
  });

  it.each(["staging", "personal", "personalDomain"] as const)(
    "%s may send to any identity (sandbox recipients), only from its address",
    (key) => {
      const from = {
        staging: "tips@staging.runner.test",
        personal: "alice@runner.test",
        personalDomain: "tips@dana.test",
      }[key];
      for (const handler of ["api", "confirmOutbox", "sendBatch"] as const) {
        const statement = sendStatement(graphs[key], handler);
        expect(statement.Resource).toContain("arn:aws:ses:us-east-1:123456789012:identity/*");
        expect(statement.Condition).toEqual({ StringEquals: { "ses:FromAddress": [from] } });
      }
    },
  );
});

describe("least privilege: each function may call exactly what its code calls", () => {
  const EXPECTED: Record<keyof typeof HANDLERS, string[]> = {
    api: [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "ses:GetAccount",
      "ses:SendEmail",
      "sqs:SendMessage",
      "ssm:GetParameter",
    ],
    confirmOutbox: [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "ses:GetAccount",
      "ses:SendEmail",
      "ssm:GetParameter",
      // Consuming its queue (SST's subscriber grant).
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
    ],
    weekly: [
      "dynamodb:Query",
      "dynamodb:UpdateItem",
      "ses:GetAccount",
      "ses:GetConfigurationSet",
      "sqs:SendMessage",
    ],
    sendBatch: [
      "dynamodb:GetItem",
      "dynamodb:UpdateItem",
      "ses:GetAccount",
      "ses:GetConfigurationSet",
      "ses:SendEmail",
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
      "ssm:GetParameter",
    ],
    sesEvents: [
      "dynamodb:UpdateItem",
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
      "ssm:GetParameter",
    ],
    pauseSending: ["ses:PutConfigurationSetSendingOptions"],
    // PutItem: the declined mailbox's slots item (a signup never confirmed, left by mail).
    unsubscribeMail: [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "ssm:GetParameter",
    ],
    tableStream: [
      // Reading the table's stream (SST's subscriber grant).
      "dynamodb:DescribeStream",
      "dynamodb:GetRecords",
      "dynamodb:GetShardIterator",
      "dynamodb:ListStreams",
      "events:PutEvents",
    ],
  };

  it.each(Object.keys(EXPECTED) as (keyof typeof HANDLERS)[])("%s", (key) => {
    for (const stage of each) {
      if (key === "unsubscribeMail" && !receivesMail(stage)) continue;
      expect(actionsOf(fn(graphs[stage], key))).toEqual([...EXPECTED[key]].sort());
    }
  });

  it("grants no wildcard action, no scan, no table administration; * only where AWS has no scope", () => {
    for (const stage of each) {
      for (const f of deployedFunctions(graphs[stage]).values()) {
        for (const s of f.statements) {
          for (const action of s.Action) {
            expect(action).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
            expect(action).not.toMatch(/^dynamodb:(Scan|\w+Table|DeleteItem|Batch\w+|PartiQL\w+)$/);
          }
          if (s.Resource.includes("*")) expect(s.Action).toEqual(["ses:GetAccount"]);
        }
      }
    }
  });

  it("scopes each DynamoDB grant to the table (Query to the active index, stream reads to its stream)", () => {
    const table = arnOf(one(graphs.production, "aws:dynamodb/table:Table", () => true));
    for (const f of deployedFunctions(graphs.production).values()) {
      for (const s of f.statements) {
        if (!s.Action.some((a) => a.startsWith("dynamodb:"))) continue;
        if (s.Action.includes("dynamodb:GetRecords")) {
          // Reading the table's stream: that stream only.
          expect(s.Resource).toHaveLength(1);
          expect(s.Resource[0]).toMatch(new RegExp(`^${table}/stream/`));
          continue;
        }
        expect(s.Resource).toEqual(
          s.Action.includes("dynamodb:Query") ? [`${table}/index/active`] : [table],
        );
      }
    }
  });
});

describe("leaving by email: only where SES receives the mailto's mail", () => {
  it("production: the mailto's address has a receipt rule that invokes the handler, its MX and rule set active", () => {
    const graph = graphs.production;
    const handler = fn(graph, "unsubscribeMail");
    const rule = one(graph, "aws:ses/receiptRule:ReceiptRule", () => true);
    expect(rule.props).toMatchObject({
      enabled: true,
      scanEnabled: true,
      recipients: ["unsubscribe@inbound.runner.test"],
      lambdaActions: [{ functionArn: arnOf(handler.resource), invocationType: "Event" }],
    });
    const ruleSet = one(graph, "aws:ses/receiptRuleSet:ReceiptRuleSet", () => true);
    expect(rule.props.ruleSetName).toBe(ruleSet.props.ruleSetName);
    expect(
      one(graph, "aws:ses/activeReceiptRuleSet:ActiveReceiptRuleSet", () => true).props.ruleSetName,
    ).toBe(ruleSet.props.ruleSetName);
    // Only SES, for this rule of this account, may invoke it; the rule waits for that.
    const permission = one(
      graph,
      "aws:lambda/permission:Permission",
      (p) => p.principal === "ses.amazonaws.com",
    );
    expect(permission.props).toMatchObject({
      function: handler.resource.props.name,
      sourceAccount: "123456789012",
      sourceArn: `arn:aws:ses:us-east-1:123456789012:receipt-rule-set/${ruleSet.props.ruleSetName}:receipt-rule/${rule.props.name}`,
    });
    expect(rule.dependsOn).toContain(permission.name);
    expect(
      one(graph, "aws:route53/record:Record", (p) => p.name === "inbound.runner.test").props,
    ).toMatchObject({ type: "MX", records: ["10 inbound-smtp.us-east-1.amazonaws.com"] });
    // The emails offer exactly that address.
    for (const f of graph.functions) {
      const settings = f.links.Settings as Record<string, string> | undefined;
      if (settings) expect(settings.unsubscribeMailto).toBe("unsubscribe@inbound.runner.test");
    }
    expect(
      one(
        graph,
        ALARM,
        (p) =>
          (p.dimensions as Record<string, unknown>)?.FunctionName === handler.resource.props.name,
      ),
    ).toBeDefined();
  });

  it.each(["staging", "personal", "personalDomain"] as const)(
    "%s: no receipt rule, no handler, and no mailto offered",
    (key) => {
      const graph = graphs[key];
      expect(ofType(graph, "aws:ses/receiptRule:ReceiptRule")).toEqual([]);
      expect(ofType(graph, "aws:ses/activeReceiptRuleSet:ActiveReceiptRuleSet")).toEqual([]);
      for (const f of graph.functions) {
        const settings = f.links.Settings as Record<string, string> | undefined;
        expect(settings?.unsubscribeMailto).toBeUndefined();
      }
      expect(graph.outputs.unsubscribeMailto).toMatch(/none/);
    },
  );
});

describe("a domain whose DNS the operator writes", () => {
  it("prints the DKIM, MAIL FROM and DMARC records as outputs, DMARC reports included", () => {
    const records = graphs.personalDomain.outputs.dnsRecords as {
      type: string;
      name: string;
      value: string;
    }[];
    expect(records.filter((r) => r.type === "CNAME")).toEqual(
      ["dkim1token", "dkim2token", "dkim3token"].map((t) => ({
        type: "CNAME",
        name: `${t}._domainkey.dana.test`,
        value: `${t}.dkim.amazonses.com`,
      })),
    );
    expect(records).toContainEqual({
      type: "MX",
      name: "mail.dana.test",
      value: "10 feedback-smtp.us-east-1.amazonses.com",
    });
    expect(records).toContainEqual({
      type: "TXT",
      name: "mail.dana.test",
      value: "v=spf1 include:amazonses.com ~all",
    });
    const dmarc = records.find((r) => r.name === "_dmarc.dana.test");
    expect(dmarc?.value).toMatch(/^v=DMARC1; .*rua=mailto:tips@dana\.test;/);
  });

  it("production with DNS written by hand and no certificate for its site names the setting", async () => {
    await expect(evaluateGraph({ ...STAGES.production, dns: "manual" }, "ignore")).rejects.toThrow(
      /tips\.runner\.test.*TIPS_DNS=manual.*TIPS_CERTIFICATE_ARN/s,
    );
  });

  it("production with DNS written by hand: the site on its certificate, every record an output", async () => {
    const certificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/site";
    const graph = await evaluateGraph(
      { ...STAGES.production, dns: "manual", certificateArn },
      "ignore",
    );
    const domain = one(graph, "aws:apigatewayv2/domainName:DomainName", () => true);
    expect(domain.props).toMatchObject({
      domainName: "tips.runner.test",
      domainNameConfiguration: expect.objectContaining({ certificateArn }),
    });
    // Nothing is written to Route 53, and nothing is certified there.
    expect(ofType(graph, "aws:route53/record:Record")).toEqual([]);
    expect(ofType(graph, "aws:acm/certificate:Certificate")).toEqual([]);
    const records = graph.outputs.dnsRecords as { type: string; name: string; value: string }[];
    expect(records).toContainEqual({
      type: "CNAME",
      name: "tips.runner.test",
      value: "d-abc123.execute-api.amazonaws.com",
    });
    expect(records).toContainEqual({
      type: "MX",
      name: "inbound.runner.test",
      value: "10 inbound-smtp.us-east-1.amazonaws.com",
    });
    expect(records.filter((r) => r.name.endsWith("._domainkey.runner.test"))).toHaveLength(3);
    expect(records.map((r) => r.name)).toContain("_dmarc.runner.test");
    expect(graph.outputs.region).toBe("us-east-1");
  }, 120_000);

  it("route53 stages write them, DMARC reports going to the stage's setting", () => {
    expect(graphs.production.outputs.dnsRecords).toBeUndefined();
    const dmarc = one(graphs.production, "aws:route53/record:Record", (p) =>
      String(p.name).startsWith("_dmarc."),
    );
    expect(JSON.stringify(dmarc.props.records)).toMatch(/rua=mailto:dmarc-reports@runner\.test/);
  });
});
