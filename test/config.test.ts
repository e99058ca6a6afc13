import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const KEY = `k1:${SECRET}`;
const OLD_SECRET = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
const base = {
  SST_RESOURCE_App: JSON.stringify({ name: "strength-tips", stage: "test" }),
  SST_RESOURCE_Subscribers: JSON.stringify({ name: "subs-table" }),
  SST_RESOURCE_Keys: JSON.stringify({
    tokenKeys: "/strength-tips/test/token-keys",
    idKey: "/strength-tips/test/id-key",
  }),
  SST_RESOURCE_SendQueue: JSON.stringify({ url: "https://sqs.example/queue" }),
  SST_RESOURCE_Settings: JSON.stringify({
    baseUrl: "https://tips.example.com/",
    fromAddress: "Tips <tips@example.com>",
    postalAddress: "1 Example Street, Springfield",
    maxSendRate: "50",
    senderConcurrency: 4,
    staleClaimSeconds: "960",
    sendMaxReceives: 5,
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
    const got = probe(base, "tableName", "queueUrl", "keySource", "settings");
    expect(got.tableName?.value).toBe("subs-table");
    expect(got.queueUrl?.value).toBe("https://sqs.example/queue");
    // The keys' parameters by name: their values are never part of a function's configuration.
    expect(got.keySource?.value).toEqual({
      from: "ssm",
      tokenKeys: "/strength-tips/test/token-keys",
      idKey: "/strength-tips/test/id-key",
    });
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

  it("takes the keys' values from the environment only where no Keys link names parameters", () => {
    const { SST_RESOURCE_Keys: _omit, ...local } = base;
    const env = { ...local, TOKEN_KEYS: KEY, ID_KEY: OLD_SECRET };
    expect(probe(env, "keySource").keySource?.value).toEqual({
      from: "env",
      tokenKeys: KEY,
      idKey: OLD_SECRET,
    });
    // A Keys link wins over values lying around in the environment.
    expect(
      probe({ ...env, SST_RESOURCE_Keys: base.SST_RESOURCE_Keys }, "keySource").keySource?.value,
    ).toMatchObject({ from: "ssm" });
    expect(probe(local, "keySource").keySource?.error).toMatch(/no Keys link and no TOKEN_KEYS/);
  });

  it("fails the API Lambda's cold start on a weak or malformed key, with the reason", () => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) => !key.startsWith("SST_RESOURCE_") && key !== "TOKEN_KEYS" && key !== "ID_KEY",
      ),
    );
    const { SST_RESOURCE_Keys: _omit, ...local } = base;
    const run = (keys: Record<string, string>) =>
      spawnSync(
        process.execPath,
        ["--import", "tsx", "-e", 'await import("./functions/http/api.ts")'],
        { env: { ...clean, ...local, ...keys }, encoding: "utf8" },
      );
    const cases = [
      [
        { TOKEN_KEYS: `${KEY},k1:${OLD_SECRET}`, ID_KEY: OLD_SECRET },
        /TOKEN_KEYS entry 2.*"k1" is used twice/,
      ],
      [{ TOKEN_KEYS: `k1:${"0123456789abcdef".repeat(4)}`, ID_KEY: OLD_SECRET }, /repeats a block/],
      [{ TOKEN_KEYS: KEY, ID_KEY: "a".repeat(64) }, /ID_KEY: .*32 random bytes/],
    ] as const;
    for (const [keys, why] of cases) {
      const bad = run(keys);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(why);
      expect(bad.stderr).not.toContain(SECRET);
      expect(bad.stderr).not.toContain(OLD_SECRET);
    }
    const good = run({ TOKEN_KEYS: KEY, ID_KEY: OLD_SECRET });
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
    await expect(
      startStack({ tokenKeys: KEY, idKey: "0123456789abcdef".repeat(4) }),
    ).rejects.toThrow(/ID_KEY.*repeats a block/);
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
