/** The EventBus contract on the in-memory twin and on EventBridge in moto (a rule → SQS queue). */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, it } from "vitest";
import { EventBridgeBus } from "../../functions/adapters/eventbridge-bus.js";
import { MemoryBus } from "../../functions/adapters/memory-bus.js";
import type { DomainEvent } from "../../functions/core/events.js";
import { type Moto, motoMissing, startMoto } from "../support/moto.js";
import { busContract } from "./bus.contract.js";

busContract("MemoryBus", async () => {
  const bus = new MemoryBus();
  return { bus, received: async () => bus.published };
});

const missing = motoMissing();
let moto: Moto | undefined;
let buses = 0;

beforeAll(async () => {
  if (!missing) moto = await startMoto();
}, 30_000);
afterAll(async () => {
  await moto?.stop();
});

const local = () => ({
  region: "us-east-1",
  endpoint: moto?.endpoint,
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});

/** A fresh bus whose rule sends every strength-tips event to a fresh queue. */
async function onMoto() {
  buses += 1;
  const name = `events-${buses}`;
  const events = new EventBridgeClient(local());
  const sqs = new SQSClient(local());
  await events.send(new CreateEventBusCommand({ Name: name }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-consumer` }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  await events.send(
    new PutRuleCommand({
      Name: `${name}-all`,
      EventBusName: name,
      EventPattern: JSON.stringify({ source: ["strength-tips"] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: `${name}-all`,
      EventBusName: name,
      Targets: [{ Id: "consumer", Arn: Attributes?.QueueArn }],
    }),
  );
  const seen: DomainEvent[] = [];
  return {
    bus: new EventBridgeBus(name, { clientOptions: local() }),
    async received() {
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (Messages.length === 0) return seen;
        for (const m of Messages) {
          const body = JSON.parse(m.Body ?? "{}") as { "detail-type": string; detail: unknown };
          seen.push({ type: body["detail-type"], detail: body.detail } as DomainEvent);
          await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
        }
      }
    },
  };
}

if (missing) {
  describe("EventBridge on moto", () => {
    it.skip(`skipped: ${missing}`, () => {});
  });
} else {
  busContract("EventBridge on moto", onMoto);
}
