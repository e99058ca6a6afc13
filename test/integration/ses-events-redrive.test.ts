/**
 * Nothing lost: SES events through a real SQS API (moto) with the deployed redrive policy. While
 * the store fails, an event is received until SQS moves it to the dead-letter queue; once the
 * store is back, `npm run redrive` moves it back and the subscriber is suppressed.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { handleSesBatch } from "../../functions/events/ses-records.js";
import { SnsSignatureVerifier } from "../../functions/events/sns-signature.js";
import { SES_EVENTS } from "../../infra/wiring.js";
import { localHashes, subscriberId } from "../support/ids.js";
import { TestClock } from "../support/lifecycle.js";
import { type Moto, motoMissing, startMoto } from "../support/moto.js";
import { signed, testFetcher } from "../support/sns.js";
import { pollOnce } from "../support/sqs-event-source.js";

const missing = motoMissing();
const TOPIC = "arn:aws:sns:us-east-1:123456789012:strength-tips-SesEvents";
const EMAIL = "angry.reader@example.com";
const run = promisify(execFile);

let moto: Moto;
let sqs: SQSClient;

beforeAll(async () => {
  if (missing) return;
  moto = await startMoto();
  sqs = new SQSClient({
    region: "us-east-1",
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}, 30_000);
afterAll(async () => {
  await moto?.stop();
});

const complaint = JSON.stringify(
  signed({
    TopicArn: TOPIC,
    Message: JSON.stringify({
      eventType: "Complaint",
      mail: { messageId: "ses-1", destination: [EMAIL] },
      complaint: { complainedRecipients: [{ emailAddress: EMAIL }] },
    }),
  }),
);

describe.skipIf(missing)("SES events: dead-lettered, then redriven", () => {
  it("keeps a complaint the store could not apply, and applies it after a redrive", async () => {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: "SesEventsDlq" }));
    const dlqArn = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }),
      )
    ).Attributes?.QueueArn;
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: "SesEventsQueue",
        Attributes: {
          VisibilityTimeout: String(SES_EVENTS.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn,
            maxReceiveCount: SES_EVENTS.maxReceiveCount,
          }),
        },
      }),
    );
    const queueUrl = queue.QueueUrl ?? "";

    let down = true;
    class FlakyStore extends MemoryStore {
      override async suppress(id: string, status: "bounced" | "complained", now: Date) {
        if (down) throw new Error("DynamoDB is down");
        return super.suppress(id, status, now);
      }
    }
    const store = new FlakyStore();
    const clock = new TestClock();
    const now = clock.now().toISOString();
    await store.create({
      id: subscriberId(EMAIL),
      email: EMAIL,
      status: "active",
      createdAt: now,
      updatedAt: now,
      consent: { at: now, ip: "1.1.1.1", userAgent: "t", source: "test", textVersion: "v" },
      sentTips: [],
    });
    const silent = { info() {}, warn() {}, error() {} };
    const handler = (event: Parameters<typeof handleSesBatch>[1]) =>
      handleSesBatch(
        {
          store,
          hashes: localHashes,
          clock,
          log: silent,
          topicArn: TOPIC,
          verifier: new SnsSignatureVerifier(testFetcher()),
        },
        event,
      );

    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: complaint }));
    let receives = 0;
    while ((await pollOnce(sqs, queueUrl, handler)) > 0) receives += 1;
    expect(receives).toBe(SES_EVENTS.maxReceiveCount);
    expect((await store.get(subscriberId(EMAIL)))?.status).toBe("active");

    down = false;
    const { stdout } = await run("npx", ["tsx", "scripts/redrive.ts", dlqArn ?? ""], {
      env: {
        ...process.env,
        SQS_ENDPOINT: moto.endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
      },
    });
    expect(stdout).toContain(`moved 1 message(s) to ${queueUrl}`);
    expect(await pollOnce(sqs, queueUrl, handler)).toBe(1);
    expect((await store.get(subscriberId(EMAIL)))?.status).toBe("complained");
    expect(await pollOnce(sqs, queueUrl, handler)).toBe(0);
  }, 60_000);
});
