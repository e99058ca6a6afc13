/**
 * The table's contracts on moto's DynamoDB, a second emulator beside dynalite, so that no
 * behaviour of the adapters rests on one emulator's leniency.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { type Moto, motoMissing, startMoto } from "../support/moto.js";
import { freshTableAdapters } from "../support/table-adapters.js";
import { ledgerContract } from "./ledger.contract.js";
import { limitsContract } from "./limits.contract.js";
import { rosterContract } from "./roster.contract.js";
import { statsContract } from "./stats.contract.js";
import { subscribersContract } from "./subscribers.contract.js";

const missing = motoMissing();
let moto: Moto | undefined;

beforeAll(async () => {
  if (!missing) moto = await startMoto();
}, 30_000);
afterAll(async () => {
  await moto?.stop();
});

/** A fresh table per test, so that listings see only that test's subscribers. */
function dynamo() {
  if (!moto) throw new Error("moto_server did not start");
  return freshTableAdapters(moto.endpoint);
}

if (missing) {
  describe("DynamoDB on moto", () => {
    it.skip(`skipped: ${missing}`, () => {});
  });
} else {
  subscribersContract("DynamoDB on moto", dynamo);
  ledgerContract("DynamoDB on moto", dynamo);
  limitsContract("DynamoDB on moto", dynamo);
  statsContract("DynamoDB on moto", dynamo);
  rosterContract("DynamoDB on moto", dynamo);
}
