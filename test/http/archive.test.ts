/**
 * The public archive and feed through the API handler itself (functions/http/router.ts), over tips
 * compiled from test/fixtures/tips/archive by the real compiler, on a fixed day (2026-06-01 UTC):
 * one fixture per case (undated, dated in the past, dated today, dated tomorrow, markup in the
 * title). The feed is checked by an XML parser and against RSS 2.0's required elements.
 */
import path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { checkContent } from "../../compiler/check.js";
import { DEFAULT_EMAILS_DIR } from "../../compiler/paths.js";
import type { Signer } from "../../functions/core/tokens.js";
import type { ContentBundle } from "../../functions/core/types.js";
import { brand } from "../../functions/generated/brand.js";
import { createApi } from "../../functions/http/router.js";
import { memoryDeps, TestClock } from "../support/lifecycle.js";

const FIXTURES = path.join(import.meta.dirname, "../fixtures/tips/archive");
const BASE = "https://tips.example.com";

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

let content: ContentBundle;
let api: ReturnType<typeof createApi>;
let token: string;
let signer: Signer;

beforeAll(async () => {
  process.env.CONTENT_REPORT_CACHE = "off";
  const result = await checkContent({ tipsDir: FIXTURES, emailsDir: DEFAULT_EMAILS_DIR });
  expect(result.problems).toEqual([]);
  content = result.bundle as ContentBundle;
  const clock = new TestClock(new Date("2026-06-01T00:00:00.000Z"));
  const { deps } = memoryDeps({ clock, site: { baseUrl: BASE, postalAddress: "1 Example St" } });
  signer = deps.signer;
  token = deps.signer.issue("view", "undated");
  api = createApi(() => ({ ...deps, content }));
});

async function get(pathAndQuery: string, method = "GET"): Promise<Answer> {
  const [rawPath, rawQueryString = ""] = pathAndQuery.split("?");
  const queryStringParameters = Object.fromEntries(new URLSearchParams(rawQueryString));
  const event = {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    ...(rawQueryString ? { queryStringParameters } : {}),
    headers: {},
    requestContext: { http: { method, path: rawPath, sourceIp: "192.0.2.1" } },
    isBase64Encoded: false,
  };
  // biome-ignore lint/suspicious/noExplicitAny: a hand-built API Gateway event
  return (await api(event as any)) as Answer;
}

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe("GET /tips", () => {
  it("lists every tip that is out, in order, with its title, summary, tags and a link", async () => {
    const answer = await get("/tips");
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-type"]).toBe("text/html; charset=utf-8");
    const slugs = [...answer.body.matchAll(/<h2><a href="\/tips\/([^"]+)">/g)].map((m) => m[1]);
    expect(slugs).toEqual(["undated", "published", "today", "markup-in-title"]);
    expect(answer.body).toContain(`${brand.topic.tip} #2`);
    expect(answer.body).toContain("A tip dated in the past.");
    expect(answer.body).toContain("<li>squats</li><li>legs</li>");
    expect(answer.body).not.toContain("Held back");
    expect(answer.body).toContain("Squats &amp; lunges: &lt;the&gt; &quot;basics&quot;");
  });

  it("is public: indexable, cacheable, and under the same security headers", async () => {
    const answer = await get("/tips");
    expect(answer.body).not.toContain("noindex");
    expect(answer.headers["cache-control"]).toBe("public, max-age=300");
    expect(answer.headers["content-security-policy"]).toMatch(/^default-src 'none';/);
    expect(answer.headers["content-security-policy"]).not.toContain("script");
    expect(answer.headers["strict-transport-security"]).toMatch(/max-age=63072000/);
    expect(answer.headers["referrer-policy"]).toBe("same-origin");
    expect(answer.body).not.toMatch(/<script/i);
  });
});

