/** `npm run send`: flags, and what it says when the local stack is not running. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RunReport } from "../../functions/core/send-run.js";
import { EXIT, exitCode, main, parseSendArgs, UsageError } from "../../scripts/send.js";
import { freePort } from "../support/ports.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

function runSend(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/send.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NODE_NO_WARNINGS: "1", ...env },
    timeout: 30_000,
  });
}

describe("parseSendArgs", () => {
  it("reads every flag", async () => {
    expect(
      await parseSendArgs(["--week", "2026-W48", "--dry-run", "--limit", "10", "--rate", "2.5"]),
    ).toEqual({ week: "2026-W48", dryRun: true, limit: 10, rate: 2.5 });
    expect(await parseSendArgs([])).toEqual({ dryRun: false });
    expect(await parseSendArgs(["--at", "2026-11-22T17:00:00+14:00"])).toEqual({
      dryRun: false,
      at: new Date("2026-11-22T03:00:00.000Z"),
    });
    expect(await parseSendArgs(["-h"])).toBe("help");
  });

  it.each([
    [["--week", "2026-48"], /--week must be an ISO week like 2026-W48/],
    [["--week", "2026-W54"], /--week must be an ISO week/],
    [["--limit", "0"], /--limit must be a whole number/],
    [["--limit", "2.5"], /--limit must be a whole number/],
    [["--rate=-1"], /--rate must be a number of emails per second/],
    [["--rate", "0"], /--rate must be a number of emails per second/],
    [["--rate", "fast"], /--rate must be/],
    [["--bogus"], /Unknown option '--bogus'/],
    [["--at", "monday"], /--at must be an ISO instant/],
    [["--at", "2026-11-23T07:00"], /--at must be an ISO instant with its offset/],
    [["--at", "2026-13-40T07:00:00Z"], /--at must be an ISO instant/],
    [["--at", "2099-01-05T07:00:00Z"], /--at .* is in the future/],
    [["--week", "2099-W02"], /--week 2099-W02 has not begun yet anywhere/],
    [["extra"], /positional/i],
    [["--week", "2026-W48", "--at", "2026-11-23T10:00:00Z"], /give --week or --at, not both/],
  ])("%j is refused", async (args, message) => {
    await expect(parseSendArgs(args)).rejects.toThrow(message);
    await expect(parseSendArgs(args)).rejects.toBeInstanceOf(UsageError);
  });
});

describe("exit codes", () => {
  const report = (changes: Partial<RunReport>) =>
    ({ leftForLater: 0, inFlight: 0, ...changes }) as unknown as RunReport;
  it.each([
    ["everyone settled", {}, EXIT.done],
    ["SES paused the account", { stopped: { reason: "paused", message: "" } }, EXIT.stopped],
    ["the daily quota ran out", { stopped: { reason: "daily-quota", message: "" } }, EXIT.stopped],
    [
      "a paused configuration set",
      { stopped: { reason: "configuration-set-paused", message: "" } },
      EXIT.stopped,
    ],
    [
      "a tip that cannot be filled",
      { stopped: { reason: "bad-content", message: "" } },
      EXIT.badContent,
    ],
    [
      "SES rejects the message itself",
      { stopped: { reason: "message-rejected", message: "" } },
      EXIT.badContent,
    ],
    ["access denied", { stopped: { reason: "access-denied", message: "" } }, EXIT.stopped],
    ["batches left for a later run", { leftForLater: 2 }, EXIT.incomplete],
    ["another run's claims in flight", { inFlight: 6 }, EXIT.incomplete],
    [
      "interrupted by Ctrl-C",
      { stopped: { reason: "interrupted", message: "" } },
      EXIT.interrupted,
    ],
  ] as const)("%s → %i", (_what, changes, code) => {
    expect(exitCode(report(changes as Partial<RunReport>))).toBe(code);
  });

  it("the usage documents every code", async () => {
    const { USAGE } = await import("../../scripts/send.js");
    for (const code of Object.values(EXIT)) expect(USAGE).toContain(`${code} `);
  });
});

describe("npm run send", () => {
  it("exits 2 with the usage on a bad flag (a real process: the code reaches the shell)", () => {
    const result = runSend(["--week", "soon"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--week must be an ISO week/);
    expect(result.stderr).toMatch(/Usage: npm run send/);
  });

  it("exits 1 telling the operator to run npm start when nothing listens", async () => {
    const port = await freePort();
    const saved = process.env.DYNAMODB_ENDPOINT;
    const errors: string[] = [];
    const error = console.error;
    process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${port}`;
    console.error = (...parts: unknown[]) => errors.push(parts.join(" "));
    try {
      expect(await main([])).toBe(EXIT.error);
    } finally {
      console.error = error;
      if (saved === undefined) delete process.env.DYNAMODB_ENDPOINT;
      else process.env.DYNAMODB_ENDPOINT = saved;
    }
    expect(errors.join("\n")).toMatch(/Nothing is listening at http:\/\/127\.0\.0\.1:\d+/);
    expect(errors.join("\n")).toMatch(/npm start/);
  });
});
