/**
 * The table's stream (new and old images) → the readers' events on the bus (core/events.ts). Each
 * record is one write to one item; only subscribers' items are read (the stream's filter already
 * keeps the rest away). A publish that fails fails its record: Lambda hands the stream back from
 * that record, so every event is published at least once, in order per reader, once the bus
 * answers again; the reader's own write was never waiting on it.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from "aws-lambda";
import {
  type DomainEvent,
  EVENT_SCHEMAS,
  type EventBus,
  eventsFor,
  type RecordChange,
  type Recorded,
} from "../core/events.js";
import type { Clock, Log } from "../core/ports.js";
import * as z from "../core/zod.js";

type Image = Record<string, AttributeValue> | undefined;

/** A subscriber's record from a stream image; none for an absent item or an erasure mark. */
function recordOf(image: Image): Recorded | undefined {
  if (!image) return undefined;
  const item = unmarshall(image);
  return item.status === undefined || item.status === "erased" ? undefined : (item as Recorded);
}

/**
 * One stream record as a change of a subscriber's record; undefined for any other item, and for
 * DynamoDB's TTL deleting an expired record (core/retention.ts): nobody did anything.
 */
export function changeOf(record: DynamoDBRecord, clock: Clock): RecordChange | undefined {
  const data = record.dynamodb;
  const pk = data?.Keys?.pk?.S;
  if (!data || !pk?.startsWith("SUB#")) return undefined;
  const byTtl =
    record.eventName === "REMOVE" &&
    record.userIdentity?.type === "Service" &&
    record.userIdentity.principalId === "dynamodb.amazonaws.com";
  if (byTtl) return undefined;
  const seconds = data.ApproximateCreationDateTime;
  return {
    id: pk.slice(4),
    before: recordOf(data.OldImage as Image),
    after: recordOf(data.NewImage as Image),
    at: seconds ? new Date(seconds * 1000) : clock.now(),
  };
}

export interface TableStreamDeps {
  bus: EventBus;
  clock: Clock;
  log: Log;
}

/** Each event checked against its schema: one that fails is a fault here, logged, not sent. */
function checked(events: DomainEvent[], log: Log): DomainEvent[] {
  return events.filter((event) => {
    const result = z.safeParse(EVENT_SCHEMAS[event.type], event.detail);
    if (!result.success) log.error("event fails its schema", { type: event.type });
    return result.success;
  });
}

const processor = new BatchProcessor(EventType.DynamoDBStreams);

export function handleTableStream(
  deps: TableStreamDeps,
  event: DynamoDBStreamEvent,
  context?: Context,
): Promise<DynamoDBBatchResponse> {
  const publish = async (record: DynamoDBRecord) => {
    const change = changeOf(record, deps.clock);
    if (!change) return;
    const events = checked(eventsFor(change), deps.log);
    if (events.length === 0) return;
    await deps.bus.publish(events);
  };
  return processPartialResponse(event, publish, processor, {
    ...(context ? { context } : {}),
    throwOnFullBatchFailure: false,
  });
}
