/**
 * A local stack started with its own keys (TOKEN_KEYS, ID_KEY): `npm run send` and
 * `npm run subscribers` refuse to work on it with other keys, whose links would fail there and
 * whose address hashes would find nobody, and work with the same keys.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSecret } from "../../scripts/keys.js";
import { freePort } from "../support/ports.js";
import { sesEmails } from "../support/ses-local.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const KEYS = { TOKEN_KEYS: `mine:${newSecret()}`, ID_KEY: newSecret() };
/** The environment of a command run beside the stack: no endpoints, so it finds the stack's. */
const BASE = (() => {
  const env: Record<string, string | undefined> = { ...process.env, NODE_NO_WARNINGS: "1" };
  for (const name of ["DYNAMODB_ENDPOINT", "SES_ENDPOINT", "BASE_URL", "TOKEN_KEYS", "ID_KEY"])
    delete env[name];
  return env;
})();

let stack: ChildProcess;
let site = "";
let mailbox = "";
let dynamoPort = 0;

beforeAll(async () => {
  const [port, dynamo, ses] = [await freePort(), await freePort(), await freePort()];
  site = `http://127.0.0.1:${port}`;
  mailbox = `http://127.0.0.1:${ses}`;
  dynamoPort = dynamo;
  stack = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/start.ts",
      "--skip-build",
      "--in-memory",
      ...["--port", String(port), "--dynamo-port", String(dynamo), "--ses-port", String(ses)],
    ],
    { cwd: ROOT, env: { ...BASE, ...KEYS }, stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  await new Promise<void>((resolve, reject) => {
    stack.stdout?.on("data", (chunk) => {
      out += chunk;
      if (out.includes("local stack is up")) resolve();
    });
    stack.on("exit", (code) => reject(new Error(`npm start exited ${code}: ${out}`)));
  });
}, 60_000);

afterAll(async () => {
  if (stack.exitCode !== null) return;
  const exited = new Promise((resolve) => stack.on("exit", resolve));
  stack.kill("SIGINT");
  await exited;
});

const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...BASE, ...env },
    timeout: 60_000,
  });

describe("a local stack with keys of its own", () => {
  it("`npm run send` with other keys exits 1 naming them, and sends with the same", () => {
    const other = run("scripts/send.ts", ["--dry-run"]);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(
      /The running `npm start` uses other keys than this command \(TOKEN_KEYS and ID_KEY\)/,
    );
    const same = run("scripts/send.ts", ["--dry-run"], KEYS);
    expect(same.stderr).not.toMatch(/other keys/);
    expect(same.status).toBe(0);
  });

  it("a test send with the same keys signs links the stack takes", async () => {
    const sent = run("scripts/send.ts", ["--test", "kit@example.org"], KEYS);
    expect(sent.status).toBe(0);
    const [email] = (await sesEmails(mailbox)).filter((e) =>
      e.destination.to.includes("kit@example.org"),
    );
    const link = email?.body.text?.match(new RegExp(`${site}/unsubscribe\\?token=\\S+`))?.[0];
    expect(link).toBeDefined();
    const page = await fetch(link as string);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toMatch(/invalid or has expired/);
  });

  it("`npm run subscribers -- erase` with another id key exits 1 instead of erasing nobody", () => {
    const other = run("scripts/subscribers.ts", ["erase", "nobody@example.org"], {
      TOKEN_KEYS: KEYS.TOKEN_KEYS,
    });
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/uses other keys than this command \(ID_KEY\)/);
    // The same stack, named another way, is still the stack.
    const named = run("scripts/subscribers.ts", ["erase", "nobody@example.org"], {
      TOKEN_KEYS: KEYS.TOKEN_KEYS,
      DYNAMODB_ENDPOINT: `http://localhost:${dynamoPort}/`,
    });
    expect(named.status).toBe(1);
    expect(named.stderr).toMatch(/uses other keys than this command \(ID_KEY\)/);
    const same = run("scripts/subscribers.ts", ["erase", "nobody@example.org"], KEYS);
    expect(same.status).toBe(0);
  });
});
