/**
 * Recorded SES feedback (test/fixtures/ses-events) through the events Lambda handler, against
 * DynamoStore on dynalite: SNS-wrapped, EventBridge-wrapped, duplicates and malformed records.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DynamoStore } from "../../functions/adapters/dynamo-store.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { shardOf, subscriberId } from "../../functions/core/email.js";
import { handleSesNotification } from "../../functions/core/subscriptions-ses.js";
import type { SubscriberStatus } from "../../functions/core/types.js";
import { ensureTable, type LocalAws, localStore, startLocalAws } from "../../scripts/local/aws.js";
import { TestClock } from "../support/lifecycle.js";

const silent = { info() {}, warn() {}, error() {} };
/** The configuration set's topic: the only one the handler trusts. */
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:strength-tips-ses-events";
const sources = { topicArn: TOPIC };

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/ses-events/${name}.json`, import.meta.url), "utf8"));

/** How SNS hands an SES notification to Lambda. */
function sns(...messages: unknown[]) {
  return {
    Records: messages.map((message, i) => ({
      EventSource: "aws:sns",
      EventVersion: "1.0",
      EventSubscriptionArn: "arn:aws:sns:eu-west-1:123456789012:ses-events:sub",
      Sns: {
        Type: "Notification",
        MessageId: `message-${i}`,
        TopicArn: TOPIC,
        Message: typeof message === "string" ? message : JSON.stringify(message),
        Timestamp: "2026-03-02T09:00:06.000Z",
        MessageAttributes: {},
      },
    })),
  };
}

const ADDRESSES = [
  "hard.bounce@example.com",
  "full.mailbox@example.com",
  "angry.reader@example.com",
  "happy.reader@example.com",
  "legacy.bounce@example.com",
  "twice.bounced@example.com",
  "bridge.complaint@example.com",
  "malformed.target@example.com",
];

let aws: LocalAws;
let store: DynamoStore;
let tables = 0;
const clock = new TestClock();
let handler: (event: unknown) => ReturnType<typeof handleSesNotification>;

beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

beforeEach(async () => {
  tables += 1;
  const tableName = `ses-events-${tables}`;
  await ensureTable(aws.dynamoEndpoint, tableName);
  store = localStore(aws.dynamoEndpoint, tableName);
  handler = (event) => handleSesNotification({ store, clock, log: silent, sources }, event);
  const now = clock.now().toISOString();
  for (const email of ADDRESSES) {
    const id = subscriberId(email);
    await store.create({
      id,
      email,
      status: "pending",
      createdAt: now,
      updatedAt: now,
      consent: { at: now, ip: "1.1.1.1", userAgent: "t", source: "test", textVersion: "v" },
      sentTips: [],
    });
    await store.activate(id, clock.now(), "1.1.1.1");
  }
});

const statusOf = async (email: string) => (await store.get(subscriberId(email)))?.status;
async function statuses(): Promise<Record<string, SubscriberStatus | undefined>> {
  const all: Record<string, SubscriberStatus | undefined> = {};
  for (const email of ADDRESSES) all[email] = await statusOf(email);
  return all;
}
async function isListedActive(email: string): Promise<boolean> {
  const id = subscriberId(email);
  const page = await store.listActive(shardOf(id, store.shards), undefined, 1000);
  return page.items.some((s) => s.id === id);
}

describe("SES events through the Lambda handler", () => {
  it("a permanent bounce (address in another case) marks the subscriber bounced", async () => {
    expect(await handler(sns(fixture("permanent-bounce")))).toEqual({
      processed: 1,
      skipped: 0,
      refused: 0,
    });
    expect(await statusOf("hard.bounce@example.com")).toBe("bounced");
    expect(await isListedActive("hard.bounce@example.com")).toBe(false);
    const others = await statuses();
    delete others["hard.bounce@example.com"];
    expect(Object.values(others).every((s) => s === "active")).toBe(true);
  });

  it("a transient bounce changes nothing", async () => {
    const before = await statuses();
    expect(await handler(sns(fixture("transient-bounce")))).toEqual({
      processed: 1,
      skipped: 0,
      refused: 0,
    });
    expect(await statuses()).toEqual(before);
    expect(await isListedActive("full.mailbox@example.com")).toBe(true);
  });

  it("a complaint marks the subscriber complained", async () => {
    await handler(sns(fixture("complaint")));
    expect(await statusOf("angry.reader@example.com")).toBe("complained");
    expect(await isListedActive("angry.reader@example.com")).toBe(false);
  });

  it("a delivery changes nothing", async () => {
    const before = await statuses();
    expect(await handler(sns(fixture("delivery")))).toEqual({
      processed: 1,
      skipped: 0,
      refused: 0,
    });
    expect(await statuses()).toEqual(before);
  });

  it("accepts the older notificationType shape", async () => {
    await handler(sns(fixture("legacy-notification-bounce")));
    expect(await statusOf("legacy.bounce@example.com")).toBe("bounced");
  });

  it("a duplicate delivery of one bounce suppresses once and then changes nothing", async () => {
    const event = fixture("duplicate-sns-delivery");
    expect(await handler(event)).toEqual({ processed: 2, skipped: 0, refused: 0 });
    const after = await store.get(subscriberId("twice.bounced@example.com"));
    expect(after?.status).toBe("bounced");
    clock.advance(60_000);
    await handler(event);
    expect(await store.get(subscriberId("twice.bounced@example.com"))).toEqual(after);
  });

  it("accepts an EventBridge event (detail = the SES event)", async () => {
    expect(await handler(fixture("eventbridge-complaint"))).toEqual({
      processed: 1,
      skipped: 0,
      refused: 0,
    });
    expect(await statusOf("bridge.complaint@example.com")).toBe("complained");
  });

  it("skips malformed records without failing the batch or changing anyone", async () => {
    const before = await statuses();
    const result = await handler(
      sns(fixture("malformed"), "not json {", { hello: "world" }, fixture("delivery")),
    );
    expect(result).toEqual({ processed: 1, skipped: 3, refused: 0 });
    expect(await statuses()).toEqual(before);
    expect(await handler({ something: "else" })).toEqual({ processed: 0, skipped: 1, refused: 0 });
  });

  it("a bounce for an unknown address creates nothing", async () => {
    const bounce = structuredClone(fixture("permanent-bounce")) as {
      bounce: { bouncedRecipients: Array<{ emailAddress: string }> };
    };
    bounce.bounce.bouncedRecipients = [{ emailAddress: "Stranger <stranger@example.com>" }];
    await handler(sns(bounce));
    expect(await store.get(subscriberId("stranger@example.com"))).toBeUndefined();
  });

  it("lets a store failure through, so that Lambda retries the delivery, and the retry lands", async () => {
    let down = true;
    class FlakyStore extends MemoryStore {
      override async suppress(id: string, status: "bounced" | "complained", now: Date) {
        if (down) throw new Error("DynamoDB is down");
        return super.suppress(id, status, now);
      }
    }
    const flaky = new FlakyStore();
    const email = "angry.reader@example.com";
    const now = clock.now().toISOString();
    await flaky.create({
      id: subscriberId(email),
      email,
      status: "active",
      createdAt: now,
      updatedAt: now,
      consent: { at: now, ip: "1.1.1.1", userAgent: "t", source: "test", textVersion: "v" },
      sentTips: [],
    });
    const deps = { store: flaky, clock, log: silent, sources };
    const delivery = sns(fixture("complaint"));
    await expect(handleSesNotification(deps, delivery)).rejects.toThrow("DynamoDB is down");
    expect((await flaky.get(subscriberId(email)))?.status).toBe("active");
    // Lambda's retry (or a redrive from SesEventsDlq) of the same delivery, once DynamoDB is back.
    down = false;
    await expect(handleSesNotification(deps, delivery)).resolves.toMatchObject({ processed: 1 });
    expect((await flaky.get(subscriberId(email)))?.status).toBe("complained");
  });

  it("refuses a complaint published to another SNS topic, changing nobody", async () => {
    const before = await statuses();
    const forged = sns(fixture("complaint"), fixture("permanent-bounce"));
    for (const record of forged.Records) {
      record.Sns.TopicArn = "arn:aws:sns:eu-west-1:999999999999:attacker-topic";
    }
    expect(await handler(forged)).toEqual({ processed: 0, skipped: 0, refused: 2 });
    const missing = sns(fixture("complaint")) as {
      Records: Array<{ Sns: Record<string, unknown> }>;
    };
    delete missing.Records[0]?.Sns.TopicArn;
    expect(await handler(missing)).toEqual({ processed: 0, skipped: 0, refused: 1 });
    expect(await statuses()).toEqual(before);
  });

  it("refuses an EventBridge event whose source is not SES", async () => {
    const before = await statuses();
    const forged = { ...(fixture("eventbridge-complaint") as object), source: "my.app" };
    expect(await handler(forged)).toEqual({ processed: 0, skipped: 0, refused: 1 });
    expect(await statuses()).toEqual(before);
  });
});
