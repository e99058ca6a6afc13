/**
 * Recorded SES feedback (test/fixtures/ses-events) as SQS delivers it (SNS envelope in the body)
 * through the events handler's batch logic, against DynamoStore on dynalite: duplicates,
 * malformed and forged records, and a store failure that fails only its own record.
 */
import { readFileSync } from "node:fs";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DynamoStore } from "../../functions/adapters/dynamo-store.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { shardOf } from "../../functions/core/email.js";
import type { SubscriberStatus } from "../../functions/core/types.js";
import { handleSesBatch, type SesEventsDeps } from "../../functions/events/ses-records.js";
import { SnsSignatureVerifier } from "../../functions/events/sns-signature.js";
import { ensureTable, type LocalAws, localStore, startLocalAws } from "../../scripts/local/aws.js";
import { localHashes, subscriberId } from "../support/ids.js";
import { TestClock } from "../support/lifecycle.js";
import { CERT_URL, OTHER_KEY, type SignOptions, signed, testFetcher } from "../support/sns.js";

const silent = { info() {}, warn() {}, error() {} };
/** The configuration set's topic: the only one the handler trusts. */
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:strength-tips-ses-events";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/ses-events/${name}.json`, import.meta.url), "utf8"));

/** A signed SNS notification of `message`, as SQS holds it (raw delivery off). */
function notification(message: unknown, topicArn = TOPIC, options: SignOptions = {}): string {
  const text = typeof message === "string" ? message : JSON.stringify(message);
  return JSON.stringify(signed({ TopicArn: topicArn, Message: text }, options));
}

/** The recorded delivery with each body signed again by the test key (SNS's is not ours). */
function resigned(event: SQSEvent): SQSEvent {
  return {
    Records: event.Records.map((record) => {
      const body = JSON.parse(record.body) as {
        TopicArn: string;
        Message: string;
        MessageId: string;
      };
      return { ...record, body: JSON.stringify(signed(body)) };
    }),
  };
}

/** An SQS event of the given bodies (SES events are wrapped in an SNS notification). */
function sqs(...bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "1772442005600",
        SenderId: "AIDAIT2UOQQY3AUEKVGXU",
        ApproximateFirstReceiveTimestamp: "1772442005612",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:SesEventsQueue",
      awsRegion: "eu-west-1",
    })),
  };
}
const events = (...messages: unknown[]) => sqs(...messages.map((m) => notification(m)));

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
let handler: (event: SQSEvent) => ReturnType<typeof handleSesBatch>;
let fetcher: ReturnType<typeof testFetcher>;

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
  fetcher = testFetcher();
  const verifier = new SnsSignatureVerifier(fetcher);
  handler = (event) =>
    handleSesBatch(
      { store, clock, hashes: localHashes, log: silent, topicArn: TOPIC, verifier },
      event,
    );
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

const ALL_DONE = { batchItemFailures: [] };

