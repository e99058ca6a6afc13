/**
 * The wiring table of the newsletter's infrastructure: which Lambda runs which handler, what it is
 * linked to, how long it may run, and the numbers the resources are built with. A plain module
 * (no SST globals), read by infra/*.ts and by local tools; test/infra checks the deployed result.
 */

/**
 * Names of the linked resources. They are the keys of `Resource` in functions/config.ts, so they
 * are also the component names in sst.config.ts.
 */
export type LinkName =
  | "Subscribers"
  | "Keys"
  | "SendQueue"
  | "Settings"
  | "Email"
  | "ConfirmOutbox"
  | "SesEvents"
  | "Events";

export const LINK_NAMES: readonly LinkName[] = [
  "Subscribers",
  "Keys",
  "SendQueue",
  "Settings",
  "Email",
  "ConfirmOutbox",
  "SesEvents",
  "Events",
];

/**
 * What an IAM statement may name; infra/functions.ts turns each into the deployed resource's ARN.
 * Links grant nothing by themselves (sst.config.ts wraps every linkable component so that it
 * carries values only): every permission a function has is one of the statements below.
 */
export type IamResource =
  | "table"
  | "activeIndex"
  | "identity"
  | "configurationSet"
  /** The configuration set of confirmation emails (its own reputation and breaker). */
  | "confirmationSet"
  /** The SSM SecureString parameters of the token keyring and of the id key (keyParameter). */
  | "tokenKeysParameter"
  | "idKeyParameter"
  | "sendQueue"
  | "confirmOutbox"
  /** The EventBridge bus of the readers' events. */
  | "eventBus"
  /** Only for actions that have no resource-level scope (ses:GetAccount). */
  | "*";

export interface IamCondition {
  test: "StringEquals";
  variable: string;
  /** "<fromAddress>" is the bare sender address (senderAddress()), resolved at deploy. */
  values: readonly string[];
}

export interface IamStatement {
  actions: readonly string[];
  resources: readonly IamResource[];
  conditions?: readonly IamCondition[];
}

/** Placeholder for the bare From address in IAM conditions. */
export const FROM_ADDRESS = "<fromAddress>";

/**
 * Each statement names what one piece of handler code calls (test/infra/functions.test.ts runs
 * every handler with its deployed links and records the AWS calls it makes).
 */
const IAM = {
  getItem: { actions: ["dynamodb:GetItem"], resources: ["table"] },
  putItem: { actions: ["dynamodb:PutItem"], resources: ["table"] },
  updateItem: { actions: ["dynamodb:UpdateItem"], resources: ["table"] },
  queryActive: { actions: ["dynamodb:Query"], resources: ["activeIndex"] },
  /**
   * SendEmail only, from our own address, through our configuration set. SES v2 authorizes
   * SendEmail against the From identity and the configuration set (and, while the account is in
   * the sandbox, the recipient's identity too): production names its own identity; other stages
   * name identity/* so that a sandboxed account can send to verified recipients. The From
   * condition keeps every stage to its own address.
   */
  sendEmail: {
    actions: ["ses:SendEmail"],
    resources: ["identity", "configurationSet"],
    conditions: [{ test: "StringEquals", variable: "ses:FromAddress", values: [FROM_ADDRESS] }],
  },
  /** Confirmation emails: the same, through the confirmations' own configuration set. */
  sendConfirmation: {
    actions: ["ses:SendEmail"],
    resources: ["identity", "confirmationSet"],
    conditions: [{ test: "StringEquals", variable: "ses:FromAddress", values: [FROM_ADDRESS] }],
  },
  /** The stage's keys, read at cold start through Powertools Parameters (runtime/keys.ts). */
  readTokenKeys: { actions: ["ssm:GetParameter"], resources: ["tokenKeysParameter"] },
  readIdKey: { actions: ["ssm:GetParameter"], resources: ["idKeyParameter"] },
  /** The account's live quota and rate; GetAccount has no resource-level scope. */
  getAccount: { actions: ["ses:GetAccount"], resources: ["*"] },
  /** Whether the configuration set is paused (the reputation breaker). */
  getConfigurationSet: { actions: ["ses:GetConfigurationSet"], resources: ["configurationSet"] },
  pauseSending: {
    actions: ["ses:PutConfigurationSetSendingOptions"],
    resources: ["configurationSet", "confirmationSet"],
  },
  enqueueSend: { actions: ["sqs:SendMessage"], resources: ["sendQueue"] },
  enqueueConfirmation: { actions: ["sqs:SendMessage"], resources: ["confirmOutbox"] },
  publishEvents: { actions: ["events:PutEvents"], resources: ["eventBus"] },
} as const satisfies Record<string, IamStatement>;

