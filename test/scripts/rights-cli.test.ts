/** `npm run keys` and `npm run subscribers` (the operator's erase and export), on dynalite. */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseKeyring, parseSecret } from "../../functions/core/tokens.js";
import { main as keys } from "../../scripts/keys.js";
import { type LocalAws, localStore, startLocalAws } from "../../scripts/local/aws.js";
import { main as subscribers } from "../../scripts/subscribers.js";
import { subscriberId } from "../support/ids.js";
import { subscriber } from "../support/send-fixtures.js";

function output() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  return { out, err };
}

describe("npm run keys", () => {
  it("makes a keyring entry and a bare secret that every check takes, different each time", async () => {
    const { out } = output();
    expect(await keys(["new", "--kid", "k7"])).toBe(0);
    expect(await keys(["new", "--bare"])).toBe(0);
    expect(await keys(["new", "--bare"])).toBe(0);
    expect(parseKeyring(out[0] ?? "")[0]?.kid).toBe("k7");
    expect(parseSecret(out[1] ?? "", "id key")).toMatch(/^[0-9a-f]{64}$/);
    expect(out[2]).not.toBe(out[1]);
    vi.restoreAllMocks();
  });

  it("checks a keyring as a cold start would: a repeated block is refused, exit 1", async () => {
    const { err } = output();
    expect(await keys(["check", `k1:${"0123456789abcdef".repeat(4)}`])).toBe(1);
    expect(err.join("\n")).toMatch(/repeats a block/);
    expect(await keys(["check"])).toBe(2);
    vi.restoreAllMocks();
  });

  it("--help prints the usage, exit 0; an unknown option prints it too, exit 2", async () => {
    const { out, err } = output();
    expect(await keys(["--help"])).toBe(0);
    expect(out.join("\n")).toMatch(/npm run keys -- new .*\n.*npm run keys -- check/s);
    expect(await keys(["new", "--nope"])).toBe(2);
    expect(err.join("\n")).toMatch(/--nope[\s\S]*Usage: npm run keys/);
    vi.restoreAllMocks();
  });
});

describe("npm run subscribers (the local stack)", () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws();
    process.env.DYNAMODB_ENDPOINT = aws.dynamoEndpoint;
  });
  afterAll(async () => {
    delete process.env.DYNAMODB_ENDPOINT;
    await aws?.stop();
  });

  it("exports a reader, then erases them, leaving only the mark", async () => {
    const store = localStore(aws.dynamoEndpoint, aws.tableName);
    const { bundle } = await import("../../functions/generated/content.js");
    const first = bundle.tips[0] as { slug: string; title: string };
    await store.create(
      subscriber("Olga.Operator@example.org", {
        firstName: "Olga",
        deliverySlot: "3-18",
        sentTips: [first.slug],
      }),
    );
    const { out, err } = output();
    expect(await subscribers(["export", "olga.operator@EXAMPLE.org"])).toBe(0);
    const data = JSON.parse(out.join("\n"));
    expect(data.subscription).toMatchObject({
      email: "Olga.Operator@example.org",
      firstName: "Olga",
      deliverySlot: "Wednesday at 18:00",
    });
    // What the reader's own download holds: each tip with its title.
    expect(data.tipsSent).toEqual([{ tip: first.slug, title: first.title }]);
    expect(await subscribers(["erase", "Olga.Operator@example.org"])).toBe(0);
    expect(await store.get(subscriberId("Olga.Operator@example.org"))).toBeUndefined();
    expect(await subscribers(["export", "Olga.Operator@example.org"])).toBe(1);
    expect(await subscribers(["erase", "not-an-address"])).toBe(2);
    expect(err.join("\n")).toMatch(/not an email address/);
    expect(await subscribers(["delete", "x@example.org"])).toBe(2);
    expect(err.join("\n")).toMatch(/Usage/);
    vi.restoreAllMocks();
  });
});
