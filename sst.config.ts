/// <reference path="./.sst/platform/config.d.ts" />
/**
 * Weekly Strength Tips for Runners on AWS: an HTTP API (signup, opt-in, unsubscribe, web view),
 * a weekly planner on EventBridge Scheduler, an SQS-fed sender with capped concurrency, SES v2 with
 * bounce and complaint events through SNS, and one DynamoDB table.
 *
 * The numbers and the function table live in infra/wiring.ts, the per-stage values in
 * infra/stages.ts; test/infra/wiring.test.ts checks the table against the handlers' code, and
 * `npm run typecheck:infra` checks this file against SST's own generated types.
 *
 * SST forbids top-level imports here: modules are loaded with `await import()` inside app()/run().
 */
export default $config({
  async app(input) {
    const { stageConfig, PRODUCTION_STAGE } = await import("./infra/stages");
    const stage = input?.stage ?? "";
    const production = stage === PRODUCTION_STAGE;
    return {
      name: "strength-tips",
      home: "aws",
      // Production keeps the table and its data when the stage is removed; other stages clean up.
      removal: production ? "retain" : "remove",
      protect: production,
      providers: { aws: { region: stageConfig(stage, process.env).region } },
    };
  },

  async run() {
    const wiring = await import("./infra/wiring");
    const { stageConfig, isPlaceholder } = await import("./infra/stages");
    const config = stageConfig($app.stage, process.env);
    const production = config.production;

    if (isPlaceholder(config)) {
      throw new Error(
        `Stage "${$app.stage}" still sends from the placeholder ${config.sender}: set the sender in ` +
          "infra/stages.ts (or TIPS_SENDER_EMAIL for a personal stage) before deploying.",
      );
    }

    // Compile the committed tips into functions/generated/content.ts before SST bundles the
    // Lambdas, so every deploy ships exactly what is in git.
    const { execSync } = await import("node:child_process");
    execSync("npm run build", { stdio: "inherit" });

    // ---- Links carry values, never permissions ---------------------------------------------
    // SST's built-in links grant dynamodb:* on the table, sqs:* on queues, sns:* on topics and
    // ses:* (plus SendEmail on *) for Email. Rewrapped, a link only passes values; each
    // function's IAM statements are its own, from the wiring table (least privilege).
    sst.Linkable.wrap(sst.aws.Dynamo, (table) => ({ properties: { name: table.name } }));
    sst.Linkable.wrap(sst.aws.Queue, (queue) => ({ properties: { url: queue.url } }));
    sst.Linkable.wrap(sst.aws.SnsTopic, (topic) => ({ properties: { arn: topic.arn } }));
    sst.Linkable.wrap(sst.aws.Email, (identity) => ({
      properties: { sender: identity.sender, configSet: identity.configSet },
    }));

    // ---- Data ------------------------------------------------------------------------------
    const table = new sst.aws.Dynamo("Subscribers", {
      fields: wiring.TABLE.fields,
      primaryIndex: wiring.TABLE.primaryIndex,
      globalIndexes: wiring.TABLE.globalIndexes,
      ttl: wiring.TABLE.ttl,
      deletionProtection: production,
      transform: {
        // SST turns point-in-time recovery on for every table; keep it (35 days of restores).
        table: (args) => {
          args.pointInTimeRecovery = { enabled: true };
        },
      },
    });

    // ---- Secrets ---------------------------------------------------------------------------
    // `kid:secret[,kid:secret…]`, the first signs: `npx sst secret set TokenKeys "k1:$(openssl
    // rand -hex 32)" --stage production`.
    const tokenKeys = new sst.Secret("TokenKeys");
    // The physical postal address every email must carry (CAN-SPAM).
    const postalAddress = new sst.Secret("PostalAddress");

    // ---- Email -----------------------------------------------------------------------------
    const sesEventsTopic = new sst.aws.SnsTopic("SesEvents");
    const account = aws.getCallerIdentityOutput({});
    const region = aws.getRegionOutput({});
    // SES publishes configuration-set events only to a topic that allows it to.
    const sesEventsPolicy = new aws.sns.TopicPolicy("SesEventsPolicy", {
      arn: sesEventsTopic.arn,
      policy: aws.iam.getPolicyDocumentOutput({
        statements: [
          {
            sid: "AllowSesEventPublishing",
            actions: ["sns:Publish"],
            principals: [{ type: "Service", identifiers: ["ses.amazonaws.com"] }],
            resources: [sesEventsTopic.arn],
            conditions: [
              { test: "StringEquals", variable: "AWS:SourceAccount", values: [account.accountId] },
              {
                test: "ArnLike",
                variable: "AWS:SourceArn",
                values: [
                  $interpolate`arn:aws:ses:${region.region}:${account.accountId}:configuration-set/*`,
                ],
              },
            ],
          },
        ],
      }).json,
    });

    const sendsFromDomain = !config.sender.includes("@");
    const email = new sst.aws.Email(
      "Email",
      {
        sender: config.sender,
        // A domain sender gets Easy DKIM (CNAMEs), DMARC (TXT) and a custom MAIL FROM subdomain
        // (MX + SPF TXT) so that SPF aligns with the From domain as well as DKIM.
        ...(sendsFromDomain
          ? { dmarc: config.dmarc, mailFrom: { domain: `mail.${config.sender}` } }
          : {}),
        dns: sendsFromDomain && config.dns === "route53" ? sst.aws.dns() : false,
        events: [
          { name: "bounces-complaints", types: ["bounce", "complaint"], topic: sesEventsTopic.arn },
        ],
      },
      { dependsOn: [sesEventsPolicy] },
    );

    // ---- Operator alerts --------------------------------------------------------------------
    // Every alarm notifies this topic; the stage's alertEmail (if set) gets an email from SNS
    // (confirm the subscription from that email once).
    const alerts = new sst.aws.SnsTopic("Alerts");
    if (config.alertEmail) {
      alerts.subscribe("AlertsEmail", config.alertEmail);
    }
    /**
     * A dead-letter queue that keeps what it holds for `retentionSeconds`, and an alarm on the
     * Alerts topic as soon as anything is in it: a message there is lost work until redriven
     * (`what` says what waits there).
     */
    const deadLetterQueue = (name: string, retentionSeconds: number, what: string) => {
      const queue = new sst.aws.Queue(name, {
        transform: {
          queue: (args) => {
            args.messageRetentionSeconds = retentionSeconds;
          },
        },
      });
      new aws.cloudwatch.MetricAlarm(`${name}Alarm`, {
        alarmDescription: `${what} waits in ${name}: fix the cause, then redrive it (README, Deploy).`,
        namespace: "AWS/SQS",
        metricName: wiring.ALARMS.deadLetterDepth.metric,
        dimensions: { QueueName: queue.nodes.queue.name },
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        threshold: wiring.ALARMS.deadLetterDepth.threshold,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [alerts.arn],
      });
      return queue;
    };

    // ---- Queue -----------------------------------------------------------------------------
    // Batches the sender gave up on after every redelivery: someone was not mailed this week.
    const sendDlq = deadLetterQueue(
      "SendDlq",
      wiring.SEND_QUEUE.dlqRetentionSeconds,
      "A send batch (someone not mailed this week)",
    );
    const sendQueue = new sst.aws.Queue("SendQueue", {
      visibilityTimeout: `${wiring.SEND_QUEUE.visibilityTimeoutSeconds} seconds`,
      dlq: { queue: sendDlq.arn, retry: wiring.SEND_QUEUE.maxReceiveCount },
    });

    // The confirmation outbox: signups wait here for their confirmation email.
    const confirmOutboxDlq = deadLetterQueue(
      "ConfirmOutboxDlq",
      wiring.CONFIRM_OUTBOX.dlqRetentionSeconds,
      "A signup without its confirmation",
    );
    const confirmOutbox = new sst.aws.Queue("ConfirmOutbox", {
      visibilityTimeout: `${wiring.CONFIRM_OUTBOX.visibilityTimeoutSeconds} seconds`,
      dlq: { queue: confirmOutboxDlq.arn, retry: wiring.CONFIRM_OUTBOX.maxReceiveCount },
    });

    // SES events whose handler failed after Lambda's retries (e.g. DynamoDB down): kept, alarmed.
    const sesEventsDlq = deadLetterQueue(
      "SesEventsDlq",
      wiring.SES_EVENTS.dlqRetentionSeconds,
      "A bounce or complaint not yet applied",
    );

    // ---- Send engine alarms (Alerts is declared above) ---------------------------------------
    // The sender stopped because SES said so (paused, suspended, daily quota): the sender logs it
    // at ERROR and counts it in this metric (functions/runtime/metrics.ts, EMF).
    new aws.cloudwatch.MetricAlarm("SendingStoppedAlarm", {
      alarmDescription: "The weekly sender stopped: SES paused, suspended or out of daily quota",
      namespace: wiring.METRICS_NAMESPACE,
      metricName: wiring.METRICS.sendingStopped,
      dimensions: { service: "sender" },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [alerts.arn],
    });

    // ---- HTTP API --------------------------------------------------------------------------
    const api = new sst.aws.ApiGatewayV2("Api", {
      cors: wiring.API.cors,
      ...(config.siteDomain
        ? {
            domain: {
              name: config.siteDomain,
              ...(config.dns === "route53"
                ? { dns: sst.aws.dns() }
                : { dns: false as const, cert: config.certificateArn }),
            },
          }
        : {}),
      transform: {
        api: (args) => {
          // With a custom domain, the execute-api URL would be a second, HSTS-less way in.
          if (config.siteDomain && wiring.API.disableExecuteApiEndpointWithDomain) {
            args.disableExecuteApiEndpoint = true;
          }
        },
        stage: (args) => {
          args.defaultRouteSettings = {
            throttlingBurstLimit: wiring.API_THROTTLING.burstLimit,
            throttlingRateLimit: wiring.API_THROTTLING.rateLimit,
          };
          // Each route its own bucket: a signup flood never starves one-click unsubscribes.
          args.routeSettings = Object.entries(wiring.ROUTE_THROTTLING).map(([routeKey, limit]) => ({
            routeKey,
            throttlingBurstLimit: limit.burstLimit,
            throttlingRateLimit: limit.rateLimit,
          }));
        },
      },
    });

    // ---- Settings --------------------------------------------------------------------------
    const settings = new sst.Linkable("Settings", {
      properties: {
        baseUrl: config.siteDomain ? `https://${config.siteDomain}` : api.url,
        fromAddress: wiring.fromAddress(config.sender),
        postalAddress: postalAddress.value,
        configurationSet: email.configSet,
        ...(config.unsubscribeMailto ? { unsubscribeMailto: config.unsubscribeMailto } : {}),
        ...(config.defaultTimeZone ? { defaultTimeZone: config.defaultTimeZone } : {}),
        ...(config.replyTo ? { replyTo: config.replyTo } : {}),
        ...wiring.SETTINGS,
      },
    });

    // ---- Functions -------------------------------------------------------------------------
    type LinkName = (typeof wiring.LINK_NAMES)[number];
    type FunctionKey = keyof typeof wiring.FUNCTIONS;
    const links: Record<LinkName, unknown> = {
      Subscribers: table,
      TokenKeys: tokenKeys,
      SendQueue: sendQueue,
      Settings: settings,
      Email: email,
      ConfirmOutbox: confirmOutbox,
      SesEvents: sesEventsTopic,
    };

    // What the wiring table's IAM statements name.
    type IamResource = import("./infra/wiring").IamResource;
    const iamResources: Record<IamResource, $util.Input<string>[]> = {
      table: [table.arn],
      activeIndex: [$interpolate`${table.arn}/index/${wiring.ACTIVE_INDEX_NAME}`],
      identity: [email.nodes.identity.arn],
      configurationSet: [email.nodes.configurationSet.arn],
      sendQueue: [sendQueue.arn],
      confirmOutbox: [confirmOutbox.arn],
      sesEventsDlq: [sesEventsDlq.arn],
      "*": ["*"],
    };
    const conditionValue = (value: string) =>
      value === wiring.FROM_ADDRESS ? wiring.senderAddress(config.sender) : value;

    function functionArgs(key: FunctionKey): sst.aws.FunctionArgs {
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
          ...(p.conditions
            ? {
                conditions: p.conditions.map((c) => ({
                  test: c.test,
                  variable: c.variable,
                  values: c.values.map(conditionValue),
                })),
              }
            : {}),
        })),
        // The AWS SDK is bundled with our code, not taken from the Lambda runtime: why, in
        // infra/wiring.ts (NODEJS_BUNDLE). test/bundle.test.ts measures the bundles built so.
        nodejs: {
          format: wiring.NODEJS_BUNDLE.format,
          minify: wiring.NODEJS_BUNDLE.minify,
          esbuild: { external: [...wiring.NODEJS_BUNDLE.external] },
        },
      };
    }

    // One Lambda serves every route; each route points at its ARN.
    const apiFunction = new sst.aws.Function("ApiHandler", functionArgs("api"));
    for (const route of wiring.API_ROUTES) {
      api.route(route, apiFunction.arn);
    }

    const weeklyPlanner = new sst.aws.CronV2("WeeklyPlanner", {
      schedule: wiring.WEEKLY_SCHEDULE,
      timezone: wiring.WEEKLY_TIMEZONE,
      event: wiring.WEEKLY_EVENT,
      function: functionArgs("weekly"),
    });

    sendQueue.subscribe(functionArgs("sendBatch"), {
      batch: {
        size: wiring.SEND_QUEUE.batchSize,
        partialResponses: wiring.SEND_QUEUE.partialResponses,
      },
      transform: {
        // SST 4 has no argument for it: cap how many senders SQS runs at once (SES rate).
        eventSourceMapping: (args) => {
          args.scalingConfig = { maximumConcurrency: wiring.SEND_QUEUE.maximumConcurrency };
        },
      },
    });

    // The confirmation outbox's consumer; a failed signup is retried, then dead-lettered.
    confirmOutbox.subscribe(functionArgs("confirmOutbox"), {
      batch: {
        size: wiring.CONFIRM_OUTBOX.batchSize,
        partialResponses: wiring.CONFIRM_OUTBOX.partialResponses,
      },
    });

    // SNS invokes the handler asynchronously: after Lambda's retries a failed event goes to
    // SesEventsDlq (alarmed), never lost.
    const sesEventsHandler = new sst.aws.Function("SesEventsHandler", functionArgs("sesEvents"));
    new aws.lambda.FunctionEventInvokeConfig("SesEventsRetries", {
      functionName: sesEventsHandler.name,
      maximumRetryAttempts: wiring.SES_EVENTS.maximumRetryAttempts,
      destinationConfig: { onFailure: { destination: sesEventsDlq.arn } },
    });
    sesEventsTopic.subscribe("SesEventsSubscription", sesEventsHandler.arn);

    // ---- Reputation breaker -----------------------------------------------------------------
    // Half of SES's review thresholds: notify the operator and pause the configuration set.
    const pauseSending = new sst.aws.Function("PauseSending", functionArgs("pauseSending"));
    new aws.lambda.Permission("PauseSendingFromAlarms", {
      action: "lambda:InvokeFunction",
      function: pauseSending.name,
      principal: "lambda.alarms.cloudwatch.amazonaws.com",
      sourceAccount: account.accountId,
    });
    for (const [name, alarm] of [
      ["BounceRateAlarm", wiring.ALARMS.bounceRate],
      ["ComplaintRateAlarm", wiring.ALARMS.complaintRate],
    ] as const) {
      new aws.cloudwatch.MetricAlarm(name, {
        alarmDescription: `${alarm.metric} ≥ ${alarm.threshold}: half of SES's review threshold. Sending through the configuration set is paused; fix the cause, then resume it (README).`,
        namespace: "AWS/SES",
        metricName: alarm.metric,
        statistic: "Maximum",
        period: wiring.ALARMS.periodSeconds,
        evaluationPeriods: 1,
        threshold: alarm.threshold,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [alerts.arn, pauseSending.arn],
      });
    }

    return {
      api: api.url,
      site: config.siteDomain ? `https://${config.siteDomain}` : api.url,
      table: table.name,
      sendQueue: sendQueue.url,
      sendDlq: sendDlq.url,
      confirmOutboxDlq: confirmOutboxDlq.url,
      sesEventsDlq: sesEventsDlq.url,
      alerts: alerts.arn,
      configurationSet: email.configSet,
      // For a manual run (README, "Send a test issue"): aws lambda invoke --function-name <this>
      weeklyPlanner: weeklyPlanner.nodes.function.name,
    };
  },
});
