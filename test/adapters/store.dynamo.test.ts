/** The table's contracts on DynamoDB (dynalite): each port's adapter on a fresh table. */
import { afterAll, beforeAll } from "vitest";
import { type LocalAws, startLocalAws } from "../../scripts/local/aws.js";
import { freshTableAdapters } from "../support/table-adapters.js";
import { ledgerContract } from "./ledger.contract.js";
import { limitsContract } from "./limits.contract.js";
import { rosterContract } from "./roster.contract.js";
import { statsContract } from "./stats.contract.js";
import { subscribersContract } from "./subscribers.contract.js";

let aws: LocalAws | undefined;

beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

/** A fresh table per test, so that listings see only that test's subscribers. */
function dynamo() {
  if (!aws) throw new Error("dynalite did not start");
  return freshTableAdapters(aws.dynamoEndpoint);
}

subscribersContract("DynamoDB on dynalite", dynamo);
ledgerContract("DynamoDB on dynalite", dynamo);
limitsContract("DynamoDB on dynalite", dynamo);
statsContract("DynamoDB on dynalite", dynamo);
rosterContract("DynamoDB on dynalite", dynamo);
