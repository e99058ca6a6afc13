/// <reference path="./.sst/platform/config.d.ts" />
/**
 * Weekly Strength Tips for Runners on AWS: an HTTP API (signup, opt-in, unsubscribe, web view),
 * an hourly planner on EventBridge Scheduler, an SQS-fed sender, SES v2 with bounce, complaint and
 * delivery events through SNS and SQS, one DynamoDB table whose stream publishes the readers'
 * events on an EventBridge bus, and alarms that email the operator.
 *
 * The parts live in infra/*.ts (loaded in order below), their numbers in infra/wiring.ts and the
 * per-stage values in infra/stages.ts. `npm run infra:graph` evaluates this program offline.
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
    const { config } = await import("./infra/config");
    await import("./infra/links");
    await import("./infra/alerts");
    const { table } = await import("./infra/storage");
    const { email, confirmationSet, sesEventsDlq, dnsRecords } = await import("./infra/email");
    const { sendQueue, sendDlq, confirmOutboxDlq } = await import("./infra/queues");
    const { api, baseUrl, siteRecord } = await import("./infra/api");
    const { weeklyPlanner } = await import("./infra/functions");
    const { bus } = await import("./infra/bus");
    await import("./infra/events");
    const { inboundRecord } = await import("./infra/inbound");
    const { alerts } = await import("./infra/alerts");

    return {
      site: baseUrl,
      api: api.url,
      table: table.name,
      sendQueue: sendQueue.url,
      // Redrive each with `aws sqs start-message-move-task --source-arn <arn>` (docs/operating.md).
      sendDlq: sendDlq.arn,
      confirmOutboxDlq: confirmOutboxDlq.arn,
      sesEventsDlq: sesEventsDlq.arn,
      alerts: alerts.arn,
      // The readers' events (docs/events.md): subscribe with a rule on this bus.
      eventBus: bus.name,
      alertEmail: config.alertEmail ?? "none: alarms reach nobody (set TIPS_ALERT_EMAIL)",
      configurationSet: email.configSet,
      weeklyPlanner: weeklyPlanner.nodes.function.name,
      unsubscribeMailto:
        config.unsubscribeMailto ?? "none: the emails offer the one-click link alone",
      // Where DNS is written by hand: every record the stage needs, the site's and the inbound
      // domain's with the sender's.
      ...(dnsRecords
        ? {
            dnsRecords: dnsRecords.apply((records) =>
              $output(siteRecord).apply((site) => [
                ...records,
                ...(site ? [site] : []),
                ...(inboundRecord ? [inboundRecord] : []),
              ]),
            ),
          }
        : {}),
      region: config.region,
      confirmationSet: confirmationSet.configurationSetName,
    };
  },
});
