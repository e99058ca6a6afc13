/**
 * The Subscribers table: its single-table key design, and the one DocumentClient its three
 * adapters share (dynamo-subscribers.ts, dynamo-ledger.ts, dynamo-limits.ts). sst.config.ts
 * declares the same table; scripts/local/aws.ts creates it in dynalite from tableDefinition.
 *
 *   subscriber   pk = SUB#<id>          sk = SUB       expiresAt = TTL unless active
 *                gsi1pk = ACTIVE#<shard> gsi1sk = <dueAt>#<id>   (only while status = active)
 *   erased       pk = SUB#<id>          sk = SUB       status = erased, erasedAt (nothing else)
 *   rate limit   pk = RATE#<key>        sk = <window start>  expiresAt = TTL (epoch seconds)
 *   mailbox      pk = MAILBOX#<hash>    sk = MAILBOX         slots, version, expiresAt = TTL
 *   (every <id>, <hash> and client or domain in a <key> is a keyed hash: core/email.ts)
 *   turn         pk = TURN#<key>        sk = TURN            lastAt
 *   counters     pk = STATS#<shard>     sk = READERS | WEEK#<ISO week> | TIP#<slug>   numbers
 *                (core/stats.ts; shard = shardOf(subscriber id), so writes spread)
 */
import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { shardOf } from "../core/email.js";
import type { ChangeListener, Recorded } from "../core/events.js";
import { countsFor } from "../core/stats.js";
import type { Subscriber } from "../core/types.js";

export type Item = Record<string, unknown>;

export const ACTIVE_INDEX = "active";

/**
 * The active set is spread over this many GSI partitions so that reading it (and the writes that
 * join and leave it) never lean on one hot key. Part of the key design, not a runtime setting:
 * changing it means re-sharding existing items.
 */
export const ACTIVE_SHARDS = 16;

export const subscriberKey = (id: string) => ({ pk: `SUB#${id}`, sk: "SUB" });
export const activeKey = (shard: number) => `ACTIVE#${shard}`;
export const mailboxItemKey = (mailbox: string) => ({ pk: `MAILBOX#${mailbox}`, sk: "MAILBOX" });
/**
 * The active index's sort key: the reader's next due instant, then the id. An absent dueAt sorts
 * first ("#…" before any ISO date), i.e. due now.
 */
export const dueSortKey = (id: string, dueAt: string | undefined) => `${dueAt ?? ""}#${id}`;
/** Every sort key due at or before `dueBy` is below this ("$" follows "#"). */
export const dueUpperBound = (dueBy: Date) => `${dueBy.toISOString()}$`;
/** A counter item (core/stats.ts) in one shard: `READERS`, `WEEK#<week>` or `TIP#<slug>`. */
export const statsKey = (shard: number, sk: string) => ({ pk: `STATS#${shard}`, sk });
/** One shared send schedule (core/pacing.ts sharedPacer): its next free slot is on this item. */
export const turnKey = (key: string) => ({ pk: `TURN#${key}`, sk: "TURN" });
export const holdKey = (key: string) => ({ pk: `HOLD#${key}`, sk: "HOLD" });
export const rateKey = (key: string, windowStart: Date) => ({
  pk: `RATE#${key}`,
  sk: windowStart.toISOString(),
});

export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "S" },
      { AttributeName: "gsi1pk", AttributeType: "S" },
      { AttributeName: "gsi1sk", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: ACTIVE_INDEX,
        KeySchema: [
          { AttributeName: "gsi1pk", KeyType: "HASH" },
          { AttributeName: "gsi1sk", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
}

export interface DynamoTableOptions {
  tableName: string;
  shards: number;
  client?: DynamoDBClient;
  /** Client options when no client is given (region, endpoint, credentials). */
  clientOptions?: DynamoDBClientConfig;
  /**
   * Told of every write that changed a subscriber's record, where no table stream carries them
   * (the local stack: dynalite has no streams). In AWS the stream does, and nothing is set.
   */
  onChange?: ChangeListener;
}

/** An UpdateItem or PutItem before the table is named. */
export type TableUpdate = Omit<UpdateCommandInput, "TableName">;
export type TablePut = Omit<PutCommandInput, "TableName">;

export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string })?.name === "ConditionalCheckFailedException"
  );
}

/** The table through one DocumentClient, with the calls every adapter makes. */
export class DynamoTable {
  readonly name: string;
  readonly shards: number;
  readonly doc: DynamoDBDocumentClient;
  private readonly onChange: ChangeListener | undefined;

