/**
 * Sending: the SES identity and configuration set (reputation metrics on), and the way back for
 * bounces, complaints and the weekly set's deliveries: configuration set → SesEvents topic → SesEventsQueue (a dead-letter
 * queue behind it) → the SES events function (infra/functions.ts).
 */
import { deadLetterQueue } from "./alerts";
import { account, config, region, sendsFromDomain } from "./config";
import { confirmationSetName, SES_EVENTS } from "./wiring";

export const sesEventsTopic = new sst.aws.SnsTopic("SesEvents");

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

export const email = new sst.aws.Email(
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
      // Deliveries too, for the stats (counted once per reader and week: core/feedback.ts).
      {
        name: "bounces-complaints",
        types: ["bounce", "complaint", "delivery"],
        topic: sesEventsTopic.arn,
      },
    ],
    transform: {
      // The set's own bounce and complaint rates, for the breaker's alarms (infra/functions.ts).
      // The list's own suppression (a bounce or complaint takes the reader off) is the only one:
      // the account-level list would silently drop a reader who signed up again and confirmed.
      configurationSet: (args) => {
        args.reputationOptions = { reputationMetricsEnabled: true };
        args.suppressionOptions = { suppressedReasons: [] };
      },
    },
  },
  { dependsOn: [sesEventsPolicy] },
);

/**
 * Confirmation emails go through a set of their own: their bounces (strangers' made-up
 * addresses) count in its own reputation metrics, and its breaker pauses only confirmations.
 * Its bounces and complaints reach the same topic, so they take addresses off the list too.
 */
export const confirmationSet = new aws.sesv2.ConfigurationSet("ConfirmationsConfigSet", {
  configurationSetName: confirmationSetName($app.stage),
  reputationOptions: { reputationMetricsEnabled: true },
  // A mailbox that bounced once may sign up again and must get its confirmation (the list's
  // own suppression decides), so SES's account-level list is not applied here either.
  suppressionOptions: { suppressedReasons: [] },
});
new aws.sesv2.ConfigurationSetEventDestination(
  "ConfirmationsBouncesComplaints",
  {
    configurationSetName: confirmationSet.configurationSetName,
    eventDestinationName: "bounces-complaints",
    eventDestination: {
      enabled: true,
      matchingEventTypes: ["BOUNCE", "COMPLAINT"],
      snsDestination: { topicArn: sesEventsTopic.arn },
    },
  },
  { dependsOn: [sesEventsPolicy] },
);

/** Events whose handler kept failing (e.g. DynamoDB unavailable): kept, alarmed, redrivable. */
export const sesEventsDlq = deadLetterQueue(
  "SesEventsDlq",
  SES_EVENTS.dlqRetentionSeconds,
  "An SES event (a bounce, a complaint, a delivery) not yet applied",
);

export const sesEventsQueue = new sst.aws.Queue("SesEventsQueue", {
  visibilityTimeout: `${SES_EVENTS.visibilityTimeoutSeconds} seconds`,
  dlq: { queue: sesEventsDlq.arn, retry: SES_EVENTS.maxReceiveCount },
});

/** A policy that lets only the SesEvents topic send to `queue`. */
function onlyTheEventsTopic(name: string, sid: string, queue: sst.aws.Queue) {
  return new aws.sqs.QueuePolicy(name, {
    queueUrl: queue.url,
    policy: aws.iam.getPolicyDocumentOutput({
      statements: [
        {
          sid,
          actions: ["sqs:SendMessage"],
          principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
          resources: [queue.arn],
          conditions: [
            { test: "ArnEquals", variable: "aws:SourceArn", values: [sesEventsTopic.arn] },
          ],
        },
      ],
    }).json,
  });
}

// Only the SesEvents topic may write to the queue (SST's own queue policy would let any topic).
const sesEventsQueuePolicy = onlyTheEventsTopic(
  "SesEventsQueuePolicy",
  "OnlyTheSesEventsTopic",
  sesEventsQueue,
);
// What SNS cannot deliver to the queue (its policy or the queue broken) goes to the dead-letter
// queue, alarmed like the rest, rather than being dropped after SNS's retries.
const sesEventsDlqPolicy = onlyTheEventsTopic(
  "SesEventsDlqPolicy",
  "UndeliveredFromTheSesEventsTopic",
  sesEventsDlq,
);

// The SNS envelope is kept (no raw delivery): the handler checks the topic it names, and a
// message SNS dead-letters has the same envelope, so a redrive brings it back as it was.
new aws.sns.TopicSubscription(
  "SesEventsToQueue",
  {
    topic: sesEventsTopic.arn,
    protocol: "sqs",
    endpoint: sesEventsQueue.arn,
    rawMessageDelivery: false,
    redrivePolicy: $jsonStringify({ deadLetterTargetArn: sesEventsDlq.arn }),
  },
  { dependsOn: [sesEventsQueuePolicy, sesEventsDlqPolicy] },
);

export interface DnsRecord {
  type: "CNAME" | "MX" | "TXT";
  name: string;
  value: string;
}

/**
 * The records a domain sender needs when nobody writes them for us (dns "manual"): a stack
 * output, and printed during the deploy as soon as SES has made the DKIM tokens, because SST
 * then waits for the domain's verification.
 */
export const dnsRecords =
  sendsFromDomain && config.dns === "manual"
    ? $resolve([email.nodes.identity.dkimSigningAttributes, region.region]).apply(
        ([dkim, regionName]) => {
          const domain = config.sender;
          const records: DnsRecord[] = [
            ...((typeof dkim === "object" ? dkim.tokens : undefined) ?? []).map((token) => ({
              type: "CNAME" as const,
              name: `${token}._domainkey.${domain}`,
              value: `${token}.dkim.amazonses.com`,
            })),
            {
              type: "MX",
              name: `mail.${domain}`,
              value: `10 feedback-smtp.${regionName}.amazonses.com`,
            },
            { type: "TXT", name: `mail.${domain}`, value: "v=spf1 include:amazonses.com ~all" },
            { type: "TXT", name: `_dmarc.${domain}`, value: config.dmarc },
          ];
          $util.log.info(
            `Add these DNS records for ${domain}; SES verifies the domain once they resolve:\n` +
              records.map((r) => `  ${r.type}\t${r.name}\t${r.value}`).join("\n"),
          );
          return records;
        },
      )
    : undefined;
