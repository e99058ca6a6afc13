/**
 * Stats (core/ports.ts) on the DynamoDB table: one Query per counter partition (STATS#0 …
 * STATS#<shards-1>, in parallel), summed by core/stats.ts. It reads the counter items only, a few
 * hundred at most, however many readers there are.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Stats } from "../core/ports.js";
import { type CounterItem, type StatsReport, summarize } from "../core/stats.js";
import type { DynamoTable, Item } from "./dynamo-table.js";

export class DynamoStats implements Stats {
  constructor(private readonly table: DynamoTable) {}

  async read(): Promise<StatsReport> {
    const shards = Array.from({ length: this.table.shards }, (_, shard) => this.shard(shard));
    return summarize((await Promise.all(shards)).flat());
  }

  private async shard(shard: number): Promise<CounterItem[]> {
    const items: CounterItem[] = [];
    let start: Item | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `STATS#${shard}` },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const { pk: _pk, sk, ...counts } of page.Items ?? []) {
        items.push({ sk: String(sk), counts: counts as Record<string, number> });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
