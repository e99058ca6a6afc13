/**
 * The single-table key design (README, "Data model"). sst.config.ts declares the same table;
 * scripts/local/stack.ts creates it in dynalite from this definition.
 *
 *   subscriber   pk = SUB#<id>          sk = SUB
 *                gsi1pk = ACTIVE#<shard> gsi1sk = <dueAt>#<id>   (only while status = active)
 *   rate limit   pk = RATE#<key>        sk = <window start>  expiresAt = TTL (epoch seconds)
 *   mailbox      pk = MAILBOX#<hash>    sk = MAILBOX         slots, version, expiresAt = TTL
 */
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

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
/** One shared turn (core/pacing.ts sharedTurns): its last taking is on this item. */
export const turnKey = (key: string) => ({ pk: `TURN#${key}`, sk: "TURN" });
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