export interface FunctionWiring {
  /** Path of the handler module from the repository root; it must export `handler`. */
  file: string;
  /** The SST handler string: the file without its extension, then `.handler`. */
  handler: string;
  links: readonly LinkName[];
  timeoutSeconds: number;
  memoryMb: number;
  /** Every IAM permission of the function (links grant none). */
  permissions: readonly IamStatement[];
  description: string;
}

function wire(file: string, rest: Omit<FunctionWiring, "file" | "handler">): FunctionWiring {
  return { file, handler: `${file.replace(/\.ts$/, "")}.handler`, ...rest };
}

/**
 * Lambda runtime. nodejs24.x: the newest Node LTS that SST 4.17 offers (nodejs20.x | 22.x | 24.x);
 * AWS supports it longest (nodejs22.x is deprecated in 2027), and our handlers are plain ES2022
 * async functions, so nothing depends on the older runtimes.
 */
export const RUNTIME = "nodejs24.x";

/**
 * arm64 (Graviton): about 20% cheaper per GB-second than x86_64 for the same memory, and our
 * bundle is pure JavaScript (AWS SDK v3, zod, the prebuilt content) with no native modules, so
 * nothing needs an x86 build.
 */
export const ARCHITECTURE = "arm64";

/**
 * How SST bundles every Lambda (the `nodejs` function args in sst.config.ts), and how
 * test/bundle.test.ts and `npm run bench:send` measure the bundles (scripts/lambda-bundle.ts),
 * read from here by both so they cannot drift. `format` and `minify` are set explicitly rather than
 * left to SST's defaults.
 *
 * The AWS SDK is bundled (nothing external), as AWS advises for production: the SDK version that
 * runs is the one in package-lock.json that the tests ran against, and the tree-shaken, minified
 * clients start faster than the runtime's copy, which is many files resolved at import
 * (docs/performance.md has each bundle's size and cold start).
 */
export const NODEJS_BUNDLE = {
  format: "esm",
  minify: true,
  external: [],
} as const satisfies { format: "esm" | "cjs"; minify: boolean; external: readonly string[] };

/** The sender's SQS consumer: one message (one batch of recipients) per invocation. */
export const SENDER_CONCURRENCY = 4;

