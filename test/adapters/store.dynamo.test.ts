/** The table's three contracts on DynamoDB (dynalite): each port's adapter on a fresh table. */
import { afterAll, beforeAll } from "vitest";
import { DynamoSendLedger } from "../../functions/adapters/dynamo-ledger.js";
import { DynamoLimits } from "../../functions/adapters/dynamo-limits.js";
import { DynamoSubscribers } from "../../functions/adapters/dynamo-subscribers.js";
import { ACTIVE_SHARDS, DynamoTable } from "../../functions/adapters/dynamo-table.js";
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalAws,
  startLocalAws,
} from "../../scripts/local/aws.js";
import { ledgerContract } from "./ledger.contract.js";
import { limitsContract } from "./limits.contract.js";
import { subscribersContract } from "./subscribers.contract.js";

let aws: LocalAws | undefined;
let tables = 0;

beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

/** A fresh table per test, so that listings see only that test's subscribers. */
async function dynamo() {
  if (!aws) throw new Error("dynalite did not start");
  tables += 1;
  const tableName = `contract-${tables}`;
  await ensureTable(aws.dynamoEndpoint, tableName);
  const table = new DynamoTable({
    tableName,
    shards: ACTIVE_SHARDS,
    clientOptions: {
      endpoint: aws.dynamoEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    },
  });
  return {
    subscribers: new DynamoSubscribers(table),
    ledger: new DynamoSendLedger(table),
    limits: new DynamoLimits(table),
  };
}

subscribersContract("DynamoDB on dynalite", dynamo);
ledgerContract("DynamoDB on dynalite", dynamo);
limitsContract("DynamoDB on dynalite", dynamo);
