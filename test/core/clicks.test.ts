/**
 * Click counts (functions/core/clicks.ts): which links are rewritten, where a token may lead,
 * and which requests count as a human's click.
 */
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import {
  clickSubject,
  followClick,
  HUMAN_AFTER_SECONDS,
  tipLinks,
  trackLinks,
} from "../../functions/core/clicks.js";
import { InvalidTokenError, NotFoundError } from "../../functions/core/errors.js";
import { composeEmail } from "../../functions/core/sender.js";
import { createSigner } from "../../functions/core/tokens.js";
import type { CompiledTip } from "../../functions/core/types.js";
import { localHashes } from "../support/ids.js";
import { TestClock } from "../support/lifecycle.js";
import { LINKS, tip as plainTip } from "../support/send-fixtures.js";

const BROWSER =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";
const KEYS = [{ kid: "c1", secret: "click-test-secret-0123456789abcdef0123" }];

function linkedTip(): CompiledTip {
  const base = plainTip("hip-thrusts", 10);
  return {
    ...base,
    html: `${base.html}<a href="https://example.org/study?a=1&amp;b=2">study</a> <a href="https://example.org/study">plain</a> <a href="https://example.org/study?a=1&amp;b=2">again</a> <a href="mailto:coach@example.org">mail</a>`,
    text: `${base.text}\nStudy: https://example.org/study?a=1&b=2\nPlain (https://example.org/study)\n`,
  };
}

function setup(options: { counting?: boolean } = {}) {
  const clock = new TestClock();
  const signer = createSigner(KEYS, clock);
  const store = new MemoryStore(4);
  const tip = linkedTip();
  const reader = localHashes.subscriberId("ann@example.org");
  const deps = {
    signer,
    clock,
    tips: new Map([[tip.slug, tip]]),
    clicks: store,
    counting: options.counting ?? true,
  };
  const tokenFor = (index: number) => signer.issue("click", clickSubject(reader, index, tip.slug));
  return { clock, signer, store, tip, reader, deps, tokenFor };
}

describe("the tip's links", () => {
  it("are its distinct http(s) targets, entities decoded, not the email's own links", () => {
    expect(tipLinks(linkedTip())).toEqual([
      "https://example.org/study?a=1&b=2",
      "https://example.org/study",
    ]);
  });

  it("go through the reader's redirect in both parts when tracking is on, straight when off", () => {
    const { signer, tip, reader } = setup();
    const recipient = { id: reader, email: "ann@example.org", number: 1, tip: tip.slug };
    const on = composeEmail(recipient, tip, "2026-W10", signer, { ...LINKS, trackClicks: true });
    expect(on.html).not.toContain('href="https://example.org/study');
    expect(on.html.match(/href="https:\/\/tips\.example\.com\/r\//g)).toHaveLength(3);
    expect(on.html).toContain("mailto:coach@example.org");
    expect(on.text).not.toContain("https://example.org/study");
    expect(on.text.match(/https:\/\/tips\.example\.com\/r\//g)).toHaveLength(2);
    const off = composeEmail(recipient, tip, "2026-W10", signer, { ...LINKS, trackClicks: false });
    expect(off.html).toContain('href="https://example.org/study?a=1&amp;b=2"');
    expect(off.html).not.toContain("/r/");
    expect(off.text).toContain("https://example.org/study?a=1&b=2");
  });

  it("leaves an email whose tip has no links as it was", () => {
    const { signer } = setup();
    const parts = { html: "<p>no links</p>", text: "no links" };
    expect(trackLinks(parts, plainTip("squats", 1), "0".repeat(32), signer, LINKS.baseUrl)).toBe(
      parts,
    );
  });
});

describe("followClick", () => {
  it("leads to the link and counts a reader's click after the first seconds", async () => {
    const { deps, clock, store, tokenFor, reader, tip } = setup();
    const token = tokenFor(0);
    clock.advance((HUMAN_AFTER_SECONDS + 1) * 1000);
    const outcome = await followClick(deps, token, { method: "GET", userAgent: BROWSER });
    expect(outcome).toEqual({ location: "https://example.org/study?a=1&b=2", counted: true });
    expect(await store.tipClicks(tip.slug)).toBe(1);
    expect(reader).toHaveLength(32);
  });

  it.each([
    ["a HEAD request", "HEAD", BROWSER, 60],
    ["a mail security scanner", "GET", "Barracuda Sentinel (EE)", 60],
    ["a gateway that looks like a browser", "GET", "Mozilla/5.0 (compatible; Mimecast)", 60],
    ["Microsoft's link checker", "GET", "Mozilla/5.0 (compatible; MSIE 10.0) BingPreview/1.0b", 60],
    ["no user agent at all", "GET", "", 60],
    ["a click within the first seconds", "GET", BROWSER, HUMAN_AFTER_SECONDS - 1],
  ])("redirects %s without counting it", async (_what, method, userAgent, after) => {
    const { deps, clock, store, tokenFor, tip } = setup();
    const token = tokenFor(1);
    clock.advance(after * 1000);
    const outcome = await followClick(deps, token, { method, userAgent });
    expect(outcome).toEqual({ location: "https://example.org/study", counted: false });
    expect(await store.tipClicks(tip.slug)).toBe(0);
  });

  it("counts nothing when the stage has clicks turned off, and still leads on", async () => {
    const { deps, clock, store, tokenFor, tip } = setup({ counting: false });
    const token = tokenFor(0);
    clock.advance(60_000);
    expect(await followClick(deps, token, { method: "GET", userAgent: BROWSER })).toMatchObject({
      counted: false,
    });
    expect(await store.tipClicks(tip.slug)).toBe(0);
  });

  it("still leads on when the count fails", async () => {
    const { deps, clock, tokenFor } = setup();
    const token = tokenFor(0);
    clock.advance(60_000);
    const failing = {
      ...deps,
      clicks: {
        count: async () => {
          throw new Error("throttled");
        },
      },
    };
    expect(await followClick(failing, token, { method: "GET", userAgent: BROWSER })).toEqual({
      location: "https://example.org/study?a=1&b=2",
      counted: false,
    });
  });

  it("refuses forged, tampered and foreign tokens, and links the tip does not have", async () => {
    const { deps, signer, tokenFor, reader, tip } = setup();
    const request = { method: "GET", userAgent: BROWSER };
    const good = tokenFor(0);
    const parts = good.split(".");
    const tampered = [...parts.slice(0, 2), clickSubject(reader, 1, tip.slug), ...parts.slice(3)];
    const forger = createSigner([{ kid: "c1", secret: "another-secret-0123456789abcdef012345" }], {
      now: () => new Date(),
    });
    for (const token of [
      "",
      "garbage",
      tampered.join("."),
      `${good}x`,
      forger.issue("click", clickSubject(reader, 0, tip.slug)),
      signer.issue("unsubscribe", reader),
      signer.issue("view", tip.slug),
    ]) {
      await expect(followClick(deps, token, request)).rejects.toBeInstanceOf(InvalidTokenError);
    }
    await expect(followClick(deps, tokenFor(7), request)).rejects.toBeInstanceOf(NotFoundError);
    const elsewhere = signer.issue("click", clickSubject(reader, 0, "no-such-tip"));
    await expect(followClick(deps, elsewhere, request)).rejects.toBeInstanceOf(NotFoundError);
  });
});