export const FUNCTIONS = {
  /** ONE Lambda behind the HTTP API serves every route in API_ROUTES. */
  api: wire("functions/http/api.ts", {
    description:
      "Signup page, double opt-in, one-click unsubscribe, /manage, archive, feed, click redirect",
    links: ["Subscribers", "Keys", "Settings", "ConfirmOutbox"],
    timeoutSeconds: 10,
    memoryMb: 512,
    // Reads a reader, counts rates, confirms and unsubscribes, erases (a PutItem of the erasure
    // mark over the record), counts a tip's clicks; the welcome email, on a slot of the account's
    // send schedule (an UpdateItem; the rate from GetAccount); its keys.
    permissions: [
      IAM.getItem,
      IAM.putItem,
      IAM.updateItem,
      IAM.sendEmail,
      IAM.getAccount,
      IAM.enqueueConfirmation,
      IAM.readTokenKeys,
      IAM.readIdKey,
    ],
  }),
  /** The confirmation outbox: writes each queued signup and sends its confirmation. */
  confirmOutbox: wire("functions/events/confirm-outbox.ts", {
    description: "Confirmation outbox: write each signup, send its confirmation (retried)",
    links: ["Subscribers", "Keys", "Settings"],
    timeoutSeconds: 30,
    memoryMb: 256,
    // Creates or renews the signup, takes its mailbox slot and its shares of the hour's budget,
    // sends its confirmation through the confirmations' configuration set, on a slot of the
    // account's send schedule (the rate from GetAccount).
    permissions: [
      IAM.getItem,
      IAM.putItem,
      IAM.updateItem,
      IAM.sendConfirmation,
      IAM.getAccount,
      IAM.readTokenKeys,
      IAM.readIdKey,
    ],
  }),
  /** The weekly planner: picks the week's tip and enqueues batches of recipients. */
  weekly: wire("functions/cron/weekly.ts", {
    description: "Weekly planner: enqueue this week's send in batches",
    links: ["Subscribers", "SendQueue", "Settings"],
    timeoutSeconds: 900,
    memoryMb: 512,
    // Lists who is due, moves caught-up readers on, enqueues; asks SES whether it would take
    // any send (account and configuration set) and how much of the day's quota is left.
    permissions: [
      IAM.queryActive,
      IAM.updateItem,
      IAM.enqueueSend,
      IAM.getAccount,
      IAM.getConfigurationSet,
    ],
  }),
  /** The sender: consumes SendQueue, sends through SES within the account's rate. */
  sendBatch: wire("functions/events/send-batch.ts", {
    description: "Sender: SendQueue messages (batches of recipients), ten per invocation",
    links: ["Subscribers", "Keys", "Settings", "SendQueue"],
    timeoutSeconds: 300,
    memoryMb: 512,
    // Claims (reading a reader whose record changed), records, paces; sends within the quota;
    // signs the links; puts back on SendQueue whom its time limit left.
    permissions: [
      IAM.getItem,
      IAM.updateItem,
      IAM.sendEmail,
      IAM.getAccount,
      IAM.getConfigurationSet,
      IAM.enqueueSend,
      IAM.readTokenKeys,
    ],
  }),
  /** SES bounce, complaint and delivery events: SNS topic → SesEventsQueue → this consumer. */
  sesEvents: wire("functions/events/ses.ts", {
    description: "SES events: suppress bounced and complained addresses, count deliveries",
    links: ["Subscribers", "SesEvents", "Keys"],
    timeoutSeconds: 30,
    memoryMb: 256,
    // Finds each address's record by its keyed hash (the id key): suppresses it, or records the
    // delivery; moves the counters.
    permissions: [IAM.updateItem, IAM.readIdKey],
  }),
  /**
   * The reputation breaker: a bounce or complaint rate alarm pauses the configuration set it is
   * about: the weekly set, or the confirmations' (whose bounces then stop only confirmations).
   */
  pauseSending: wire("functions/events/pause-sending.ts", {
    description: "Reputation breaker: pause the configuration set of a rate alarm",
    links: ["Email", "Settings"],
    timeoutSeconds: 30,
    memoryMb: 128,
    permissions: [IAM.pauseSending],
  }),
  /**
   * Mail to the List-Unsubscribe mailto: an SES receipt rule invokes it (infra/inbound.ts, only
   * on stages that receive mail).
   */
  unsubscribeMail: wire("functions/events/unsubscribe-mail.ts", {
    description: "Unsubscribe by mail: SES receipt rule for the List-Unsubscribe mailto",
    links: ["Subscribers", "Keys", "Settings"],
    timeoutSeconds: 30,
    memoryMb: 256,
    // Reads the reader (their links' sign-out), unsubscribes, and declines the mailbox of a
    // signup never confirmed (a PutItem of its slots item); its keys.
    permissions: [IAM.getItem, IAM.putItem, IAM.updateItem, IAM.readTokenKeys, IAM.readIdKey],
  }),
  /**
   * The readers' events: the table's stream (subscribers' items only) → EventBridge. Reading the
   * stream is SST's subscriber grant; publishing is its own statement.
   */
  tableStream: wire("functions/events/table-stream.ts", {
    description: "Readers' events: the table's stream to the EventBridge bus",
    links: ["Events"],
    timeoutSeconds: 60,
    memoryMb: 256,
    permissions: [IAM.publishEvents],
  }),
} as const satisfies Record<string, FunctionWiring>;

export type FunctionKey = keyof typeof FUNCTIONS;

