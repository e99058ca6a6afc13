/**
 * Clicks (core/ports.ts) on the DynamoDB table: one counter item per tip and shard
 * (`STATS#<shard>` / `TIP#<slug>`, `ADD clicks :1`), and the reader's `lastClickWeek` on their
 * own item, set only while they have one.
 */
import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import { shardOf } from "../core/email.js";
import type { Clicks } from "../core/ports.js";
import { type DynamoTable, statsKey, subscriberKey } from "./dynamo-table.js";

/** The counter item of one tip in one shard (the stats' schema, read by `npm run stats`). */
export const tipStatsKey = (shard: number, tip: string) => statsKey(shard, `TIP#${tip}`);

export class DynamoClicks implements Clicks {
  constructor(private readonly table: DynamoTable) {}

  async count(subscriberId: string, tip: string, week: string): Promise<void> {
    await this.table.write({
      Key: tipStatsKey(shardOf(subscriberId, this.table.shards), tip),
      UpdateExpression: "ADD clicks :one",
      ExpressionAttributeValues: { ":one": 1 },
    });
    await this.table.update({
      Key: subscriberKey(subscriberId),
      UpdateExpression: "SET lastClickWeek = :week",
      ConditionExpression: "attribute_exists(pk) AND #status <> :erased",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":week": week, ":erased": "erased" },
    });
  }

  async tipClicks(tip: string): Promise<number> {
    const keys = Array.from({ length: this.table.shards }, (_, shard) => tipStatsKey(shard, tip));
    let total = 0;
    let pending: Record<string, unknown>[] = keys;
    while (pending.length > 0) {
      const result = await this.table.doc.send(
        new BatchGetCommand({
          RequestItems: { [this.table.name]: { Keys: pending, ConsistentRead: true } },
        }),
      );
      for (const item of result.Responses?.[this.table.name] ?? []) {
        total += Number(item.clicks ?? 0);
      }
      pending = (result.UnprocessedKeys?.[this.table.name]?.Keys ?? []) as Record<
        string,
        unknown
      >[];
    }
    return total;
  }
}
