/**
 * What a page says about itself to browsers and link previews: every page's favicon and logo,
 * the Open Graph tags of the home page and of a tip (absolute URLs to their social cards, which the
 * build drew), a tip page's author and expert; and `npm start` serving the drawn files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkContent } from "../../compiler/check.js";
import { DEFAULT_EMAILS_DIR } from "../../compiler/paths.js";
import type { ContentBundle } from "../../functions/core/types.js";
import { createApi } from "../../functions/http/router.js";
import { siteAssets } from "../../functions/http/site-assets.js";
import { closeHttp, createHttpServer } from "../../scripts/local/http-adapter.js";
import { memoryDeps, TestClock } from "../support/lifecycle.js";

const BASE = "https://tips.example.com";
let root: string;
let api: ReturnType<typeof createApi>;
let result: Awaited<ReturnType<typeof checkContent>>;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "tips-social-"));
  process.env.CONTENT_REPORT_CACHE = "off";
  process.env.CONTENT_CACHE_DIR = path.join(root, "cache");
  mkdirSync(path.join(root, "tips"));
  writeFileSync(
    path.join(root, "tips", "landing-force.md"),
    '---\ntitle: Every step lands hard\nslug: landing-force\norder: 1\nsummary: How much force a running step carries.\ntags: [basics]\nauthor: The Strength Tips editors\nexpert: "Gabby Callagy, PT, CSCS, founder of The Run RX"\n---\n\nA tip.\n',
  );
  result = await checkContent({
    tipsDir: path.join(root, "tips"),
    emailsDir: DEFAULT_EMAILS_DIR,
    siteUrl: BASE,
  });
  expect(result.problems).toEqual([]);
  const clock = new TestClock(new Date("2026-06-01T00:00:00.000Z"));
  const { deps } = memoryDeps({ clock, site: { baseUrl: BASE, postalAddress: "1 Example St" } });
  api = createApi(() => ({ ...deps, content: result.bundle as ContentBundle }));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function page(rawPath: string): Promise<string> {
  const event = {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: "",
    headers: {},
    requestContext: { http: { method: "GET", path: rawPath, sourceIp: "192.0.2.1" } },
    isBase64Encoded: false,
  };
  // biome-ignore lint/suspicious/noExplicitAny: a hand-built API Gateway event
  const answer = (await api(event as any)) as { statusCode: number; body: string };
  expect(answer.statusCode).toBe(200);
  return answer.body;
}

/** `<meta property|name="key" content="…">` values, and `<link rel="…" href="…">` targets. */
const meta = (html: string, key: string) =>
  new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)">`).exec(html)?.[1];
const links = (html: string, rel: string) =>
  [...html.matchAll(new RegExp(`<link rel="${rel}" href="([^"]*)"`, "g"))].map((m) => m[1]);

describe("pages", () => {
  it("each carry the favicon (SVG and PNG) and the logo, from the drawn files", async () => {
    const drawn = new Set((result.assets ?? []).map((a) => `/assets/${a.name}`));
    for (const p of ["/", "/tips", "/tips/landing-force"]) {
      const html = await page(p);
      const icons = links(html, "icon");
      expect(icons).toEqual([siteAssets.favicon, siteAssets.faviconPng]);
      for (const icon of [...icons, siteAssets.logo]) expect(drawn.has(icon as string)).toBe(true);
      expect(html).toContain(`src="${siteAssets.logo}"`);
    }
  });

  it("the home page carries Open Graph tags with the site's card as an absolute URL", async () => {
    const html = await page("/");
    expect(meta(html, "og:image")).toBe(`${BASE}${siteAssets.card}`);
    expect(meta(html, "og:title")).toBeTruthy();
    expect(meta(html, "og:description")).toBeTruthy();
    expect(meta(html, "twitter:card")).toBe("summary_large_image");
  });

  it("a tip page carries its own title, summary and card, and names its author and expert", async () => {
    const html = await page("/tips/landing-force");
    expect(meta(html, "og:title")).toBe("Every step lands hard");
    expect(meta(html, "og:description")).toBe("How much force a running step carries.");
    expect(meta(html, "og:url")).toBe(`${BASE}/tips/landing-force`);
    const card = meta(html, "og:image") ?? "";
    expect(card).toMatch(new RegExp(`^${BASE}/assets/card-landing-force\\.[0-9a-f]{10}\\.png$`));
    const drawn = result.assets?.find((a) => card.endsWith(`/${a.name}`));
    expect(drawn?.contentType).toBe("image/png");
    const byline = /<p class="byline">(.*?)<\/p>/.exec(html)?.[1] ?? "";
    expect(byline).toContain("The Strength Tips editors");
    expect(byline).toContain("Gabby Callagy, PT, CSCS, founder of The Run RX");
  });
});

describe("npm start's server", () => {
  it("serves a drawn file by its hashed name, immutable, and nothing else under /assets/", async () => {
    const siteDir = path.join(root, "site");
    mkdirSync(path.join(siteDir, "assets"), { recursive: true });
    const asset = (result.assets ?? []).find((a) => a.contentType === "image/png");
    if (!asset) throw new Error("no PNG drawn");
    writeFileSync(path.join(siteDir, "assets", asset.name), asset.bytes);
    const server = createHttpServer(async () => ({ statusCode: 418, body: "api" }), { siteDir });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ok = await fetch(`${base}/assets/${asset.name}`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get("content-type")).toBe("image/png");
      expect(ok.headers.get("cache-control")).toContain("immutable");
      expect(Buffer.from(await ok.arrayBuffer()).equals(asset.bytes)).toBe(true);
      expect((await fetch(`${base}/assets/nothing.0123456789.png`)).status).toBe(404);
      // A photo is a JPEG, served as one.
      writeFileSync(path.join(siteDir, "assets", "runner.0123456789.jpg"), asset.bytes);
      const photo = await fetch(`${base}/assets/runner.0123456789.jpg`);
      expect(photo.status).toBe(200);
      expect(photo.headers.get("content-type")).toBe("image/jpeg");
      expect((await fetch(`${base}/assets/..%2Fpackage.json`)).status).toBe(404);
      expect((await fetch(`${base}/tips`)).status).toBe(418);
    } finally {
      await closeHttp(server);
    }
  });
});