/** Routes of the HTTP API, all served by FUNCTIONS.api (API Gateway HTTP API, payload v2). */
export const API_ROUTES = [
  "GET /",
  // The "Check your inbox" page's address, revisited: the signup page again.
  "GET /subscribe",
  "POST /subscribe",
  "GET /confirm",
  "POST /confirm",
  "GET /unsubscribe",
  "POST /unsubscribe",
  "GET /view/{slug}",
  "GET /tips",
  "GET /tips/{slug}",
  "GET /feed.xml",
  "GET /feed.xsl",
  "GET /manage",
  "POST /manage",
  "GET /privacy",
  "GET /r/{token}",
  "HEAD /r/{token}",
  // Every other request: the site's own 404 page (or 405 for a known path), not API Gateway's
  // JSON.
  "$default",
] as const;

/**
 * When the planner runs: every hour, on the hour (EventBridge Scheduler cron syntax: minutes hours
 * day-of-month month day-of-week year). Each pass plans the readers whose own delivery slot
 * (Monday 07:00 where they live, core/schedule.ts) has passed in their own week and who have not
 * had that week's tip; the active index is sorted by each reader's next due instant, so a pass
 * reads only them. A reader a pass missed (a planner that died, a dead-lettered batch) is still
 * due at the next. The deploy guide (docs/deploying.md) quotes it.
 */
export const WEEKLY_SCHEDULE = "cron(0 * * * ? *)";
export const WEEKLY_TIMEZONE = "UTC";

/**
 * The event the planner receives. EventBridge Scheduler (sst.aws.CronV2) sends a fixed JSON
 * payload, not an EventBridge "Scheduled Event", so the fields the handler reads are filled from
 * Scheduler's context attributes: `time` is the scheduled time (the same on every retry, so the
 * ISO week never shifts), `id` is unique per attempt.
 */
export const WEEKLY_EVENT = {
  id: "<aws.scheduler.execution-id>",
  time: "<aws.scheduler.scheduled-time>",
} as const;

/** HTTP API stage default route throttling: a signup form needs little, abuse gets 429s. */
export const API_THROTTLING = { burstLimit: 50, rateLimit: 20 } as const;

/**
 * Per-route throttles (stage route settings), so that one route's flood never starves another:
 * API Gateway keeps a separate bucket per route. Signups get the smallest share; the RFC 8058
 * one-click POST that mailbox providers send after a weekly send gets the largest, of its own.
 */
export const ROUTE_THROTTLING: Readonly<
  Record<(typeof API_ROUTES)[number], { burstLimit: number; rateLimit: number }>
> = {
  "GET /": { burstLimit: 50, rateLimit: 20 },
  "GET /subscribe": { burstLimit: 20, rateLimit: 10 },
  "POST /subscribe": { burstLimit: 10, rateLimit: 5 },
  "GET /confirm": { burstLimit: 20, rateLimit: 10 },
  "POST /confirm": { burstLimit: 20, rateLimit: 10 },
  "GET /unsubscribe": { burstLimit: 100, rateLimit: 50 },
  "POST /unsubscribe": { burstLimit: 200, rateLimit: 100 },
  "GET /view/{slug}": { burstLimit: 50, rateLimit: 20 },
  "GET /tips": { burstLimit: 50, rateLimit: 20 },
  "GET /tips/{slug}": { burstLimit: 100, rateLimit: 50 },
  "GET /feed.xml": { burstLimit: 50, rateLimit: 20 },
  "GET /feed.xsl": { burstLimit: 50, rateLimit: 20 },
  "GET /manage": { burstLimit: 20, rateLimit: 10 },
  "POST /manage": { burstLimit: 20, rateLimit: 10 },
  "GET /privacy": { burstLimit: 50, rateLimit: 20 },
  // After a weekly send readers follow their tip's links: its own, larger bucket.
  "GET /r/{token}": { burstLimit: 200, rateLimit: 100 },
  "HEAD /r/{token}": { burstLimit: 50, rateLimit: 20 },
  // Mistyped addresses and scanners: a small bucket.
  $default: { burstLimit: 20, rateLimit: 10 },
};