describe("GET /tips/{slug}", () => {
  it("is a page: one <main>, one h1, no preheader, no link to itself, a call to subscribe", async () => {
    const answer = await get("/tips/published");
    expect(answer.statusCode).toBe(200);
    expect(count(answer.body, /<main>/g)).toBe(1);
    expect(count(answer.body, /<h1[ >]/g)).toBe(1);
    expect(answer.body).toContain("<h1>Published in January</h1>");
    expect(answer.body).toContain("A published body.");
    expect(answer.body).not.toMatch(/display:\s*none/);
    expect(answer.body).not.toMatch(/<a [^>]*href="[^"]*\/tips\/published"/);
    expect(answer.body).toContain('href="/#signup"');
    expect(answer.body).not.toContain("{{");
    expect(answer.body).not.toContain("/unsubscribe?token=");
    expect(answer.body).toContain(`<link rel="canonical" href="${BASE}/tips/published">`);
    expect(answer.body).toContain('<time datetime="2026-01-05">5 January 2026</time>');
  });

  it("links to the tips before and after it", async () => {
    const answer = await get("/tips/today");
    expect(answer.body).toContain('href="/tips/published" rel="prev"');
    expect(answer.body).toContain('href="/tips/markup-in-title" rel="next"');
  });

  it("with the tip's view token, is never cached and carries no one's unsubscribe link", async () => {
    const answer = await get(`/tips/undated?token=${token}`);
    expect(answer.statusCode).toBe(200);
    expect(answer.body).not.toContain("/unsubscribe?token=");
    expect(answer.headers["cache-control"]).toBe("no-store");
  });

  it("takes a reader's unsubscribe or manage token for nothing: the public page", async () => {
    const reader = "0123456789abcdef0123456789abcdef";
    for (const purpose of ["unsubscribe", "manage"] as const) {
      const answer = await get(`/tips/undated?token=${signer.issue(purpose, reader)}`);
      expect(answer.statusCode).toBe(200);
      expect(answer.headers["cache-control"]).toBe("public, max-age=300");
      expect(answer.body).not.toContain("/unsubscribe?token=");
    }
  });

  it.each([
    ["a tampered token", `${token}x`],
    ["garbage", "garbage"],
    ["an empty token", ""],
  ])("with %s, is the public page", async (_name, bad) => {
    const answer = await get(`/tips/undated?token=${encodeURIComponent(bad ?? "")}`);
    expect(answer.statusCode).toBe(200);
    expect(answer.body).not.toContain("/unsubscribe?token=");
  });

  it.each([
    ["an unknown slug", "/tips/no-such-tip"],
    ["a held-back tip", "/tips/held-back"],
    ["a held-back tip with a bad token", "/tips/held-back?token=garbage"],
    ["a nested path", "/tips/published/extra"],
    ["a malformed escape", "/tips/%E0%A4%A"],
  ])("answers %s with 404", async (_name, target) => {
    const answer = await get(target);
    expect(answer.statusCode).toBe(404);
    expect(answer.body).not.toContain("A body nobody sees yet.");
  });

  it("shows a held-back tip with its own view token (its email's link), and with no other", async () => {
    const own = await get(`/tips/held-back?token=${signer.issue("view", "held-back")}`);
    expect(own.statusCode).toBe(200);
    expect(own.body).toContain("A body nobody sees yet.");
    expect(own.headers["cache-control"]).toBe("no-store");
    // Another tip's view token does not open it.
    expect((await get(`/tips/held-back?token=${token}`)).statusCode).toBe(404);
  });

  it("is the reader's own copy with the view token: no signup, not indexed", async () => {
    const answer = await get(`/tips/undated?token=${token}`);
    expect(answer.body).toContain("Your copy");
    expect(answer.body).toContain('<meta name="robots" content="noindex">');
    expect(answer.body).not.toContain('href="/#signup"');
    const plain = await get("/tips/undated");
    expect(plain.body).toContain('href="/#signup"');
  });

  it("says 404 as a page in the brand", async () => {
    const answer = await get("/tips/no-such-tip");
    expect(answer.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(answer.body).toContain("There is no tip at this address.");
    expect(answer.body).toContain('class="brand"');
  });

  it("sends a published tip's slug in other letters to its address, the query kept", async () => {
    const answer = await get("/tips/Published?utm_source=x");
    expect(answer.statusCode).toBe(301);
    expect(answer.headers.location).toBe("/tips/published?utm_source=x");
  });

  it.each(["POST", "PUT", "DELETE"])("refuses %s with 405 (GET and HEAD only)", async (method) => {
    const answer = await get("/tips/published", method);
    expect(answer.statusCode).toBe(405);
    expect(answer.headers.allow).toBe("GET, HEAD");
  });
});

describe("a held-back tip answers exactly like a slug that does not exist", () => {
  const same = async (held: string, unknown: string) => {
    const [a, b] = [await get(held), await get(unknown)];
    expect(a.statusCode, held).toBe(b.statusCode);
    expect(a.body, held).toBe(b.body);
    expect(a.headers["cache-control"], held).toBe(b.headers["cache-control"]);
    expect(a.body).not.toContain("A body nobody sees yet.");
  };

  it.each([
    ["no token", ""],
    ["another tip's view token", "other"],
    ["a reader's unsubscribe token", "unsubscribe"],
    ["a tampered view token", "tampered"],
  ])("at /tips/{slug} and /view/{slug}, with %s", async (_name, which) => {
    const t =
      which === "other"
        ? token
        : which === "unsubscribe"
          ? signer.issue("unsubscribe", "0123456789abcdef0123456789abcdef")
          : which === "tampered"
            ? `${signer.issue("view", "held-back")}x`
            : undefined;
    const q = t === undefined ? "" : `?token=${encodeURIComponent(t)}`;
    await same(`/tips/held-back${q}`, `/tips/no-such-tip${q}`);
    // In other letters too: no redirect gives a held-back tip away.
    await same(`/tips/Held-Back${q}`, `/tips/No-Such-Tip${q}`);
    await same(`/view/held-back${q}`, `/view/no-such-tip${q}`);
    expect((await get(`/view/held-back${q}`)).statusCode).toBe(404);
  });

  it("is in neither the archive nor the feed, and links to it are plain words", async () => {
    for (const target of [
      "/tips",
      "/feed.xml",
      `/tips?token=${signer.issue("view", "held-back")}`,
    ]) {
      expect((await get(target)).body).not.toContain("held-back");
    }
  });

  it("the holder of its view token is redirected from /view/{slug} to it", async () => {
    const own = signer.issue("view", "held-back");
    const answer = await get(`/view/held-back?token=${own}`);
    expect(answer.statusCode).toBe(301);
    expect(answer.headers.location).toBe(`${BASE}/tips/held-back?token=${own}`);
  });
});

describe("GET /view/{slug} (links in emails already sent)", () => {
  it("redirects permanently to the tip's page, keeping the reader's token", async () => {
    const answer = await get(`/view/undated?token=${token}`);
    expect(answer.statusCode).toBe(301);
    expect(answer.headers.location).toBe(`${BASE}/tips/undated?token=${token}`);
  });

  it("answers an unknown slug with the 404 page", async () => {
    expect((await get("/view/no-such-tip")).statusCode).toBe(404);
  });
});

describe("GET /feed.xml", () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" });

  it("is well-formed RSS 2.0 with the channel's required elements and a self link", async () => {
    const answer = await get("/feed.xml");
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/xml; charset=utf-8");
    expect(XMLValidator.validate(answer.body)).toBe(true);
    const { rss } = parser.parse(answer.body);
    expect(rss["@version"]).toBe("2.0");
    expect(rss.channel.title).toBe(brand.name);
    expect(rss.channel.description).toBe(brand.tagline);
    expect(rss.channel.link).toBe(`${BASE}/tips`);
    expect(rss.channel.description).toEqual(expect.any(String));
    expect(rss.channel["atom:link"]["@href"]).toBe(`${BASE}/feed.xml`);
    expect(rss.channel["atom:link"]["@rel"]).toBe("self");
  });

  it("has one item per tip that is out, newest first, every link absolute", async () => {
    const { rss } = parser.parse((await get("/feed.xml")).body);
    const items = rss.channel.item as Record<string, unknown>[];
    // An undated tip is dated to the newsletter's launch (the brand's `launched`); on the same
    // day, the later tip in the series comes first.
    const order: [string, string, number][] = [
      ["today", "2026-06-01", 3],
      ["published", "2026-01-05", 2],
      ["markup-in-title", brand.launched, 5],
      ["undated", brand.launched, 1],
    ];
    order.sort((a, b) => b[1].localeCompare(a[1]) || b[2] - a[2]);
    expect(items.map((i) => i.link)).toEqual(order.map(([slug]) => `${BASE}/tips/${slug}`));
    for (const item of items) {
      expect(item.title).toEqual(expect.any(String));
      expect(Number.isNaN(new Date(String(item.pubDate)).getTime()), String(item.link)).toBe(false);
      expect(item.description).toEqual(expect.any(String));
      expect((item.guid as Record<string, string>)["#text"]).toBe(item.link);
      const links = [...String(item["content:encoded"]).matchAll(/(?:href|src)="([^"]*)"/g)];
      for (const [, href] of links) expect(href).toMatch(/^(https:|mailto:)/);
    }
    const dated = items.find((i) => i.link === `${BASE}/tips/published`);
    expect(dated?.pubDate).toBe("Mon, 05 Jan 2026 00:00:00 GMT");
    expect(new Date(String(dated?.pubDate)).toISOString()).toBe("2026-01-05T00:00:00.000Z");
  });

  it("keeps markup in titles and bodies as text", async () => {
    const parsed = new XMLParser({ processEntities: true, htmlEntities: false }).parse(
      (await get("/feed.xml")).body,
    );
    const items = parsed.rss.channel.item as Record<string, string>[];
    const tricky = items.find((i) => i.link === `${BASE}/tips/markup-in-title`);
    expect(tricky?.title).toBe(`${brand.topic.tip} #4: Squats & lunges: <the> "basics"`);
    expect(tricky?.["content:encoded"]).toContain("<strong>bold</strong>");
    const undated = items.find((i) => i.link === `${BASE}/tips/undated`);
    expect(undated?.["content:encoded"]).toContain('href="https://example.com/study?a=1&amp;b=2"');
  });

  it("leaves out a held-back tip", async () => {
    expect((await get("/feed.xml")).body).not.toContain("held-back");
  });

  it("names its stylesheet, which the site serves as XSLT", async () => {
    const feed = await get("/feed.xml");
    expect(feed.body).toMatch(
      /^<\?xml [^?]*\?>\n<\?xml-stylesheet type="text\/xsl" href="\/feed\.xsl"\?>/,
    );
    const xsl = await get("/feed.xsl");
    expect(xsl.statusCode).toBe(200);
    expect(xsl.headers["content-type"]).toBe("text/xsl; charset=utf-8");
    expect(XMLValidator.validate(xsl.body)).toBe(true);
    expect(xsl.body).toContain('xmlns:xsl="http://www.w3.org/1999/XSL/Transform"');
  });
});