  constructor(options: DynamoTableOptions) {
    this.name = options.tableName;
    this.shards = options.shards;
    this.onChange = options.onChange;
    const client = options.client ?? new DynamoDBClient(options.clientOptions ?? {});
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  /** GetItem, strongly consistent. */
  async read(key: Item): Promise<Item | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  /** UpdateItem; returns the attributes asked for, if any. */
  async write(input: TableUpdate): Promise<Item | undefined> {
    const result = await this.doc.send(new UpdateCommand({ TableName: this.name, ...input }));
    return result.Attributes;
  }

  /** A conditional UpdateItem; false when its condition did not hold. */
  async update(input: TableUpdate): Promise<boolean> {
    return this.conditional(() => this.write(input));
  }

  /**
   * A conditional UpdateItem that returns the item as it was: undefined when the condition did
   * not hold (nothing written), else the old item ({} when there was none).
   */
  async change(input: TableUpdate): Promise<Item | undefined> {
    try {
      return (await this.write({ ...input, ReturnValues: "ALL_OLD" })) ?? {};
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Moves the counters that one subscriber's write moved (core/stats.ts), one ADD per counter
   * item in the subscriber's shard. Called only after a write whose condition held, so a repeated
   * event, which fails its condition, counts nothing. The reader's action has happened by then:
   * a counter that cannot be written is logged, never thrown.
   */
  async count(
    id: string,
    before: Recorded | undefined,
    after: Recorded | undefined,
    now: Date,
  ): Promise<void> {
    await this.countAll([{ id, before, after, now }]);
  }

  /**
   * count() for many writes at once (an import's batch): the moves of every write summed per
   * counter item, so that each item takes one ADD however many readers moved it.
   */
  async countAll(
    changes: ReadonlyArray<{
      id: string;
      before: Recorded | undefined;
      after: Recorded | undefined;
      now: Date;
    }>,
  ): Promise<void> {
    const items = new Map<string, { shard: number; sk: string; fields: Map<string, number> }>();
    for (const { id, before, after, now } of changes) {
      this.onChange?.({ id, before, after, at: now });
      const shard = shardOf(id, this.shards);
      for (const { sk, field, by } of countsFor(before, after, now)) {
        const key = `${shard}|${sk}`;
        const item = items.get(key) ?? { shard, sk, fields: new Map<string, number>() };
        item.fields.set(field, (item.fields.get(field) ?? 0) + by);
        items.set(key, item);
      }
    }
    await Promise.all(
      [...items.values()].map(async ({ shard, sk, fields }) => {
        const list = [...fields].filter(([, by]) => by !== 0);
        if (list.length === 0) return;
        try {
          await this.write({
            Key: statsKey(shard, sk),
            UpdateExpression: `ADD ${list.map((_, i) => `#f${i} :v${i}`).join(", ")}`,
            ExpressionAttributeNames: Object.fromEntries(list.map(([f], i) => [`#f${i}`, f])),
            ExpressionAttributeValues: Object.fromEntries(list.map(([, v], i) => [`:v${i}`, v])),
          });
        } catch (error) {
          console.warn(
            JSON.stringify({
              level: "WARN",
              message: "stats counter not updated",
              sk,
              error: (error as Error).name,
            }),
          );
        }
      }),
    );
  }

  /** PutItem that replaces whatever was there; returns the item it replaced, if any. */
  async replace(input: TablePut): Promise<Item | undefined> {
    const result = await this.doc.send(
      new PutCommand({ TableName: this.name, ReturnValues: "ALL_OLD", ...input }),
    );
    return result.Attributes;
  }

  /** A conditional PutItem; false when its condition did not hold. */
  async put(input: TablePut): Promise<boolean> {
    return this.conditional(() =>
      this.doc.send(new PutCommand({ TableName: this.name, ...input })),
    );
  }

  private async conditional(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

export function toItem(subscriber: Subscriber, shards: number): Item {
  const { sentTips, ...rest } = subscriber;
  const item: Item = { ...subscriberKey(subscriber.id), ...rest };
  if (sentTips.length > 0) item.sentTips = new Set(sentTips);
  if (subscriber.status === "active") {
    item.gsi1pk = activeKey(shardOf(subscriber.id, shards));
    item.gsi1sk = dueSortKey(subscriber.id, subscriber.dueAt);
  }
  return item;
}

export function fromItem(item: Item): Subscriber {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, sentTips, ...rest } = item;
  return {
    ...(rest as unknown as Omit<Subscriber, "sentTips">),
    sentTips: sentTips instanceof Set ? [...(sentTips as Set<string>)] : [],
  };
}
