/**
 * The table's three contracts on moto's DynamoDB, a second emulator beside dynalite, so that no
 * behaviour of the adapters rests on one emulator's leniency.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { DynamoSendLedger } from "../../functions/adapters/dynamo-ledger.js";
import { DynamoLimits } from "../../functions/adapters/dynamo-limits.js";
import { DynamoSubscribers } from "../../functions/adapters/dynamo-subscribers.js";
import { ACTIVE_SHARDS, DynamoTable } from "../../functions/adapters/dynamo-table.js";
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION } from "../../scripts/local/aws.js";
import { type Moto, motoMissing, startMoto } from "../support/moto.js";
import { ledgerContract } from "./ledger.contract.js";
import { limitsContract } from "./limits.contract.js";
import { subscribersContract } from "./subscribers.contract.js";

const missing = motoMissing();
let moto: Moto | undefined;
let tables = 0;

beforeAll(async () => {
  if (!missing) moto = await startMoto();
}, 30_000);
afterAll(async () => {
  await moto?.stop();
});

/** A fresh table per test, so that listings see only that test's subscribers. */
async function dynamo() {
  if (!moto) throw new Error("moto_server did not start");
  tables += 1;
  const tableName = `contract-${tables}`;
  await ensureTable(moto.endpoint, tableName);
  const table = new DynamoTable({
    tableName,
    shards: ACTIVE_SHARDS,
    clientOptions: {
      endpoint: moto.endpoint,
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

if (missing) {
  describe("DynamoDB on moto", () => {
    it.skip(`skipped: ${missing}`, () => {});
  });
} else {
  subscribersContract("DynamoDB on moto", dynamo);
  ledgerContract("DynamoDB on moto", dynamo);
  limitsContract("DynamoDB on moto", dynamo);
}
