/**
 * A real browser (headless Chromium through playwright-core) against the local stack: sign up on
 * the page, open the confirmation link from the mailbox, confirm, then leave through the
 * unsubscribe link in the welcome email. Screenshots go to .artifacts/browser/.
 *
 * Without Chromium the test is skipped with a printed reason, except in CI (CI=true), where a
 * missing browser is a failure.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "../../studio/chromium.js";
import { subscriberId } from "../support/ids.js";
import {
  eventually,
  linkIn,
  type MailboxEmail,
  startTestStack,
  type TestStack,
} from "../support/stack.js";

const chromium = findChromium();
const HAVE_CHROMIUM = "path" in chromium;
const MISSING = "reason" in chromium ? chromium.reason : "";
const IN_CI = process.env.CI === "true";
const ARTIFACTS = join(import.meta.dirname, "../../.artifacts/browser");

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`[browser] skipping test/browser/signup.test.ts: ${MISSING}`);
}

describe("browser without Chromium", () => {
  it.runIf(!HAVE_CHROMIUM && IN_CI)("fails in CI, where Chromium must be installed", () => {
    expect.fail(`${MISSING}; CI must install it (see .ci/run).`);
  });
});

describe.runIf(HAVE_CHROMIUM)("signup in a browser", () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    stack = await startTestStack();
    if (!("path" in chromium)) throw new Error(MISSING);
    browser = await launchChromium(chromium.path);
    page = await browser.newPage({ viewport: { width: 800, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const shot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const address = `browser-${Date.now()}@example.com`;

  async function mail(count: number): Promise<MailboxEmail[]> {
    // The confirmation goes out from the outbox, in the background.
    const emails = await eventually(async () => {
      const found = await stack.mailTo(address);
      return found.length >= count ? found : undefined;
    });
    expect(emails).toHaveLength(count);
    return emails;
  }

  it("preselects the browser's own time zone (the one script, allowed by its hash) and keeps it", async () => {
    const context = await browser.newContext({ timezoneId: "Pacific/Kiritimati" });
    const zoned = await context.newPage();
    const blocked: string[] = [];
    zoned.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    try {
      await zoned.goto(`${stack.baseUrl}/`);
      await expect(zoned.locator("#timeZone").inputValue()).resolves.toBe("Pacific/Kiritimati");
      expect(blocked).toEqual([]);
      const who = `zone-${Date.now()}@example.com`;
      await zoned.getByLabel("Email address").fill(who);
      await zoned.getByRole("button", { name: "Subscribe" }).click();
      await zoned.getByRole("heading", { name: "Check your inbox" }).waitFor();
      const saved = await eventually(async () => stack.store.get(subscriberId(who)));
      expect(saved.timeZone).toBe("Pacific/Kiritimati");
    } finally {
      await context.close();
    }
  });

  it("signs up, confirms and unsubscribes", async () => {
    await page.goto(`${stack.baseUrl}/`);
    await expect(page.title()).resolves.toContain("Sign up");
    // The honeypot is in the form but off-screen, and the keyboard skips it.
    const box = await page.locator("#website").boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(0);
    await page.getByLabel("Email address").focus();
    await page.keyboard.press("Tab");
    await expect(page.evaluate("document.activeElement?.id")).resolves.toBe("firstName");
    for (const id of ["deliveryDay", "deliveryHour", "timeZone"]) {
      await page.keyboard.press("Tab");
      await expect(page.evaluate("document.activeElement?.id")).resolves.toBe(id);
    }
    // The consent's link to /privacy, then the button: never the honeypot.
    await page.keyboard.press("Tab");
    await expect(page.evaluate("document.activeElement?.getAttribute('href')")).resolves.toBe(
      "/privacy",
    );
    await page.keyboard.press("Tab");
    await expect(page.evaluate("document.activeElement?.tagName")).resolves.toBe("BUTTON");
    await page.getByLabel("Email address").fill(address);
    await page.getByLabel("First name").fill("Robin");
    await shot("1-signup");
    await page.getByRole("button", { name: "Subscribe" }).click();
    await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
    await shot("2-check-inbox");
    const [confirmation] = await mail(1);
    expect((await stack.store.get(subscriberId(address)))?.status).toBe("pending");
    const confirmLink = linkIn(confirmation?.body.html ?? "", `${stack.baseUrl}/confirm?token=`);
    await page.goto(confirmLink);
    await page.getByRole("heading", { name: "Confirm your subscription" }).waitFor();
    expect((await stack.store.get(subscriberId(address)))?.status).toBe("pending");
    await shot("3-confirm");
    await page.getByRole("button", { name: "Confirm my subscription" }).click();
    await page.getByRole("heading", { name: "You're in" }).waitFor();
    await shot("4-confirmed");
    expect((await stack.store.get(subscriberId(address)))?.status).toBe("active");

    const [, welcome] = await mail(2);
    const unsubscribeLink = linkIn(welcome?.body.html ?? "", `${stack.baseUrl}/unsubscribe?token=`);
    await page.goto(unsubscribeLink);
    await shot("5-unsubscribe");
    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await page.getByRole("heading", { name: "You're unsubscribed" }).waitFor();
    await shot("6-unsubscribed");
    expect((await stack.store.get(subscriberId(address)))?.status).toBe("unsubscribed");
    // The page is the confirmation: no goodbye email, nothing at all after leaving.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await stack.mailTo(address)).toHaveLength(2);
  });

  it("opens an email's view-in-browser link as the tip's page in the archive", async () => {
    const { bundle } = await import("../../functions/generated/content.js");
    const tip = bundle.archive[0];
    expect(tip).toBeDefined();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    // An email sent before the archive links to /view/{slug}: it lands on /tips/{slug}.
    const response = await page.goto(
      `${stack.baseUrl}/view/${encodeURIComponent(tip?.slug ?? "")}`,
    );
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe(`/tips/${tip?.slug}`);
    await expect(page.title()).resolves.toBe(`${tip?.title} · Weekly Strength Tips for Runners`);
    await expect(page.getByRole("main").count()).resolves.toBe(1);
    await expect(
      page.getByRole("heading", { level: 1, name: tip?.title ?? "" }).isVisible(),
    ).resolves.toBe(true);
    await expect(
      page.getByRole("link", { name: "Sign up for the weekly tip" }).isVisible(),
    ).resolves.toBe(true);
    await shot("7-view");
    await page.goto(`${stack.baseUrl}/tips`);
    await shot("8-archive");
    // The CSP lets the page's inline styles through: nothing was refused.
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  });
});
