/**
 * The local stack for integration and browser tests: dynalite + aws-ses-v2-local + the HTTP
 * adapter in this process on random loopback ports, and helpers to read the mailbox and the table.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoStore } from "../../functions/adapters/dynamo-store.js";
import { ACTIVE_SHARDS } from "../../functions/adapters/dynamo-table.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../scripts/local/aws.js";
import { type Stack, type StackOptions, startStack } from "../../scripts/start.js";

export interface MailboxEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  /** Reply-To addresses, as the SES stand-in stores them. */
  replyTo?: string[];
  body: { html?: string; text?: string };
  headers?: Array<{ name: string; value: string }>;
  at: number;
}

export interface TestStack extends Stack {
  store: DynamoStore;
  /** Every email the SES stand-in accepted, oldest first. */
  mailbox(): Promise<MailboxEmail[]>;
  /** Emails to one address (case-insensitive). */
  mailTo(address: string): Promise<MailboxEmail[]>;
  /** Every item of the table, sorted by key, as plain JSON (for before/after comparisons). */
  scan(): Promise<unknown[]>;
}

export async function startTestStack(options: StackOptions = {}): Promise<TestStack> {
  // Every line the handlers can write is written, and read by test/support/log-audit.ts.
  const stack = await startStack({ logLevel: "DEBUG", trustForwardedFor: true, ...options });
  const clientOptions = {
    endpoint: stack.aws.dynamoEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  };
  const store = new DynamoStore({
    tableName: stack.aws.tableName,
    shards: ACTIVE_SHARDS,
    clientOptions,
  });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions));

  async function mailbox(): Promise<MailboxEmail[]> {
    const response = await fetch(`${stack.aws.sesEndpoint}/store`);
    if (!response.ok) throw new Error(`GET /store: ${response.status}`);
    return ((await response.json()) as { emails: MailboxEmail[] }).emails;
  }

  return {
    ...stack,
    store,
    mailbox,
    async mailTo(address) {
      const wanted = address.toLowerCase();
      return (await mailbox()).filter((email) =>
        email.destination.to.some((to) => to.toLowerCase() === wanted),
      );
    },
    async scan() {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new ScanCommand({
            TableName: stack.aws.tableName,
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      const plain = items.map((item) =>
        JSON.parse(JSON.stringify(item, (_k, v) => (v instanceof Set ? [...v].sort() : v))),
      );
      return plain.sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
    },
    async stop() {
      doc.destroy();
      await stack.stop();
    },
  };
}

/** The first link in `html` whose URL starts with `prefix` (HTML entities in it decoded). */
export function linkIn(html: string, prefix: string): string {
  for (const match of html.matchAll(/href="([^"]+)"/g)) {
    const url = (match[1] ?? "").replace(/&amp;/g, "&");
    if (url.startsWith(prefix)) return url;
  }
  throw new Error(`no link starting with ${prefix} in: ${html.slice(0, 400)}`);
}

/** The URL inside <…> of a List-Unsubscribe header value. */
export function listUnsubscribeUrl(email: MailboxEmail): string {
  const value =
    email.headers?.find((h) => h.name.toLowerCase() === "list-unsubscribe")?.value ?? "";
  const url = /<(https?:[^>]+)>/.exec(value)?.[1];
  if (!url) throw new Error(`no http(s) URL in List-Unsubscribe: ${JSON.stringify(value)}`);
  return url;
}

/** Polls until `check` returns a value (the SES stand-in stores asynchronously to the HTTP answer). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