describe("SES events through the events handler", () => {
  it("a permanent bounce (address in another case) marks the subscriber bounced", async () => {
    expect(await handler(events(fixture("permanent-bounce")))).toEqual(ALL_DONE);
    expect(await statusOf("hard.bounce@example.com")).toBe("bounced");
    expect(await isListedActive("hard.bounce@example.com")).toBe(false);
    const others = await statuses();
    delete others["hard.bounce@example.com"];
    expect(Object.values(others).every((s) => s === "active")).toBe(true);
  });

  it("a transient bounce changes nothing", async () => {
    const before = await statuses();
    expect(await handler(events(fixture("transient-bounce")))).toEqual(ALL_DONE);
    expect(await statuses()).toEqual(before);
    expect(await isListedActive("full.mailbox@example.com")).toBe(true);
  });

  it("a complaint marks the subscriber complained", async () => {
    await handler(events(fixture("complaint")));
    expect(await statusOf("angry.reader@example.com")).toBe("complained");
    expect(await isListedActive("angry.reader@example.com")).toBe(false);
  });

  it("a delivery changes nothing", async () => {
    const before = await statuses();
    expect(await handler(events(fixture("delivery")))).toEqual(ALL_DONE);
    expect(await statuses()).toEqual(before);
  });

  it("a tip's delivery counts once in its week, however often SES and SQS repeat it", async () => {
    const delivered = async () =>
      (await store.read()).weeks.find((w) => w.week === "2026-W10")?.delivered ?? 0;
    const twice = events(fixture("delivery"), fixture("delivery"));
    expect(await handler(twice)).toEqual(ALL_DONE);
    expect(await handler(twice)).toEqual(ALL_DONE); // the same batch delivered again
    expect(await delivered()).toBe(1);
    // A delivery of anything but a tip (a confirmation, the welcome) counts nowhere.
    const welcome = structuredClone(fixture("delivery")) as {
      mail: { tags: object; destination: string[] };
    };
    welcome.mail.tags = { kind: ["welcome"], week: ["2026-W10"] };
    welcome.mail.destination = ["full.mailbox@example.com"];
    expect(await handler(events(welcome))).toEqual(ALL_DONE);
    expect(await delivered()).toBe(1);
  });

  it("accepts the older notificationType shape", async () => {
    await handler(events(fixture("legacy-notification-bounce")));
    expect(await statusOf("legacy.bounce@example.com")).toBe("bounced");
  });

  it("a recorded duplicate delivery of one bounce suppresses once, then changes nothing", async () => {
    const event = resigned(fixture("duplicate-sqs-delivery") as SQSEvent);
    expect(await handler(event)).toEqual(ALL_DONE);
    const after = await store.get(subscriberId("twice.bounced@example.com"));
    expect(after?.status).toBe("bounced");
    clock.advance(60_000);
    await handler(event);
    expect(await store.get(subscriberId("twice.bounced@example.com"))).toEqual(after);
    // Counted once, however often SES and SQS repeated it.
    expect((await store.read()).readers).toMatchObject({
      bounced: 1,
      active: ADDRESSES.length - 1,
    });
  });

  it("drops malformed records without failing the batch or changing anyone", async () => {
    const before = await statuses();
    const result = await handler(
      sqs(
        notification(fixture("malformed")),
        notification("not json {"),
        notification({ hello: "world" }),
        "not an SNS notification",
        JSON.stringify({ Type: "SubscriptionConfirmation", TopicArn: TOPIC, Message: "{}" }),
        notification(fixture("delivery")),
      ),
    );
    expect(result).toEqual(ALL_DONE);
    expect(await statuses()).toEqual(before);
  });

  it("a bounce for an unknown address creates nothing", async () => {
    const bounce = structuredClone(fixture("permanent-bounce")) as {
      bounce: { bouncedRecipients: Array<{ emailAddress: string }> };
    };
    bounce.bounce.bouncedRecipients = [{ emailAddress: "Stranger <stranger@example.com>" }];
    await handler(events(bounce));
    expect(await store.get(subscriberId("stranger@example.com"))).toBeUndefined();
  });

  it("fails only the record the store failed, so SQS delivers it again, and the retry lands", async () => {
    let down = true;
    class FlakyStore extends MemoryStore {
      override async suppress(id: string, status: "bounced" | "complained", now: Date) {
        if (down && status === "complained") throw new Error("DynamoDB is down");
        return super.suppress(id, status, now);
      }
    }
    const flaky = new FlakyStore();
    const now = clock.now().toISOString();
    for (const email of ["angry.reader@example.com", "hard.bounce@example.com"]) {
      await flaky.create({
        id: subscriberId(email),
        email,
        status: "active",
        createdAt: now,
        updatedAt: now,
        consent: { at: now, ip: "1.1.1.1", userAgent: "t", source: "test", textVersion: "v" },
        sentTips: [],
      });
    }
    const deps: SesEventsDeps = {
      store: flaky,
      hashes: localHashes,
      clock,
      log: silent,
      topicArn: TOPIC,
      verifier: new SnsSignatureVerifier(testFetcher()),
    };
    const delivery = events(fixture("complaint"), fixture("permanent-bounce"));
    expect(await handleSesBatch(deps, delivery)).toEqual({
      batchItemFailures: [{ itemIdentifier: "m-0" }],
    });
    expect((await flaky.get(subscriberId("angry.reader@example.com")))?.status).toBe("active");
    expect((await flaky.get(subscriberId("hard.bounce@example.com")))?.status).toBe("bounced");
    // SQS's redelivery (or a redrive from SesEventsDlq) of the record, once DynamoDB is back.
    down = false;
    expect(await handleSesBatch(deps, events(fixture("complaint")))).toEqual(ALL_DONE);
    expect((await flaky.get(subscriberId("angry.reader@example.com")))?.status).toBe("complained");
  });

  it("refuses records published to another topic, or with none, changing nobody", async () => {
    const before = await statuses();
    const attacker = "arn:aws:sns:eu-west-1:999999999999:attacker-topic";
    const forged = sqs(
      notification(fixture("complaint"), attacker),
      notification(fixture("permanent-bounce"), attacker),
      JSON.stringify({ ...signed({ TopicArn: TOPIC, Message: "{}" }), TopicArn: undefined }),
    );
    expect(await handler(forged)).toEqual(ALL_DONE);
    expect(await statuses()).toEqual(before);
  });

  it("refuses an EventBridge event, even one claiming to come from SES", async () => {
    const before = await statuses();
    expect(await handler(sqs(JSON.stringify(fixture("eventbridge-complaint"))))).toEqual(ALL_DONE);
    expect(await statuses()).toEqual(before);
  });

  it("refuses notifications whose signature does not verify, changing nobody", async () => {
    const before = await statuses();
    const complaint = JSON.stringify(fixture("complaint"));
    const genuine = signed({ TopicArn: TOPIC, Message: complaint });
    const forgeries = [
      // The red team's: the right topic, a made-up signature.
      { ...genuine, Signature: "forged" },
      // Signed by a key that is not the certificate's.
      signed({ TopicArn: TOPIC, Message: complaint }, { key: OTHER_KEY }),
      // Signed, then the message changed.
      { ...genuine, Message: JSON.stringify(fixture("permanent-bounce")) },
      // A certificate from anywhere but SNS, or not over HTTPS.
      signed({ TopicArn: TOPIC, Message: complaint }, { certUrl: "https://evil.example/sns.pem" }),
      signed(
        { TopicArn: TOPIC, Message: complaint },
        { certUrl: CERT_URL.replace("https", "http") },
      ),
      signed(
        { TopicArn: TOPIC, Message: complaint },
        { certUrl: "https://sns.eu-west-1.amazonaws.com.evil.example/x.pem" },
      ),
      { ...genuine, SignatureVersion: "3" },
    ];
    expect(await handler(sqs(...forgeries.map((f) => JSON.stringify(f))))).toEqual(ALL_DONE);
    expect(await statuses()).toEqual(before);
    // Only the SNS address was ever fetched, and only once.
    expect(fetcher.fetched).toEqual([CERT_URL]);
  });

  it("accepts both signature versions, fetching the certificate once", async () => {
    await handler(
      sqs(
        notification(fixture("complaint"), TOPIC, { version: "1" }),
        notification(fixture("permanent-bounce"), TOPIC, { version: "2" }),
      ),
    );
    expect(await statusOf("angry.reader@example.com")).toBe("complained");
    expect(await statusOf("hard.bounce@example.com")).toBe("bounced");
    expect(fetcher.fetched).toEqual([CERT_URL]);
  });

  it("retries a record whose certificate cannot be fetched, without refusing it", async () => {
    const deps: SesEventsDeps = {
      store,
      hashes: localHashes,
      clock,
      log: silent,
      topicArn: TOPIC,
      verifier: new SnsSignatureVerifier(async () => {
        throw new Error("network down");
      }),
    };
    expect(await handleSesBatch(deps, events(fixture("complaint")))).toEqual({
      batchItemFailures: [{ itemIdentifier: "m-0" }],
    });
    expect(await statusOf("angry.reader@example.com")).toBe("active");
  });

  it("applies a bounce or complaint only to recipients the email was sent to", async () => {
    const complaint = structuredClone(fixture("complaint")) as {
      complaint: { complainedRecipients: Array<{ emailAddress: string }> };
      mail: { destination: string[] };
    };
    complaint.complaint.complainedRecipients = [
      { emailAddress: "happy.reader@example.com" },
      { emailAddress: "angry.reader@example.com" },
    ];
    complaint.mail.destination = ["Angry Reader <Angry.Reader@example.com>"];
    await handler(events(complaint));
    expect(await statusOf("angry.reader@example.com")).toBe("complained");
    expect(await statusOf("happy.reader@example.com")).toBe("active");
  });
});
