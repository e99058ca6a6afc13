/** The subscriber store for a Lambda: built once per container from the linked table. */
import { DynamoStore } from "../adapters/dynamo-store.js";
import { ACTIVE_SHARDS } from "../adapters/dynamo-table.js";
import { aws, clientOptions, tableName } from "../config.js";

let store: DynamoStore | undefined;

export function subscriberStore(): DynamoStore {
  store ??= new DynamoStore({
    tableName: tableName(),
    shards: ACTIVE_SHARDS,
    clientOptions: clientOptions(aws().DYNAMODB_ENDPOINT),
  });
  return store;
}
