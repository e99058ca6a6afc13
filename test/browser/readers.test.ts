/**
 * What a reader and an editor see in a real browser (headless Chromium): the feed reads as a page
 * of the site (its XSL stylesheet applied, light and dark), and the studio fits a 375 px phone
 * with no sideways scrolling of the page and follows dark mode. Screenshots of each go to
 * .artifacts/readers/. Without Chromium the test is skipped with a printed reason, except in CI
 * (CI=true), where a missing browser is a failure.
 */
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../../functions/generated/content.js";
import { createApi } from "../../functions/http/router.js";
import { createHttpServer } from "../../scripts/local/http-adapter.js";
import { findChromium, launchChromium } from "../../studio/chromium.js";
import { memoryDeps } from "../support/lifecycle.js";
import { type StudioFixture, startFixtureStudio } from "../support/studio.js";

const chromium = findChromium();
const HAVE_CHROMIUM = "path" in chromium;
const MISSING = "reason" in chromium ? chromium.reason : "";
const IN_CI = process.env.CI === "true";
const ARTIFACTS = join(import.meta.dirname, "../../.artifacts/readers");

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`[browser] skipping test/browser/readers.test.ts: ${MISSING}`);
}

describe("readers' pages without Chromium", () => {
  it.runIf(!HAVE_CHROMIUM && IN_CI)("fails in CI, where Chromium must be installed", () => {
    expect.fail(`${MISSING}; CI must install it (see .ci/run).`);
  });
});

describe.runIf(HAVE_CHROMIUM)("in a browser", () => {
  let browser: Browser;
  let server: Server;
  let base: string;
  let studio: StudioFixture;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    let api: ReturnType<typeof createApi> | undefined;
    server = createHttpServer(async (event) => (api as NonNullable<typeof api>)(event));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const { deps } = memoryDeps({ site: { baseUrl: base, postalAddress: "1 Example St" } });
    api = createApi(() => ({ ...deps, content: bundle }));
    studio = await startFixtureStudio();
    if (!("path" in chromium)) throw new Error(MISSING);
    browser = await launchChromium(chromium.path);
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
    await new Promise((resolve) => server?.close(resolve));
  });

  const open = async (url: string, width: number, scheme: "light" | "dark") => {
    const context = await browser.newContext({
      viewport: { width, height: 900 },
      colorScheme: scheme,
      isMobile: width < 500,
    });
    const page = await context.newPage();
    // Only the two local servers: nothing leaves the machine.
    await page.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => route.abort());
    await page.goto(url);
    return { page, context };
  };

  it.each([
    [1280, "light"],
    [375, "dark"],
  ] as const)("the feed is a page at %i px, %s", async (width, scheme) => {
    const { page, context } = await open(`${base}/feed.xml`, width, scheme);
    await expect.poll(() => page.locator("h1").textContent()).toBe("The RSS feed");
    expect(await page.locator("li h2 a").count()).toBe(bundle.archive.length);
    const first = await page.locator("li h2 a").first().getAttribute("href");
    expect(first).toMatch(new RegExp(`^${base}/tips/`));
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(
      width,
    );
    await page.screenshot({ path: join(ARTIFACTS, `feed-${width}-${scheme}.png`) });
    await context.close();
  });

  it.each([
    ["/", "index"],
    ["/tip/why-runners-should-lift", "tip"],
  ])("the studio's %s fits 375 px, light and dark", async (pathname, name) => {
    for (const scheme of ["light", "dark"] as const) {
      const { page, context } = await open(`${studio.studio.url}${pathname}`, 375, scheme);
      expect(
        await page.evaluate<number>("document.documentElement.scrollWidth"),
      ).toBeLessThanOrEqual(375);
      const background = await page.evaluate<string>(
        "getComputedStyle(document.body).backgroundColor",
      );
      const [r = 0, g = 0, b = 0] = (background.match(/\d+/g) ?? []).map(Number);
      const light = (r + g + b) / 3 > 128;
      expect(light, `${name} ${scheme}: ${background}`).toBe(scheme === "light");
      await page.screenshot({ path: join(ARTIFACTS, `studio-${name}-375-${scheme}.png`) });
      await context.close();
    }
  });
});