/**
 * The HTTP API itself: no CORS (no other site's script may read our answers; SST's default would
 * answer `Access-Control-Allow-Origin: *`), and with a custom domain the default execute-api
 * URL is turned off, so the custom domain (HSTS, the Origin check's one origin) is the only way in.
 */
export const API = { cors: false, disableExecuteApiEndpointWithDomain: true } as const;

/**
 * AWS's guidance for a queue that feeds a Lambda: a visibility timeout of at least six times the
 * function's timeout, so that Lambda's own retries of a throttled invocation fit in it.
 */
const visibilityFor = (fn: FunctionWiring) => 6 * fn.timeoutSeconds;

/** The confirmation outbox (ConfirmOutbox) and its dead-letter queue. */
export const CONFIRM_OUTBOX = {
  /** Also how long a failed or deferred signup waits before its next try. */
  visibilityTimeoutSeconds: visibilityFor(FUNCTIONS.confirmOutbox),
  /** 180 s × 40 receives = 2 h of retries (SES outage, or a spent hourly budget) before the DLQ. */
  maxReceiveCount: 40,
  dlqRetentionSeconds: 14 * 24 * 60 * 60,
  batchSize: 10,
  partialResponses: true,
} as const;

/** SES events: the topic delivers to this queue (SNS envelope kept), the handler consumes it. */
export const SES_EVENTS = {
  visibilityTimeoutSeconds: visibilityFor(FUNCTIONS.sesEvents),
  /** 180 s × 10 receives = 30 min of retries (e.g. DynamoDB unavailable) before the DLQ. */
  maxReceiveCount: 10,
  dlqRetentionSeconds: 14 * 24 * 60 * 60,
  batchSize: 10,
  partialResponses: true,
} as const;

/**
 * Alarms, every one on the Alerts topic. Reputation: SES puts an account under review at a 5 %
 * bounce rate or a 0.1 % complaint rate; we alarm, and pause the configuration set, at half of
 * each, on the set's own metrics (one stage cannot trip another's breaker). Dead letters: any
 * message in a dead-letter queue is lost work until someone redrives it.
 */
export const ALARMS = {
  bounceRate: { metric: "Reputation.BounceRate", threshold: 0.025 },
  complaintRate: { metric: "Reputation.ComplaintRate", threshold: 0.0005 },
  /** The dimension of a configuration set's own reputation metrics. */
  configurationSetDimension: "ses:configuration-set",
  periodSeconds: 900,
  deadLetterDepth: { metric: "ApproximateNumberOfMessagesVisible", threshold: 1 },
  /** Any planner invocation that failed (it runs hourly; the next pass retries the readers). */
  plannerErrors: { metric: "Errors", threshold: 1, periodSeconds: 3600 },
  /** Hours in a row without a planner invocation (it runs every hour) before the alarm. */
  plannerSilent: { metric: "Invocations", periodSeconds: 3600, hours: 2 },
  /** Any 5xx answer of the API in five minutes: bad input gets a 4xx, so a 5xx is a fault. */
  api5xx: { metric: "5xx", threshold: 1, periodSeconds: 300 },
  /**
   * A send batch waiting this long: senders are failing or SES's rate is too low for the list
   * (at 14 emails/s two hours is some 100,000 emails).
   */
  sendQueueAge: { metric: "ApproximateAgeOfOldestMessage", thresholdSeconds: 2 * 60 * 60 },
} as const;

/** SendQueue and its dead-letter queue. */
export const SEND_QUEUE = {
  /** Six times the sender's timeout (AWS's guidance), so no live sender's batch is redelivered. */
  visibilityTimeoutSeconds: visibilityFor(FUNCTIONS.sendBatch),
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: 5,
  /** Keep dead letters for the SQS maximum, 14 days, to inspect and redrive them. */
  dlqRetentionSeconds: 14 * 24 * 60 * 60,
  /**
   * Messages (each a batch of `batchSize` recipients) per invocation: the worker starts each as
   * the one before takes its last recipient, so one slow call holds back none of the others.
   */
  batchSize: 10,
  /** Report failed message ids instead of failing the whole batch. */
  partialResponses: true,
  /** Event source mapping `scalingConfig.maximumConcurrency` (AWS allows 2 to 1000). */
  maximumConcurrency: SENDER_CONCURRENCY,
} as const;

