/** The table's ports for a Lambda: one DocumentClient per container, on the linked table. */

import { DynamoClicks } from "../adapters/dynamo-clicks.js";
import { DynamoSendLedger } from "../adapters/dynamo-ledger.js";
import { DynamoLimits } from "../adapters/dynamo-limits.js";
import { DynamoRoster } from "../adapters/dynamo-roster.js";
import { DynamoSubscribers } from "../adapters/dynamo-subscribers.js";
import { ACTIVE_SHARDS, DynamoTable } from "../adapters/dynamo-table.js";
import { aws, clientOptions, tableName } from "../config.js";
import type { Clicks, Limits, Roster, SendLedger, Subscribers } from "../core/ports.js";
import { tableChanges } from "./table-changes.js";

let table: DynamoTable | undefined;
let ports:
  | { subscribers: Subscribers; ledger: SendLedger; limits: Limits; roster: Roster; clicks: Clicks }
  | undefined;

function tablePorts() {
  table ??= new DynamoTable({
    tableName: tableName(),
    shards: ACTIVE_SHARDS,
    clientOptions: clientOptions(aws().DYNAMODB_ENDPOINT),
    // Only the local stack listens (dynalite has no stream); in AWS nobody does.
    onChange: tableChanges,
  });
  ports ??= {
    subscribers: new DynamoSubscribers(table),
    ledger: new DynamoSendLedger(table),
    limits: new DynamoLimits(table),
    roster: new DynamoRoster(table),
    clicks: new DynamoClicks(table),
  };
  return ports;
}

export const subscriberStore = (): Subscribers => tablePorts().subscribers;
export const sendLedger = (): SendLedger => tablePorts().ledger;
export const limits = (): Limits => tablePorts().limits;
export const roster = (): Roster => tablePorts().roster;
export const clicks = (): Clicks => tablePorts().clicks;
