import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const KEY = "k1:0123456789abcdef0123456789abcdef";
const base = {
  SST_RESOURCE_App: JSON.stringify({ name: "strength-tips", stage: "test" }),
  SST_RESOURCE_Subscribers: JSON.stringify({ name: "subs-table" }),
  SST_RESOURCE_TokenKeys: JSON.stringify({ value: `${KEY},k0:ffffffffffffffffffffffffffffffff00` }),
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
      { kid: "k1", secret: "0123456789abcdef0123456789abcdef" },
      { kid: "k0", secret: "ffffffffffffffffffffffffffffffff00" },
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
    ["a short secret", "k1:short"],
    ["a bad key id", "bad kid!:0123456789abcdef0123456789abcdef"],
    ["no key id", "0123456789abcdef0123456789abcdef"],
  ])("rejects token keys with %s", (_what, value) => {
    const got = probe({ ...base, SST_RESOURCE_TokenKeys: JSON.stringify({ value }) }, "tokenKeys");
    expect(got.tokenKeys?.error).toMatch(/TokenKeys is invalid/);
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
