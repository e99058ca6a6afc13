/**
 * Moves every message of a dead-letter queue back to the queue it came from, once its cause is
 * fixed: `npm run redrive -- <dead-letter queue URL or ARN> [--region <region>]`.
 * The deployed stage's outputs name each dead-letter queue's ARN. Exit 0: all moved; 1: some
 * could not be moved (they stay in the dead-letter queue); 2: bad usage.
 */
import { parseArgs } from "node:util";
import { SQSClient } from "@aws-sdk/client-sqs";
import { redrive } from "./local/redrive.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { region: { type: "string" } },
});
const [queue] = positionals;
if (!queue || positionals.length > 1) {
  console.error("Usage: npm run redrive -- <dead-letter queue URL or ARN> [--region <region>]");
  process.exit(2);
}

const client = new SQSClient({
  ...(values.region ? { region: values.region } : {}),
  ...(process.env.SQS_ENDPOINT ? { endpoint: process.env.SQS_ENDPOINT } : {}),
});
try {
  const result = await redrive(client, queue);
  console.log(`moved ${result.moved} message(s) to ${result.to}`);
  if (result.failed > 0) {
    console.error(`${result.failed} message(s) could not be moved; they stay in ${queue}`);
    process.exit(1);
  }
} catch (error) {
  console.error(`redrive: ${(error as Error).message}`);
  process.exit(2);
}
