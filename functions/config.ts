/**
 * The one place that reads `Resource` (SST links) and the environment. Each getter parses its
 * part with zod (zod/mini, through core/zod.ts) on first use and caches it for the life of the Lambda container, so a function
 * reads only the resources it is linked to (test/infra/wiring.test.ts checks that).
 *
 * Locally, scripts/local/aws.ts sets the same SST_RESOURCE_* variables that SST sets in AWS. The
 * keys are the one exception: in AWS only their SSM parameters' names are linked (runtime/keys.ts
 * reads the values); on the local stack the values come from the environment.
 */

import type { WeekdayNumbers } from "luxon";
import { Resource } from "sst/resource";
import { isTimeZone, type Schedule } from "./core/schedule.js";
import * as z from "./core/zod.js";

function once<T>(load: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => {
    cached ??= { value: load() };
    return cached.value;
  };
}

/** Reads one linked resource, with a message that names the missing link. */
function linked(name: string): unknown {
  try {
    return (Resource as unknown as Record<string, unknown>)[name];
  } catch (error) {
    throw new Error(
      `config: resource "${name}" is not linked (${(error as Error).message}). ` +
        `Link it in sst.config.ts, or set SST_RESOURCE_${name} locally.`,
    );
  }
}

function parse<S extends z.ZodMiniType>(name: string, schema: S, value: unknown): z.output<S> {
  const result = z.safeParse(schema, value);
  if (!result.success) {
    throw new Error(`config: ${name} is invalid: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

export const tableName = once(
  () =>
    parse(
      "Subscribers",
      z.object({ name: z.string().check(z.minLength(1)) }),
      linked("Subscribers"),
    ).name,
);

export const queueUrl = once(
  () =>
    parse("SendQueue", z.object({ url: z.string().check(z.minLength(1)) }), linked("SendQueue"))
      .url,
);

/** The confirmation outbox queue (signups waiting for their confirmation email). */
export const outboxUrl = once(
  () =>
    parse(
      "ConfirmOutbox",
      z.object({ url: z.string().check(z.minLength(1)) }),
      linked("ConfirmOutbox"),
    ).url,
);

/** The SNS topic of the configuration set's bounce and complaint events. */
export const sesEventsTopic = once(
  () =>
    parse("SesEvents", z.object({ arn: z.string().check(z.minLength(1)) }), linked("SesEvents"))
      .arn,
);

/** The EventBridge bus the readers' events go to (the Events link). */
export const eventBusName = once(
  () =>
    parse("Events", z.object({ name: z.string().check(z.minLength(1)) }), linked("Events")).name,
);

/** The SES configuration set every email goes through (the Email link). */
export const emailConfigurationSet = once(
  () =>
    parse("Email", z.object({ configSet: z.string().check(z.minLength(1)) }), linked("Email"))
      .configSet,
);

/** Whether `name` is linked to this function. */
function isLinked(name: string): boolean {
  try {
    return (Resource as unknown as Record<string, unknown>)[name] !== undefined;
  } catch {
    return false;
  }
}

/** Where the stage's keys are (runtime/keys.ts reads them). */
export type KeySource =
  /** In AWS: the names of two SSM SecureString parameters, never their values. */
  | { from: "ssm"; tokenKeys: string; idKey: string }
  /** On the local stack (no Keys link): the values themselves, from TOKEN_KEYS and ID_KEY. */
  | { from: "env"; tokenKeys: string; idKey: string };

const keysLinkSchema = z.object({
  tokenKeys: z.string().check(z.minLength(1)),
  idKey: z.string().check(z.minLength(1)),
});
const localKeysSchema = z.object({
  TOKEN_KEYS: z.string().check(z.minLength(1)),
  ID_KEY: z.string().check(z.minLength(1)),
});

/**
 * The token keyring (`kid:secret[,…]`, the first signs, all verify) and the id key (the secret of
 * every keyed hash of an address): SSM parameter names from the Keys link, or, without one,
 * values from TOKEN_KEYS and ID_KEY (the local stack, never a deployed function).
 */
export const keySource = once((): KeySource => {
  if (isLinked("Keys")) return { from: "ssm", ...parse("Keys", keysLinkSchema, linked("Keys")) };
  const env = z.safeParse(localKeysSchema, process.env);
  if (!env.success) {
    throw new Error(
      "config: no Keys link and no TOKEN_KEYS and ID_KEY: link Keys in infra/wiring.ts, or set both locally.",
    );
  }
  return { from: "env", tokenKeys: env.data.TOKEN_KEYS, idKey: env.data.ID_KEY };
});

/** A number, or a string of one (linked properties may arrive as strings), checked by `then`. */
const numberish = (then: z.ZodMiniNumber<number> | z.ZodMiniNumberFormat) =>
  z.pipe(z.coerce.number(), then);

const settingsSchema = z.object({
  /** Public base URL of the site and API, no trailing slash. */
  baseUrl: z.pipe(
    z.url(),
    z.transform((url: string) => url.replace(/\/+$/, "")),
  ),
  fromAddress: z.string().check(z.minLength(3)),
  postalAddress: z.string().check(z.minLength(5)),
  configurationSet: z.optional(z.string().check(z.minLength(1))),
  /** Reply-To of every email, e.g. "hello@example.com" (a mailbox someone reads); unset: From. */
  replyTo: z.optional(z.string().check(z.minLength(3))),
  /**
   * The List-Unsubscribe mailto: address, e.g. "unsubscribe@inbound.example.com": set only where
   * an SES receipt rule hands its mail to the unsubscribe-by-mail function (infra/inbound.ts).
   */
  unsubscribeMailto: z.optional(z.string().check(z.minLength(3))),
  /**
   * The configuration set of confirmation emails: their own reputation metrics and breaker, so
   * their bounces pause only confirmations. Unset: the one set (`configurationSet`).
   */
  confirmationSet: z.optional(z.string().check(z.minLength(1))),
  /** Fallbacks when SES GetAccount is not available. */
  maxSendRate: z._default(numberish(z.number().check(z.positive())), 14),
  max24HourSend: z._default(numberish(z.int().check(z.positive())), 50_000),
  /** Recipients per send-queue message. */
  batchSize: z._default(numberish(z.int().check(z.minimum(1), z.maximum(1000))), 100),
  /**
   * Set by the infrastructure (infra/wiring.ts SETTINGS), which knows them: senders running at
   * once (the event source's maximum concurrency), the stale window of a send claim (the send
   * queue's visibility timeout, so a redelivered batch takes over its dead sender's claims), and
   * the send queue's deliveries before its dead-letter queue.
   */
  senderConcurrency: numberish(z.int().check(z.positive())),
  staleClaimSeconds: numberish(z.number().check(z.positive())),
  sendMaxReceives: numberish(z.int().check(z.positive())),
  /**
   * The list-wide budget of confirmation emails per clock hour; beyond it signups are still
   * accepted and their confirmations wait on the outbox for the next hour. The default lives
   * here only (infra/wiring.ts sets it only to change it).
   */
  confirmationsPerHour: z._default(numberish(z.int().check(z.positive())), 200),
  /**
   * Whether the tips' links go through the site's click redirect (core/clicks.ts), which counts
   * human clicks per tip and keeps each reader's last click week. Off: links go straight to
   * their targets, and the redirect still leads old emails' links on, counting nothing.
   */
  trackClicks: z._default(
    z.pipe(
      z.union([z.boolean(), z.enum(["true", "false"])]),
      z.transform((value: boolean | "true" | "false") => value === true || value === "true"),
    ),
    true,
  ),
  /** The zone of readers who chose none (an IANA name). */
  defaultTimeZone: z._default(
    z.string().check(z.refine(isTimeZone, "must be an IANA time zone such as Europe/London")),
    "UTC",
  ),
  /** Each reader's delivery slot, in their own zone: ISO weekday (1 = Monday) and hour. */
  deliveryWeekday: z._default(numberish(z.int().check(z.minimum(1), z.maximum(7))), 1),
  deliveryHour: z._default(numberish(z.int().check(z.minimum(0), z.maximum(23))), 7),
});

/** The stage's schedule (core/schedule.ts) from its settings. */
export function scheduleOf(s: Settings): Schedule {
  return {
    defaultTimeZone: s.defaultTimeZone,
    slot: { weekday: s.deliveryWeekday as WeekdayNumbers, hour: s.deliveryHour },
  };
}

export type Settings = z.output<typeof settingsSchema>;

export const settings = once(() => parse("Settings", settingsSchema, linked("Settings")));

const awsSchema = z.object({
  AWS_REGION: z._default(z.string().check(z.minLength(1)), "us-east-1"),
  /** Local stand-ins only; absent in AWS. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  SES_ENDPOINT: z.optional(z.url()),
  SQS_ENDPOINT: z.optional(z.url()),
  SSM_ENDPOINT: z.optional(z.url()),
  EVENTBRIDGE_ENDPOINT: z.optional(z.url()),
  LOG_LEVEL: z._default(z.enum(["DEBUG", "INFO", "WARN", "ERROR", "SILENT"]), "INFO"),
});

export const aws = once(() => parse("environment", awsSchema, process.env));

/** Options for an AWS SDK client, pointed at a local stand-in when its endpoint is set. */
export function clientOptions(endpoint: string | undefined) {
  const { AWS_REGION } = aws();
  return endpoint
    ? {
        region: AWS_REGION,
        endpoint,
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      }
    : { region: AWS_REGION };
}
