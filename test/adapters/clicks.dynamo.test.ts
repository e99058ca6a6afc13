/**
 * The click counter's item layout on DynamoDB, which `npm run stats` reads: `ADD clicks` on
 * pk `STATS#<shardOf(reader id)>`, sk `TIP#<slug>`, and `lastClickWeek` on the reader's own item.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoClicks } from "../../functions/adapters/dynamo-clicks.js";
import {
  ACTIVE_SHARDS,
  DynamoTable,
  subscriberKey,
} from "../../functions/adapters/dynamo-table.js";
import { shardOf } from "../../functions/core/email.js";
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalAws,
  startLocalAws,
} from "../../scripts/local/aws.js";
import { subscriberId } from "../support/ids.js";

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

describe("DynamoClicks' items", () => {
  it("adds to STATS#<shard> / TIP#<slug> and sets lastClickWeek on the reader", async () => {
    await ensureTable(aws.dynamoEndpoint, "clicks-layout");
    const table = new DynamoTable({
      tableName: "clicks-layout",
      shards: ACTIVE_SHARDS,
      clientOptions: {
        endpoint: aws.dynamoEndpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      },
    });
    const id = subscriberId("layout@example.org");
    await table.put({ Item: { ...subscriberKey(id), id, status: "active" } });
    const clicks = new DynamoClicks(table);
    await clicks.count(id, "squats", "2026-W50");
    await clicks.count(id, "squats", "2026-W51");
    const counter = await table.read({
      pk: `STATS#${shardOf(id, ACTIVE_SHARDS)}`,
      sk: "TIP#squats",
    });
    expect(counter?.clicks).toBe(2);
    expect((await table.read(subscriberKey(id)))?.lastClickWeek).toBe("2026-W51");
  });
});
