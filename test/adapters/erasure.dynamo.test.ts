/**
 * An erasure mark on DynamoDB (dynalite) holds the keyed-hash id and the time, nothing else, even
 * when a send that claimed the reader before the erasure records its email afterwards.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { subscriberKey } from "../../functions/adapters/dynamo-table.js";
import { type LocalAws, startLocalAws } from "../../scripts/local/aws.js";
import { subscriber } from "../support/send-fixtures.js";
import { freshTableAdapters } from "../support/table-adapters.js";

let aws: LocalAws | undefined;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

const T0 = new Date("2026-11-23T09:00:00.000Z");
const later = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

it.each([
  ["in the zone it was planned in", { timeZone: "Europe/London" }],
  ["after a zone change", { timeZone: "America/Chicago" }],
  ["with no zone given", undefined],
])("a send recorded after the erasure, %s, leaves only the mark", async (_, slotZone) => {
  if (!aws) throw new Error("dynalite did not start");
  const { table, subscribers, ledger } = await freshTableAdapters(aws.dynamoEndpoint);
  const reader = subscriber("erased@example.org", { timeZone: "Europe/London" });
  await subscribers.create(reader);
  const request = { week: "2026-W48", tip: "squats", runId: "r", now: T0, staleBefore: T0 };
  expect(await ledger.claim(reader.id, request)).toBe("claimed");
  await subscribers.erase(reader.id, later(1));
  await ledger.markSent(reader.id, "2026-W48", "squats", "r", "m", later(2), later(60), slotZone);
  const { Item } = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: subscriberKey(reader.id), ConsistentRead: true }),
  );
  expect(Item).toEqual({
    ...subscriberKey(reader.id),
    id: reader.id,
    status: "erased",
    erasedAt: later(1).toISOString(),
  });
});
