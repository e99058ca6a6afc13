/**
 * GET|HEAD /r/{token} through the API handler: a redirect only to a link of the tip the token
 * names, counted only for a person's GET, never a redirect for a bad token.
 */
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { clickSubject } from "../../functions/core/clicks.js";
import type { ContentBundle } from "../../functions/core/types.js";
import { bundle } from "../../functions/generated/content.js";
import { createApi } from "../../functions/http/router.js";
import { localHashes } from "../support/ids.js";
import { memoryDeps, TestClock } from "../support/lifecycle.js";
import { tip as plainTip } from "../support/send-fixtures.js";

const BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const tip = {
  ...plainTip("hill-repeats", 10),
  html: '<p>Read <a href="https://research.example.org/paper">the paper</a>.</p>',
};
const content: ContentBundle = { ...bundle, tips: [tip] };
const reader = localHashes.subscriberId("ann@example.org");

function setup(trackClicks?: boolean) {
  const clock = new TestClock();
  const { deps } = memoryDeps({ clock });
  const clicks = new MemoryStore(4);
  const api = createApi(() => ({
    ...deps,
    content,
    clicks,
    ...(trackClicks === undefined ? {} : { trackClicks }),
  }));
  const call = async (method: string, path: string, userAgent = BROWSER) => {
    const event = {
      version: "2.0",
      routeKey: "$default",
      rawPath: path,
      rawQueryString: "",
      headers: { "user-agent": userAgent },
      requestContext: { http: { method, path, sourceIp: "192.0.2.1", userAgent } },
      isBase64Encoded: false,
    };
    // biome-ignore lint/suspicious/noExplicitAny: a hand-built API Gateway event
    return (await api(event as any)) as {
      statusCode: number;
      headers?: Record<string, string>;
      body: string;
    };
  };
  const link = (index: number, slug = tip.slug) =>
    `/r/${deps.signer.issue("click", clickSubject(reader, index, slug))}`;
  return { clock, clicks, call, link, deps };
}

describe("GET /r/{token}", () => {
  it("redirects a reader to the tip's link and counts the click once", async () => {
    const { clock, clicks, call, link } = setup();
    const path = link(0);
    clock.advance(30_000);
    const answer = await call("GET", path);
    expect(answer.statusCode).toBe(302);
    expect(answer.headers?.location).toBe("https://research.example.org/paper");
    expect(answer.headers?.["referrer-policy"]).toBe("no-referrer");
    expect(answer.headers?.["cache-control"]).toBe("no-store");
    expect(await clicks.tipClicks(tip.slug)).toBe(1);
  });

  it("redirects a HEAD, a scanner and an instant click without counting them", async () => {
    const { clock, clicks, call, link } = setup();
    const path = link(0);
    expect((await call("GET", path)).statusCode).toBe(302); // within the first seconds
    clock.advance(30_000);
    const head = await call("HEAD", path);
    expect(head.statusCode).toBe(302);
    expect(head.body).toBe("");
    expect((await call("GET", path, "Mozilla/5.0 (compatible; proofpoint)")).statusCode).toBe(302);
    expect(await clicks.tipClicks(tip.slug)).toBe(0);
  });

  it("counts nothing with the stage's switch off, and still redirects", async () => {
    const { clock, clicks, call, link } = setup(false);
    const path = link(0);
    clock.advance(30_000);
    expect((await call("GET", path)).headers?.location).toBe("https://research.example.org/paper");
    expect(await clicks.tipClicks(tip.slug)).toBe(0);
  });

  it.each([
    ["a forged token", "/r/k1.click.x.1.0.AAAA", 400],
    ["a target in place of a token", `/r/${encodeURIComponent("https://evil.example/")}`, 400],
    ["garbage", "/r/%E0%A4%A", 404],
  ])("answers %s without a redirect", async (_what, path, status) => {
    const { call } = setup();
    const answer = await call("GET", path);
    expect(answer.statusCode).toBe(status);
    expect(answer.headers?.location).toBeUndefined();
  });

  it("answers a tampered token 400 and a link the tip does not have 404, never redirecting", async () => {
    const { call, link, clicks } = setup();
    const good = link(0);
    const tampered = good.replace(`-0-${tip.slug}`, `-1-${tip.slug}`);
    const bad = await call("GET", tampered);
    expect(bad.statusCode).toBe(400);
    expect(bad.headers?.location).toBeUndefined();
    const missing = await call("GET", link(3));
    expect(missing.statusCode).toBe(404);
    expect(missing.headers?.location).toBeUndefined();
    const unknown = await call("GET", link(0, "no-such-tip"));
    expect(unknown.statusCode).toBe(404);
    expect(await clicks.tipClicks(tip.slug)).toBe(0);
  });
});
