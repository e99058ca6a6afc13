/** `npm start` tells `npm run send` and `npm run check` where it runs; its first request waits for the handler. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readStackFile, removeStackFile, writeStackFile } from "../../scripts/local/stack-file.js";
import { freePort } from "../support/ports.js";

const endpoints = {
  baseUrl: "http://127.0.0.1:3901",
  dynamoEndpoint: "http://127.0.0.1:3902",
  sesEndpoint: "http://127.0.0.1:3903",
};

describe("the local stack file", () => {
  it("is read back while the stack's process lives, and ignored once it is gone", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "stack-")), "local-stack.json");
    writeStackFile(endpoints, file);
    expect(readStackFile(file)).toMatchObject(endpoints);
    // A stack that died without cleaning up: its pid no longer exists.
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    }).stdout;
    writeStackFile(endpoints, file);
    const text = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...text, pid: Number(dead) }));
    expect(readStackFile(file)).toBeUndefined();
    // Only the stack that wrote the file removes it: another one's record stays.
    removeStackFile(file);
    expect(existsSync(file)).toBe(true);
    writeStackFile(endpoints, file);
    removeStackFile(file);
    expect(existsSync(file)).toBe(false);
  });
});

describe("npm start's HTTP server", () => {
  it("answers a request that arrives while it is still starting, instead of a 500", async () => {
    const { startStack } = await import("../../scripts/start.js");
    const port = await freePort();
    const starting = startStack({ port, logLevel: "SILENT" });
    let first: Response | undefined;
    for (let i = 0; i < 200 && !first; i += 1) {
      first = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      if (!first) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const stack = await starting;
    try {
      expect(first?.status).toBe(200);
      expect(await first?.text()).toMatch(/<form/);
    } finally {
      await stack.stop();
    }
  });
});
