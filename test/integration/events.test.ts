/**
 * The readers' events with a bus that fails: the reader's action succeeds all the same, and the
 * event is published once the bus answers again. Through the table stream's handler (records as
 * DynamoDB Streams delivers them, from real items on dynalite) and through the local stack's
 * in-process stand-in for the stream.
 */
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoStore } from "../../functions/adapters/dynamo-store.js";
import { ACTIVE_SHARDS, subscriberKey } from "../../functions/adapters/dynamo-table.js";
import { MemoryBus } from "../../functions/adapters/memory-bus.js";
import type { DomainEvent, EventBus, RecordChange } from "../../functions/core/events.js";
import { handleTableStream } from "../../functions/events/table-stream-records.js";
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalAws,
  startLocalAws,
} from "../../scripts/local/aws.js";
import { startLocalEvents } from "../../scripts/local/events.js";
import { subscriber } from "../support/send-fixtures.js";

const silent = { info() {}, warn() {}, error() {} };
const clock = { now: () => new Date("2026-12-07T09:00:00.000Z") };

/** A bus that refuses every publish while `down`, as EventBridge does in an outage. */
class FlakyBus implements EventBus {
  down = true;
  attempts = 0;
  readonly delivered = new MemoryBus();
  async publish(events: readonly DomainEvent[]) {
    this.attempts += 1;
    if (this.down) throw new Error("EventBridge: ServiceUnavailable");
    await this.delivered.publish(events);
  }
  get published() {
    return this.delivered.published;
  }
}

let aws: LocalAws;
let tables = 0;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

async function store(onChange?: (change: RecordChange) => void) {
  tables += 1;
  const tableName = `events-${tables}`;
  await ensureTable(aws.dynamoEndpoint, tableName);
  return new DynamoStore({
    tableName,
    shards: ACTIVE_SHARDS,
    clientOptions: {
      endpoint: aws.dynamoEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    },
    ...(onChange ? { onChange } : {}),
  });
}

describe("events through the table stream's handler", () => {
  it("a failing bus fails the record, not the reader's action; the redelivery publishes it", async () => {
    const table = await store();
    const s = subscriber("stream.reader@example.org");
    await table.create(s);
    // The images DynamoDB Streams would carry for the unsubscribe (NEW_AND_OLD_IMAGES).
    const old = await table.subscribers.get(s.id);
    expect(await table.unsubscribe(s.id, clock.now())).toBe("unsubscribed");
    const now = await table.subscribers.get(s.id);
    const image = (item: object) =>
      marshall(
        { ...subscriberKey(s.id), ...item },
        { removeUndefinedValues: true, convertClassInstanceToMap: true },
      ) as never;
    const record = (sequence: string, pk: string, old?: object, next?: object): DynamoDBRecord => ({
      eventID: sequence,
      eventName: "MODIFY",
      eventSource: "aws:dynamodb",
      dynamodb: {
        ApproximateCreationDateTime: 1_796_634_000,
        Keys: { pk: { S: pk }, sk: { S: "SUB" } },
        SequenceNumber: sequence,
        ...(old ? { OldImage: image(old) } : {}),
        ...(next ? { NewImage: image(next) } : {}),
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    });
    const { sentTips: _a, ...before } = old ?? {};
    const { sentTips: _b, ...after } = now ?? {};
    const event: DynamoDBStreamEvent = {
      Records: [
        record("100", "STATS#3"), // a counter item: not a reader's change
        record("101", `SUB#${s.id}`, before, after),
      ],
    };
    const bus = new FlakyBus();
    const deps = { bus, clock, log: silent };
    // DynamoDB's TTL deleting an expired record: nobody did anything, nothing is published.
    const expired: DynamoDBRecord = {
      ...record("99", `SUB#${s.id}`, after),
      eventName: "REMOVE",
      userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" },
    };
    expect(await handleTableStream(deps, { Records: [expired] })).toEqual({
      batchItemFailures: [],
    });
    expect(bus.attempts).toBe(0);
    expect(await handleTableStream(deps, event)).toEqual({
      batchItemFailures: [{ itemIdentifier: "101" }],
    });
    expect((await table.get(s.id))?.status).toBe("unsubscribed");
    expect(bus.published).toEqual([]);
    // Lambda hands the stream back from the failed record until the bus answers.
    expect(await handleTableStream(deps, { Records: event.Records.slice(1) })).toEqual({
      batchItemFailures: [{ itemIdentifier: "101" }],
    });
    bus.down = false;
    expect(await handleTableStream(deps, { Records: event.Records.slice(1) })).toEqual({
      batchItemFailures: [],
    });
    expect(bus.published).toEqual([
      {
        type: "subscriber.unsubscribed",
        detail: {
          id: expect.stringContaining(s.id),
          at: new Date(1_796_634_000_000).toISOString(),
          subscriberId: s.id,
        },
      },
    ]);
  });
});

describe("events on the local stack (no stream: the stores' own changes)", () => {
  it("the reader's actions succeed while the bus is down; their events follow, in order, once it is back", async () => {
    const bus = new FlakyBus();
    const relay = startLocalEvents(bus, { firstDelayMs: 5, maxDelayMs: 20 });
    const table = await store(relay.listener);
    const s = subscriber("local.reader@example.org", { status: "pending" });
    expect(await table.create(s)).toBe(true);
    expect(await table.activate(s.id, clock.now(), "192.0.2.1")).toBe("activated");
    expect(await table.unsubscribe(s.id, clock.now())).toBe("unsubscribed");
    // A repeated unsubscribe (the link clicked again) changes nothing and publishes nothing.
    expect(await table.unsubscribe(s.id, clock.now())).toBe("already");
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(relay.retries).toBeGreaterThan(1);
    expect(relay.pending).toBe(3);
    bus.down = false;
    await relay.idle();
    relay.stop();
    expect(bus.published.map((e) => e.type)).toEqual([
      "subscriber.signed-up",
      "subscriber.confirmed",
      "subscriber.unsubscribed",
    ]);
    expect(new Set(bus.published.map((e) => e.detail.id)).size).toBe(3);
  });
});