/**
 * The table's stream and the function that reads it. A publish that fails is retried from that
 * record until EventBridge takes it (DynamoDB keeps a stream's records 24 hours), one batch at a
 * time per shard, so a reader's events stay in order; the iterator's age alarms after an hour.
 */
export const TABLE_STREAM = {
  view: "new-and-old-images",
  batchSize: 100,
  /** -1: until the record leaves the stream. */
  maximumRetryAttempts: -1,
  /** Only subscribers' items (not counters, rate windows, mailbox slots, turns). */
  filters: [{ dynamodb: { Keys: { pk: { S: [{ prefix: "SUB#" }] } } } }],
  iteratorAgeAlarmMs: 60 * 60 * 1000,
} as const;

/** The source of every event on the bus (functions/core/events.ts EVENT_SOURCE). */
export const EVENTS_SOURCE = "strength-tips";

/** The sparse GSI of active subscribers (functions/adapters/dynamo-table.ts ACTIVE_INDEX). */
export const ACTIVE_INDEX_NAME = "active";

/** The Subscribers table; the same key design as functions/adapters/dynamo-table.ts. */
export const TABLE = {
  fields: { pk: "string", sk: "string", gsi1pk: "string", gsi1sk: "string" },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  /** Sparse: only active subscribers carry gsi1pk = ACTIVE#0..ACTIVE#15. */
  globalIndexes: { active: { hashKey: "gsi1pk", rangeKey: "gsi1sk", projection: "all" } },
  /**
   * The TTL attribute: rate counters and mailbox slots, and every subscriber record but an active
   * reader's (functions/core/retention.ts).
   */
  ttl: "expiresAt",
} as const;

/**
 * The numbers of the Settings link that the infrastructure decides (functions/config.ts has the
 * defaults of every other setting, and scripts/local/aws.ts passes these to the local stack too).
 */
export const SETTINGS = {
  senderConcurrency: SENDER_CONCURRENCY,
  /**
   * A pending send claim older than this is a dead sender's and may be taken over. Equal to the
   * queue's visibility timeout: a batch redelivered after its sender died finds the claims that
   * sender took at most this old, hands itself back once (core/send-queue.ts), and on the next
   * delivery takes them over. A live sender holds a claim for seconds, never near this long.
   */
  staleClaimSeconds: SEND_QUEUE.visibilityTimeoutSeconds,
  /**
   * Deliveries of a send batch before the dead-letter queue: on the last, a batch SES's pause or
   * spent quota halted is let go to the hourly planner instead (core/send-queue.ts).
   */
  sendMaxReceives: SEND_QUEUE.maxReceiveCount,
} as const;

/** The custom metrics the Lambdas emit and the alarms in sst.config.ts watch. */
export { METRICS, METRICS_NAMESPACE } from "../functions/runtime/metric-names.js";

/**
 * The SSM SecureString parameter of one of a stage's keys (runtime/keys.ts reads them; the
 * operator writes them with `npm run keys`, docs/deploying.md). The token keyring may rotate;
 * the id key never does (every subscriber's id is a keyed hash under it).
 */
export function keyParameter(stage: string, key: "token-keys" | "id-key"): string {
  return `/strength-tips/${stage}/${key}`;
}

/** The configuration set of confirmation emails (the weekly one is SST's Email component's). */
export const confirmationSetName = (stage: string) => `strength-tips-${stage}-confirmations`;
/** Local part of the From address when the sender identity is a domain. */
export const FROM_LOCAL_PART = "tips";

/** `tips@example.com` for a domain, or the address itself: the ses:FromAddress of every email. */
export function senderAddress(sender: string): string {
  return sender.includes("@") ? sender : `${FROM_LOCAL_PART}@${sender}`;
}

/** `<name> <tips@example.com>` for a domain, or `<name> <the address>`. */
export function fromAddress(name: string, sender: string): string {
  return `${name} <${senderAddress(sender)}>`;
}
