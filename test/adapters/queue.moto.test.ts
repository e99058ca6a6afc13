/**
 * SqsQueue against moto's SQS: the queue contract with a real SQS API (batches of at most ten
 * entries and 256 KiB, message size limits), and the queue's redrive policy and visibility as
 * SQS applies them to what the adapter sent.
 */
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqsQueue } from "../../functions/adapters/sqs-queue.js";
import { SEND_QUEUE } from "../../infra/wiring.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../scripts/local/aws.js";
import { type Moto, motoMissing, startMoto } from "../support/moto.js";
import { queueContract } from "./queue.contract.js";

const missing = motoMissing();
let moto: Moto | undefined;
let client: SQSClient;
let queues = 0;

beforeAll(async () => {
  if (missing) return;
  moto = await startMoto();
  client = new SQSClient({
    endpoint: moto.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}, 30_000);
afterAll(async () => {
  await moto?.stop();
});

/** Every message waiting in the queue, deleted as it is read. */
async function drainAll(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((m) => m.Body ?? ""));
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
      }),
    );
  }
}

async function createQueue(attributes: Record<string, string> = {}) {
  queues += 1;
  const { QueueUrl = "" } = await client.send(
    new CreateQueueCommand({ QueueName: `queue-${queues}`, Attributes: attributes }),
  );
  return QueueUrl;
}

if (missing) {
  describe("SqsQueue on moto", () => {
    it.skip(`skipped: ${missing}`, () => {});
  });
} else {
  queueContract("SqsQueue on moto", () => {
    const url = createQueue();
    return {
      queue: {
        sendAll: async (messages) =>
          new SqsQueue({ queueUrl: await url, client }).sendAll(messages),
      },
      received: async () => (await drainAll(await url)).map((b) => JSON.parse(b)),
    };
  });

  describe("SqsQueue on moto: what SQS does with what it sent", () => {
    it("a batch not finished comes back, and after the queue's receives waits in its DLQ", async () => {
      const dlq = await createQueue();
      const dlqArn = (
        await client.send(
          new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ["QueueArn"] }),
        )
      ).Attributes?.QueueArn;
      const queueUrl = await createQueue({
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: SEND_QUEUE.maxReceiveCount,
        }),
      });
      await new SqsQueue({ queueUrl, client }).sendAll([{ week: "2026-W48", recipients: [] }]);
      // A sender that dies with the batch: nothing deletes it, and SQS offers it again.
      for (let receive = 1; receive <= SEND_QUEUE.maxReceiveCount; receive += 1) {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            VisibilityTimeout: 0,
            MessageSystemAttributeNames: ["ApproximateReceiveCount"],
          }),
        );
        expect(Messages).toHaveLength(1);
        expect(Messages[0]?.Attributes?.ApproximateReceiveCount).toBe(String(receive));
      }
      expect(await drainAll(queueUrl)).toEqual([]);
      expect((await drainAll(dlq)).map((b) => JSON.parse(b))).toEqual([
        { week: "2026-W48", recipients: [] },
      ]);
    });
  });
}
