/**
 * The keys' production path: SSM SecureString parameters read through Powertools Parameters, on
 * moto_server's SSM, by a process that has only the Keys link (the parameters' names) and the
 * endpoint, as a Lambda has.
 */
import { execFileSync } from "node:child_process";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyedHashes } from "../../functions/core/email.js";
import { createSigner, parseKeyring } from "../../functions/core/tokens.js";
import { type Moto, motoMissing, startMoto } from "../support/moto.js";

const missing = motoMissing();
const SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const OLD = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
const ID_KEY = "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592";

let moto: Moto | undefined;
let ssm: SSMClient;
let stage = 0;

beforeAll(async () => {
  if (missing) return;
  moto = await startMoto();
  ssm = new SSMClient({
    endpoint: moto.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
}, 60_000);
afterAll(async () => {
  ssm?.destroy();
  await moto?.stop();
});

/** Puts the two parameters of a fresh stage and loads them in a child, as a cold start would. */
async function coldStart(tokenKeys: string | undefined, idKey: string | undefined) {
  stage += 1;
  const names = {
    tokenKeys: `/strength-tips/t${stage}/token-keys`,
    idKey: `/strength-tips/t${stage}/id-key`,
  };
  for (const [name, value] of [
    [names.tokenKeys, tokenKeys],
    [names.idKey, idKey],
  ] as const) {
    if (value === undefined) continue;
    await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: "SecureString" }));
  }
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith("SST_RESOURCE_") && key !== "TOKEN_KEYS" && key !== "ID_KEY",
    ),
  );
  const out = execFileSync(process.execPath, ["--import", "tsx", "test/support/keys-probe.ts"], {
    env: {
      ...env,
      SST_RESOURCE_App: JSON.stringify({ name: "strength-tips", stage: `t${stage}` }),
      SST_RESOURCE_Keys: JSON.stringify(names),
      SSM_ENDPOINT: moto?.endpoint ?? "",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    },
    encoding: "utf8",
  });
  return { names, ...(JSON.parse(out) as { token?: string; id?: string; error?: string }) };
}

describe.skipIf(missing)("keys from SSM SecureString parameters (moto)", () => {
  it("signs with the first key of the ring, and derives ids with the id key", async () => {
    const got = await coldStart(`k2:${SECRET},k1:${OLD}`, ID_KEY);
    expect(got.error).toBeUndefined();
    expect(got.token?.startsWith("k2.manage.")).toBe(true);
    // Every listed key verifies: a link signed before the rotation still works.
    const ring = createSigner(parseKeyring(`k2:${SECRET},k1:${OLD}`), { now: () => new Date() });
    expect(ring.verify(got.token ?? "", "manage")).toBe("0123456789abcdef0123456789abcdef");
    expect(got.id).toBe(keyedHashes(ID_KEY).subscriberId("ann@example.com"));
  });

  it.each([
    ["a key with repeated blocks", `k1:${"0123456789abcdef".repeat(4)}`, ID_KEY, /repeats a block/],
    [
      "a typed phrase as the id key",
      `k1:${SECRET}`,
      Buffer.from("my id key is long enough, surely!").toString("hex"),
      /is text/,
    ],
    ["a duplicate key id", `k1:${SECRET},k1:${OLD}`, ID_KEY, /"k1" is used twice/],
  ])(
    "refuses %s at cold start, naming the parameter, never the secret",
    async (_what, tokens, id, why) => {
      const got = await coldStart(tokens, id);
      expect(got.error).toMatch(/^KeyringError: /);
      expect(got.error).toMatch(why);
      expect(got.error).toMatch(/\/strength-tips\/t\d+\/(token-keys|id-key)/);
      expect(got.error).not.toContain(SECRET);
      expect(got.error).not.toContain(OLD);
    },
  );

  it("fails the cold start, naming the parameter, when it does not exist", async () => {
    const got = await coldStart(`k1:${SECRET}`, undefined);
    expect(got.error).toMatch(/cannot read the SSM parameter \/strength-tips\/t\d+\/id-key/);
  });
});
