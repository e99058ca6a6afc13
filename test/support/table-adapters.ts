/** The table's adapters (subscribers, send ledger, limits, stats, roster, clicks) on a fresh table at an endpoint. */

import { DynamoClicks } from "../../functions/adapters/dynamo-clicks.js";
import { DynamoSendLedger } from "../../functions/adapters/dynamo-ledger.js";
import { DynamoLimits } from "../../functions/adapters/dynamo-limits.js";
import { DynamoRoster } from "../../functions/adapters/dynamo-roster.js";
import { DynamoStats } from "../../functions/adapters/dynamo-stats.js";
import { DynamoSubscribers } from "../../functions/adapters/dynamo-subscribers.js";
import { ACTIVE_SHARDS, DynamoTable } from "../../functions/adapters/dynamo-table.js";
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION } from "../../scripts/local/aws.js";

let tables = 0;

export async function freshTableAdapters(endpoint: string) {
  tables += 1;
  const tableName = `contract-${tables}`;
  await ensureTable(endpoint, tableName);
  const table = new DynamoTable({
    tableName,
    shards: ACTIVE_SHARDS,
    clientOptions: { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
  });
  return {
    table,
    subscribers: new DynamoSubscribers(table),
    ledger: new DynamoSendLedger(table),
    limits: new DynamoLimits(table),
    stats: new DynamoStats(table),
    roster: new DynamoRoster(table),
    clicks: new DynamoClicks(table),
  };
}
