/**
 * The studio in a real browser (headless Chromium): an open tip page follows a saved file by
 * itself, without a reload, and shows the email's four views. Screenshots of the page go to
 * .artifacts/studio/. Without Chromium the test is skipped with a printed reason, except in CI
 * (CI=true), where a missing browser is a failure.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "../../studio/chromium.js";
import { type StudioFixture, startFixtureStudio } from "../support/studio.js";

const chromium = findChromium();
const HAVE_CHROMIUM = "path" in chromium;
const MISSING = "reason" in chromium ? chromium.reason : "";
const IN_CI = process.env.CI === "true";
const ARTIFACTS = join(import.meta.dirname, "../../.artifacts/studio");

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`[browser] skipping test/browser/studio.test.ts: ${MISSING}`);
}

describe("studio without Chromium", () => {
  it.runIf(!HAVE_CHROMIUM && IN_CI)("fails in CI, where Chromium must be installed", () => {
    expect.fail(`${MISSING}; CI must install it (see .ci/run).`);
  });
});

describe.runIf(HAVE_CHROMIUM)("the studio in a browser", () => {
  let fx: StudioFixture;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    fx = await startFixtureStudio();
    if (!("path" in chromium)) throw new Error(MISSING);
    browser = await launchChromium(chromium.path);
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    // Only the studio itself: nothing leaves the machine.
    await page.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => route.abort());
  });

  afterAll(async () => {
    await browser?.close();
    await fx?.stop();
  });

  it("shows the tip in four views, desktop and mobile, light and dark", async () => {
    await page.goto(`${fx.studio.url}/tip/why-runners-should-lift`);
    await page.waitForSelector("#live:has-text('live')");
    const frames = page.locator("iframe");
    await expect.poll(() => frames.count()).toBe(4);
    const widths = await frames.evaluateAll((list) =>
      list.map((f) => Math.round(f.getBoundingClientRect().width)),
    );
    expect(widths).toEqual([600, 375, 600, 375]);
    const greeting = page.frameLocator('iframe[title="mobile"]').getByText("Hi Alex,");
    await expect.poll(() => greeting.count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "tip.png"), fullPage: true });
  });

  it("follows a saved file without a reload", async () => {
    // A marker on the window survives only if the page is not reloaded.
    await page.evaluate(() => {
      (globalThis as unknown as { marker: string }).marker = "same page";
    });
    const file = join(fx.dir, "why-runners-should-lift.md");
    const source = readFileSync(file, "utf8");
    writeFileSync(file, source.replace(/^title: .*$/m, 'title: "Why every runner should lift"'));
    await page.waitForSelector("h1:has-text('#1 Why every runner should lift')");
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe(
      "same page",
    );
    // An error replaces the email with its file:line message, in place.
    writeFileSync(file, source.replace(/^order: 1$/m, "order: one"));
    await page.waitForSelector("code:has-text('why-runners-should-lift.md:4')");
    expect(await page.locator("iframe").count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "tip-error.png"), fullPage: true });
    writeFileSync(file, source);
    await page.waitForSelector("h1:has-text('#1 Why runners should lift')");
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe(
      "same page",
    );
  });
});
