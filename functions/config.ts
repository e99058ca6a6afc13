/**
 * The one place that reads `Resource` (SST links) and the environment. Each getter parses its
 * part with zod on first use and caches it for the life of the Lambda container, so a function
 * reads only the resources it is linked to (test/infra/wiring.test.ts checks that).
 *
 * Locally, scripts/local/stack.ts sets the same SST_RESOURCE_* variables that SST sets in AWS.
 */
import { Resource } from "sst/resource";
import { z } from "zod";

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

function parse<S extends z.ZodType>(name: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new Error(`config: ${name} is invalid: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

export const tableName = once(
  () => parse("Subscribers", z.object({ name: z.string().min(1) }), linked("Subscribers")).name,
);

export const queueUrl = once(
  () => parse("SendQueue", z.object({ url: z.string().min(1) }), linked("SendQueue")).url,
);

const keyringSchema = z
  .string()
  .min(1)
  .transform((raw, ctx) => {
    const keys = raw.split(",").map((entry) => {
      const colon = entry.indexOf(":");
      return { kid: entry.slice(0, colon).trim(), secret: entry.slice(colon + 1).trim() };
    });
    for (const key of keys) {
      if (!/^[A-Za-z0-9_-]{1,16}$/.test(key.kid) || key.secret.length < 32) {
        ctx.addIssue({
          code: "custom",
          message:
            "each key must be kid:secret with a kid of 1-16 letters, digits, _ or - and a secret of 32+ characters",
        });
        return z.NEVER;
      }
    }
    return keys;
  });

export type Keyring = z.output<typeof keyringSchema>;

/** The token signing keys; the first one signs, all of them verify (rotation). */
export const tokenKeys = once(
  () => parse("TokenKeys", z.object({ value: keyringSchema }), linked("TokenKeys")).value,
);

const numberish = z.coerce.number();

const settingsSchema = z.object({
  /** Public base URL of the site and API, no trailing slash. */
  baseUrl: z.url().transform((url) => url.replace(/\/+$/, "")),
  fromAddress: z.string().min(3),
  postalAddress: z.string().min(5),
  configurationSet: z.string().min(1).optional(),
  /** Optional mailto: for the List-Unsubscribe header, e.g. "unsubscribe@example.com". */
  unsubscribeMailto: z.string().min(3).optional(),
  /** Fallbacks when SES GetAccount is not available. */
  maxSendRate: numberish.pipe(z.number().positive()).default(14),
  max24HourSend: numberish.pipe(z.number().int().positive()).default(50_000),
  senderConcurrency: numberish.pipe(z.number().int().positive()).default(4),
  staleClaimMinutes: numberish.pipe(z.number().positive()).default(60),
  batchSize: numberish.pipe(z.number().int().min(1).max(1000)).default(100),
});

export type Settings = z.output<typeof settingsSchema>;

export const settings = once(() => parse("Settings", settingsSchema, linked("Settings")));

const awsSchema = z.object({
  AWS_REGION: z.string().min(1).default("us-east-1"),
  /** Local stand-ins only; absent in AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  SES_ENDPOINT: z.url().optional(),
  SQS_ENDPOINT: z.url().optional(),
  LOG_LEVEL: z.enum(["DEBUG", "INFO", "WARN", "ERROR", "SILENT"]).default("INFO"),
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
