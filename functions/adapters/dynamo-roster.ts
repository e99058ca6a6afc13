/**
 * Roster (core/ports.ts) on the DynamoDB table: batched lookups for an import, a conditional put
 * that never writes over any item (an erasure mark included), and a paged scan for an export.
 */
import { BatchGetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import pLimit from "p-limit";
import type { Roster, RosterEntry, RosterPage } from "../core/ports.js";
import { expiresAtFor } from "../core/retention.js";
import type { Subscriber } from "../core/types.js";
import { type DynamoTable, fromItem, type Item, subscriberKey, toItem } from "./dynamo-table.js";

/** BatchGetItem takes at most 100 keys. */
const BATCH = 100;
/** Conditional puts in flight at once while adding a batch. */
const ADD_LANES = 64;

const encodeCursor = (key: Item) => Buffer.from(JSON.stringify(key)).toString("base64url");
const decodeCursor = (cursor: string) =>
  JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Item;

export class DynamoRoster implements Roster {
  constructor(private readonly table: DynamoTable) {}

  async lookup(ids: readonly string[]): Promise<Map<string, RosterEntry>> {
    if (ids.length > BATCH) throw new Error(`lookup takes at most ${BATCH} ids`);
    const found = new Map<string, RosterEntry>();
    let keys: Item[] = [...new Set(ids)].map(subscriberKey);
    for (let round = 0; keys.length > 0; round += 1) {
      if (round > 0)
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** round)));
      const result = await this.table.doc.send(
        new BatchGetCommand({
          RequestItems: {
            [this.table.name]: {
              Keys: keys,
              ConsistentRead: true,
              ProjectionExpression: "pk, #status, generation, confirmSentFor",
              ExpressionAttributeNames: { "#status": "status" },
            },
          },
        }),
      );
      for (const item of result.Responses?.[this.table.name] ?? []) {
        const id = String(item.pk).slice("SUB#".length);
        found.set(id, {
          status: item.status as RosterEntry["status"],
          ...(item.generation === undefined ? {} : { generation: String(item.generation) }),
          ...(item.confirmSentFor === undefined
            ? {}
            : { confirmSentFor: String(item.confirmSentFor) }),
        });
      }
      keys = (result.UnprocessedKeys?.[this.table.name]?.Keys ?? []) as Item[];
    }
    return found;
  }

  async add(subscribers: readonly Subscriber[]): Promise<boolean[]> {
    const lane = pLimit(ADD_LANES);
    const added = await Promise.all(
      subscribers.map((subscriber) =>
        lane(() => {
          const expiresAt = expiresAtFor(subscriber.status, new Date(subscriber.createdAt));
          return this.table.put({
            Item: toItem({ ...subscriber, ...(expiresAt ? { expiresAt } : {}) }, this.table.shards),
            ConditionExpression: "attribute_not_exists(pk)",
          });
        }),
      ),
    );
    // Counted and told like signups (core/stats.ts, the local events relay), once per batch.
    await this.table.countAll(
      subscribers
        .filter((_, i) => added[i])
        .map((s) => ({ id: s.id, before: undefined, after: s, now: new Date(s.updatedAt) })),
    );
    return added;
  }

  async page(cursor: string | undefined, limit: number): Promise<RosterPage> {
    const result = await this.table.doc.send(
      new ScanCommand({
        TableName: this.table.name,
        Limit: limit,
        FilterExpression: "sk = :sub AND #status <> :erased",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":sub": "SUB", ":erased": "erased" },
        ...(cursor === undefined ? {} : { ExclusiveStartKey: decodeCursor(cursor) }),
      }),
    );
    const items = (result.Items ?? []).map(fromItem);
    return result.LastEvaluatedKey
      ? { items, cursor: encodeCursor(result.LastEvaluatedKey) }
      : { items };
  }
}
