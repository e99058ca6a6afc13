/**
 * `npm run keys`: makes and checks the stage's keys (functions/core/tokens.ts checks them the same
 * way at every cold start and at `npm start`).
 *
 *   npm run keys -- new [--kid <id>]     a keyring entry kid:secret (32 random bytes, hex)
 *   npm run keys -- new --bare           a bare secret, for the id key
 *   npm run keys -- check <value> [--bare]   exit 0 when the keyring (or secret) would be taken
 *
 * docs/deploying.md puts them in SSM. Exit 0 done, 1 refused, 2 bad usage.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import {
  KeyringError,
  parseKeyring,
  parseSecret,
  secretProblem,
} from "../functions/core/tokens.js";
import { runWhenExecuted } from "./cli.js";

const USAGE =
  "Usage: npm run keys -- new [--kid <id>] [--bare]\n       npm run keys -- check <keyring or secret> [--bare]";

/** 32 random bytes as hex that pass every check (a failing draw is one in ten million). */
export function newSecret(): string {
  for (;;) {
    const secret = randomBytes(32).toString("hex");
    if (!secretProblem(secret)) return secret;
  }
}

const parseKeysArgs = (argv: string[]) =>
  parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kid: { type: "string" },
      bare: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseKeysArgs>;
  try {
    parsed = parseKeysArgs(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, value, ...extra] = positionals;
  if (command === "new" && value === undefined) {
    const kid = values.kid ?? `k${new Date().toISOString().slice(0, 10).replace(/-/g, "")}`;
    const secret = newSecret();
    const out = values.bare ? secret : `${kid}:${secret}`;
    if (!values.bare) parseKeyring(out); // a bad --kid is refused here, with the reason
    console.log(out);
    return 0;
  }
  if (command === "check" && value !== undefined && extra.length === 0) {
    try {
      if (values.bare) parseSecret(value, "the secret");
      else parseKeyring(value, "the keyring");
    } catch (error) {
      if (!(error instanceof KeyringError)) throw error;
      console.error(error.message);
      return 1;
    }
    console.log("ok");
    return 0;
  }
  console.error(USAGE);
  return 2;
}

runWhenExecuted(import.meta.url, main);
