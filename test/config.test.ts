import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const KEY = `k1:${SECRET}`;
const OLD_SECRET = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
const base = {
  SST_RESOURCE_App: JSON.stringify({ name: "strength-tips", stage: "test" }),
  SST_RESOURCE_Subscribers: JSON.stringify({ name: "subs-table" }),
  SST_RESOURCE_TokenKeys: JSON.stringify({ value: `${KEY},k0:${OLD_SECRET}` }),
  SST_RESOURCE_SendQueue: JSON.stringify({ url: "https://sqs.example/queue" }),
  SST_RESOURCE_Settings: JSON.stringify({
    baseUrl: "https://tips.example.com/",
    fromAddress: "Tips <tips@example.com>",
    postalAddress: "1 Example Street, Springfield",
    maxSendRate: "50",
    senderConcurrency: 4,
    staleClaimSeconds: "960",
  }),
};

type Probe = Record<string, { value?: unknown; error?: string }>;

/** Calls config getters in a fresh process with exactly these SST_RESOURCE_* variables. */
function probe(env: Record<string, string>, ...getters: string[]): Probe {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("SST_RESOURCE_")),
  );
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", "test/support/config-probe.ts", ...getters],
    { env: { ...clean, ...env }, encoding: "utf8" },
  );
  return JSON.parse(out) as Probe;
}

describe("config", () => {
  it("reads each linked resource through Resource", () => {
    const got = probe(base, "tableName", "queueUrl", "tokenKeys", "settings");
    expect(got.tableName?.value).toBe("subs-table");
    expect(got.queueUrl?.value).toBe("https://sqs.example/queue");
    expect(got.tokenKeys?.value).toEqual([
      { kid: "k1", secret: SECRET },
      { kid: "k0", secret: OLD_SECRET },
    ]);
    const settings = got.settings?.value as Record<string, unknown>;
    expect(settings.baseUrl).toBe("https://tips.example.com");
    expect(settings.maxSendRate).toBe(50);
    expect(settings.batchSize).toBe(100);
    expect(settings.staleClaimSeconds).toBe(960);
  });

  it("names the missing link", () => {
    const { SST_RESOURCE_SendQueue: _omit, ...rest } = base;
    const got = probe(rest, "queueUrl", "tableName");
    expect(got.queueUrl?.error).toMatch(/"SendQueue" is not linked/);
    // Other links still work: a function reads only what it is linked to.
    expect(got.tableName?.value).toBe("subs-table");
  });

  it.each([
    ["a short secret", "k1:short", /at least 32 random bytes/],
    ["16 bytes of hex", "k1:0123456789abcdef0123456789abcdef", /at least 32 random bytes/],
    ["a bad key id", `bad kid!:${SECRET}`, /kid:secret/],
    ["no key id", SECRET, /kid:secret/],
    ["a key id used twice", `${KEY},k1:${OLD_SECRET}`, /"k1" is used twice/],
  ])("rejects token keys with %s, saying why and never echoing a secret", (_what, value, why) => {
    const got = probe({ ...base, SST_RESOURCE_TokenKeys: JSON.stringify({ value }) }, "tokenKeys");
    expect(got.tokenKeys?.error).toMatch(/TokenKeys is invalid/);
    expect(got.tokenKeys?.error).toMatch(why);
    expect(got.tokenKeys?.error).not.toContain(SECRET);
    expect(got.tokenKeys?.error).not.toContain(OLD_SECRET);
  });

  it("fails the API Lambda's cold start on a bad keyring, with the reason", () => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith("SST_RESOURCE_")),
    );
    const env = {
      ...clean,
      ...base,
      SST_RESOURCE_TokenKeys: JSON.stringify({ value: `${KEY},k1:${OLD_SECRET}` }),
    };
    const run = (file: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "-e", `await import("./${file}")`], {
        env,
        encoding: "utf8",
      });
    const bad = run("functions/http/api.ts");
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/TokenKeys is invalid[\s\S]*"k1" is used twice/);
    const good = spawnSync(
      process.execPath,
      ["--import", "tsx", "-e", 'await import("./functions/http/api.ts")'],
      { env: { ...env, SST_RESOURCE_TokenKeys: base.SST_RESOURCE_TokenKeys }, encoding: "utf8" },
    );
    expect(good.stderr).toBe("");
    expect(good.status).toBe(0);
  });

  it("refuses to start the local stack (npm start) with a bad TOKEN_KEYS, before listening", async () => {
    const { startStack } = await import("../scripts/start.js");
    await expect(startStack({ tokenKeys: `${KEY},k1:${OLD_SECRET}` })).rejects.toThrow(
      /"k1" is used twice/,
    );
    await expect(startStack({ tokenKeys: "local:not-random" })).rejects.toThrow(
      /at least 32 random bytes/,
    );
  });

  it("rejects settings without a postal address", () => {
    const got = probe(
      {
        ...base,
        SST_RESOURCE_Settings: JSON.stringify({
          baseUrl: "https://tips.example.com",
          fromAddress: "tips@example.com",
        }),
      },
      "settings",
    );
    expect(got.settings?.error).toMatch(/Settings is invalid[\s\S]*postalAddress/);
  });

  it("rejects settings without the stale window the infrastructure sets", () => {
    const { staleClaimSeconds: _gone, ...rest } = JSON.parse(base.SST_RESOURCE_Settings);
    const got = probe({ ...base, SST_RESOURCE_Settings: JSON.stringify(rest) }, "settings");
    expect(got.settings?.error).toMatch(/Settings is invalid[\s\S]*staleClaimSeconds/);
  });
});
