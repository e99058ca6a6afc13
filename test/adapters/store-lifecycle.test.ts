/** Runs the lifecycle contract against MemoryStore and against DynamoStore on dynalite. */
import { afterAll, beforeAll } from "vitest";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { ensureTable, type LocalAws, localStore, startLocalAws } from "../../scripts/local/aws.js";
import { storeLifecycleContract } from "./store-lifecycle.contract.js";

let aws: LocalAws | undefined;
let tables = 0;

beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

storeLifecycleContract("MemoryStore", async () => new MemoryStore(4));

storeLifecycleContract("DynamoStore on dynalite", async () => {
  if (!aws) throw new Error("dynalite did not start");
  // A fresh table per test, so that listActive sees only this test's subscribers.
  tables += 1;
  const tableName = `lifecycle-${tables}`;
  await ensureTable(aws.dynamoEndpoint, tableName);
  return localStore(aws.dynamoEndpoint, tableName);
});