describe("tips are numbered by their place among the tips that are out, never by `order`", () => {
  const label = (n: number) => `${brand.topic.tip} #${n}`;
  /** The API over the same tips with the editor's orders renumbered (gaps, as editors leave). */
  function renumbered(orders: Record<string, number>) {
    const clock = new TestClock(new Date("2026-06-01T00:00:00.000Z"));
    const { deps } = memoryDeps({ clock, site: { baseUrl: BASE, postalAddress: "1 Example St" } });
    const archive = content.archive.map((t) => ({ ...t, order: orders[t.slug] ?? t.order }));
    const renumberedApi = createApi(() => ({ ...deps, content: { ...content, archive } }));
    return async (p: string) => {
      const event = {
        version: "2.0",
        routeKey: "$default",
        rawPath: p,
        rawQueryString: "",
        headers: {},
        requestContext: { http: { method: "GET", path: p, sourceIp: "192.0.2.1" } },
        isBase64Encoded: false,
      };
      // biome-ignore lint/suspicious/noExplicitAny: a hand-built API Gateway event
      return ((await renumberedApi(event as any)) as Answer).body;
    };
  }

  it("the fourth tip out is #4 on its page, its card, the archive and the feed (its order is 5)", async () => {
    const page = (await get("/tips/markup-in-title")).body;
    expect(page).toContain(`<p class="eyebrow">${label(4)}</p>`);
    expect(page).toContain(`content="${label(4)}: Squats &amp; lunges`);
    expect(page).not.toContain(label(5));
    const archive = (await get("/tips")).body;
    expect(archive).toContain(label(4));
    expect(archive).not.toContain(label(5));
    const feed = (await get("/feed.xml")).body;
    expect(feed).toContain(`<title>${label(4)}: Squats`);
    expect(feed).not.toContain(label(5));
  });

  it("renumbering the editor's orders (1, 2, 3 → 10, 20, 100) changes nothing a reader sees", async () => {
    const read = renumbered({
      undated: 10,
      published: 20,
      today: 30,
      "held-back": 40,
      "markup-in-title": 100,
    });
    for (const p of ["/tips", "/tips/markup-in-title", "/tips/published", "/feed.xml"]) {
      expect(await read(p)).toBe((await get(p)).body);
    }
  });

  it("a held-back tip opened with its view token is numbered after the tips that are out", async () => {
    const view = signer.issue("view", "held-back");
    const page = (await get(`/tips/held-back?token=${view}`)).body;
    expect(page).toContain(`<p class="eyebrow">${label(4)}</p>`);
  });

  it("the pager numbers its neighbours by place too", async () => {
    const page = (await get("/tips/today")).body;
    expect(page).toContain("← #2:");
    expect(page).toContain("#4: Squats");
  });
});
