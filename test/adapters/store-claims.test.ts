import { afterAll, beforeAll } from "vitest";
import type { DynamoStore } from "../../functions/adapters/dynamo-store.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { type LocalAws, localStore, startLocalAws } from "../../scripts/local/aws.js";
import { storeClaimsContract } from "./store-claims.contract.js";

let aws: LocalAws | undefined;
let dynamo: DynamoStore | undefined;

beforeAll(async () => {
  aws = await startLocalAws();
  dynamo = localStore(aws.dynamoEndpoint, aws.tableName);
});

afterAll(async () => {
  await aws?.stop();
});

storeClaimsContract("MemoryStore", () => new MemoryStore(4));
storeClaimsContract("DynamoStore on dynalite", () => dynamo as DynamoStore);
