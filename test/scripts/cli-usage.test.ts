/** `npm run redrive` and `npm start`: usage, what they say when something is out of reach, and a failed content build (real processes). */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

function redrive(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/redrive.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      NODE_NO_WARNINGS: "1",
      // Nothing listens on the discard port: SQS cannot be reached.
      SQS_ENDPOINT: "http://127.0.0.1:9",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    },
    timeout: 60_000,
  });
}

describe("npm run redrive", () => {
  it("--help prints the usage with every exit code, and exits 0", () => {
    const result = redrive(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run redrive -- <dead-letter queue URL or ARN>/);
    expect(result.stdout).toMatch(/0 all moved · 1 .* · 2 bad usage/);
  });

  it.each([
    [["--bogus", "q"], /Unknown option '--bogus'/],
    [[], /the dead-letter queue's URL or ARN is missing/],
    [["a", "b"], /one queue at a time/],
  ])("%j: exit 2, what is wrong and the usage, no stack trace", (args, message) => {
    const result = redrive(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/Usage: npm run redrive/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("SQS out of reach: exit 1 and one line saying so, no stack trace", () => {
    const result = redrive(["https://sqs.us-east-1.amazonaws.com/123456789012/tips-SendDlq"]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^redrive: .*what was not moved stays in/);
  });
});

describe("npm start with a flag it does not know", () => {
  it("says which and prints the usage, no stack trace, and starts nothing", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts", "--bogus"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^Unknown option '--bogus'\nUsage: npm start -- /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("npm start's build", () => {
  const draft = path.join(ROOT, "test/fixtures/tips/placeholder-todo");

  it("a tip being written (its TODOs left) does not stop the stack: the last good build is served, and it says so", async () => {
    const { build } = await import("../../scripts/start.js");
    const said: string[] = [];
    const earlier = path.join(ROOT, "package.json"); // stands for the last good build's module
    expect(() => build(["--tips", draft], earlier, (line) => said.push(line))).not.toThrow();
    expect(said.join("\n")).toMatch(/build failed .*serving the last good build/);
  }, 60_000);

  it("with no earlier build to serve, it stops and says why", async () => {
    const { build } = await import("../../scripts/start.js");
    expect(() => build(["--tips", draft], path.join(ROOT, "no-such-build.ts"), () => {})).toThrow(
      /there is no earlier build to serve/,
    );
  }, 60_000);
});
