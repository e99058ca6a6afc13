import { afterAll, beforeAll } from "vitest";
import { DynamoStore } from "../../functions/adapters/dynamo-store.js";
import { ACTIVE_SHARDS } from "../../functions/adapters/dynamo-table.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalAws,
  startLocalAws,
} from "../../scripts/local/aws.js";
import { storeClaimsContract } from "./store-claims.contract.js";

let aws: LocalAws | undefined;
let dynamo: DynamoStore | undefined;

beforeAll(async () => {
  aws = await startLocalAws();
  dynamo = new DynamoStore({
    tableName: aws.tableName,
    shards: ACTIVE_SHARDS,
    clientOptions: {
      endpoint: aws.dynamoEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    },
  });
});

afterAll(async () => {
  await aws?.stop();
});

storeClaimsContract("MemoryStore", () => new MemoryStore(4));
storeClaimsContract("DynamoStore on dynalite", () => dynamo as DynamoStore);
