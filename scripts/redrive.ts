/**
 * Moves every message of a dead-letter queue back to the queue it came from, once its cause is
 * fixed: `npm run redrive -- <dead-letter queue URL or ARN> [--region <region>]`.
 * The deployed stage's outputs name each dead-letter queue's ARN. Exit 0: all moved; 1: some
 * could not be moved (they stay in the dead-letter queue), or SQS could not be reached; 2: bad
 * usage. SQS_ENDPOINT points it at another SQS API (an emulator).
 */
import { parseArgs } from "node:util";
import { SQSClient } from "@aws-sdk/client-sqs";
import { runWhenExecuted } from "./cli.js";
import { redrive } from "./local/redrive.js";

export const USAGE = `Usage: npm run redrive -- <dead-letter queue URL or ARN> [--region <region>]

Moves every message of the dead-letter queue back to its source queue.
Exit codes: 0 all moved · 1 some could not be moved (they stay), or SQS could not be reached · 2 bad usage
SQS_ENDPOINT=<url> uses another SQS API (an emulator such as moto).`;

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [queue] = positionals;
  if (!queue || positionals.length > 1) {
    console.error(
      `${queue ? "one queue at a time" : "the dead-letter queue's URL or ARN is missing"}\n\n${USAGE}`,
    );
    return 2;
  }
  const client = new SQSClient({
    ...(values.region ? { region: values.region } : {}),
    ...(process.env.SQS_ENDPOINT ? { endpoint: process.env.SQS_ENDPOINT } : {}),
  });
  try {
    const result = await redrive(client, queue);
    console.log(`moved ${result.moved} message(s) to ${result.to}`);
    if (result.failed === 0) return 0;
    console.error(`${result.failed} message(s) could not be moved; they stay in ${queue}`);
    return 1;
  } catch (error) {
    console.error(`redrive: ${(error as Error).message}; what was not moved stays in ${queue}`);
    return 1;
  } finally {
    client.destroy();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: { region: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
}

runWhenExecuted(import.meta.url, main);
