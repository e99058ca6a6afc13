/**
 * `npm run subscribers`: the operator's side of readers' rights, on the running `npm start`
 * stack, or on a deployed stage with the operator's AWS credentials.
 *
 *   npm run subscribers -- erase <address>      leaves only the erasure mark (core/rights.ts)
 *   npm run subscribers -- export <address>     prints what "download my data" gives, as JSON
 *   … --stage <stage> --table <table> [--region <region>]   a deployed stage: its table (the
 *     deploy's `table` output) and its id key from SSM (/strength-tips/<stage>/id-key)
 *
 * Locally the id key is ID_KEY, else the local stack's; DYNAMODB_ENDPOINT overrides the stack's.
 * Exit 0 done, 1 an error (nobody with that address, for export), 2 bad usage.
 */
import { parseArgs } from "node:util";
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { DynamoSubscribers } from "../functions/adapters/dynamo-subscribers.js";
import { ACTIVE_SHARDS, DynamoTable } from "../functions/adapters/dynamo-table.js";
import { systemClock } from "../functions/adapters/system.js";
import { keyedHashes } from "../functions/core/email.js";
import { eraseReader, idOfAddress, readerData } from "../functions/core/rights.js";
import { parseSecret } from "../functions/core/tokens.js";
import { keyParameter } from "../infra/wiring.js";
import { runWhenExecuted } from "./cli.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./local/aws.js";
import { LOCAL_ID_KEY } from "./local/keys.js";
import { readStackFile } from "./local/stack-file.js";

const USAGE =
  "Usage: npm run subscribers -- erase|export <address> [--stage <stage> --table <table> [--region <region>]]";

interface Target {
  table: DynamoTable;
  idKey: string;
}

async function target(values: {
  stage?: string;
  table?: string;
  region?: string;
}): Promise<Target> {
  if (values.stage) {
    if (!values.table) throw new Error("--stage needs --table (the deploy's `table` output)");
    const region = values.region ?? process.env.AWS_REGION ?? "us-east-1";
    const name = keyParameter(values.stage, "id-key");
    const ssm = new SSMProvider({ clientConfig: { region } });
    const raw = await ssm.get(name, { decrypt: true });
    if (typeof raw !== "string") throw new Error(`the SSM parameter ${name} is empty`);
    return {
      table: new DynamoTable({
        tableName: values.table,
        shards: ACTIVE_SHARDS,
        clientOptions: { region },
      }),
      idKey: parseSecret(raw, name),
    };
  }
  const endpoint = process.env.DYNAMODB_ENDPOINT ?? readStackFile()?.dynamoEndpoint;
  if (!endpoint)
    throw new Error("No local stack is running: start it with `npm start`, or name a --stage.");
  return {
    table: new DynamoTable({
      tableName: values.table ?? "Subscribers",
      shards: ACTIVE_SHARDS,
      clientOptions: { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
    }),
    idKey: parseSecret(process.env.ID_KEY ?? LOCAL_ID_KEY, "ID_KEY"),
  };
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      stage: { type: "string" },
      table: { type: "string" },
      region: { type: "string" },
    },
  });
  const [command, address, ...extra] = positionals;
  if ((command !== "erase" && command !== "export") || !address || extra.length > 0) {
    console.error(USAGE);
    return 2;
  }
  const { table, idKey } = await target(values);
  const subscribers = new DynamoSubscribers(table);
  const id = idOfAddress(keyedHashes(idKey), address);
  if (command === "export") {
    const found = await subscribers.get(id);
    if (!found) {
      console.error("Nobody with that address is on the list (or it was erased).");
      return 1;
    }
    console.log(JSON.stringify(readerData(found, new Map(), systemClock.now()), null, 2));
    return 0;
  }
  const result = await eraseReader({ subscribers, clock: systemClock }, id);
  console.log(
    result === "erased"
      ? "Erased: only the keyed hash of the address is left, as the erasure mark."
      : "Nobody with that address was on the list; the erasure mark is left all the same.",
  );
  return 0;
}

runWhenExecuted(import.meta.url, main);
