/**
 * axe-core (WCAG 2.1 A and AA rules) in headless Chromium on every page and every email, in light
 * and in dark (prefers-color-scheme): no serious or critical violation. Every page also fits a
 * 320 px screen without sideways scrolling, and needs no JavaScript (the browser runs none: the
 * pages have no script, and JavaScript is off while they are judged, axe itself excepted).
 *
 * The pages are the page functions' own HTML (functions/http/pages.ts, archive-pages.ts) with the
 * built content; the emails are as a reader gets them (test/support/outgoing.ts). Nothing is
 * fetched. Without Chromium the test is skipped with the reason, except in CI (CI=true).
 */
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placedTips } from "../../functions/core/archive.js";
import { bundle } from "../../functions/generated/content.js";
import { archivePage, tipPage } from "../../functions/http/archive-pages.js";
import { managePage } from "../../functions/http/manage-page.js";
import {
  alreadyConfirmedPage,
  checkInboxPage,
  confirmedPage,
  confirmPromptPage,
  errorPage,
  manageHelpPage,
  pausedPage,
  pauseInstead,
  signupPage,
  unsubscribedPage,
  unsubscribeHelpPage,
  unsubscribePromptPage,
} from "../../functions/http/pages.js";
import { ZONE_SCRIPT } from "../../functions/http/time-zones.js";
import { findChromium, launchChromium } from "../../studio/chromium.js";
import { emailsAsSent } from "../support/outgoing.js";

const chromium = findChromium();
const HAVE_CHROMIUM = "path" in chromium;
const MISSING = "reason" in chromium ? chromium.reason : "";
const IN_CI = process.env.CI === "true";
if (!HAVE_CHROMIUM && !IN_CI) console.warn(`[quality] skipping axe-core checks: ${MISSING}`);

const AXE_SOURCE = (createRequire(import.meta.url)("axe-core") as { source: string }).source;
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

const archive = placedTips(bundle.archive, new Date());
const first = archive[0];
const token = "k1.unsubscribe.0123456789abcdef0123456789abcdef.0.sample";
const PAGES: [string, string][] = [
  ["signup", signupPage()],
  [
    "signup sent back with a problem",
    signupPage({
      message: "That doesn't look like a valid email address.",
      field: "email",
      values: { email: "ann@example", firstName: "Ann", timeZone: "Asia/Kolkata" },
    }),
  ],
  ["check your inbox", checkInboxPage()],
  ["confirm prompt", confirmPromptPage(token, { firstName: "Ann", day: 1, hour: 7 })],
  [
    "confirm prompt with a problem",
    confirmPromptPage(
      token,
      { firstName: "<b>1</b>", timeZone: "Asia/Kolkata", day: 3, hour: 18 },
      undefined,
      { message: "The first name may only contain letters.", field: "firstName" },
    ),
  ],
  ["already confirmed", alreadyConfirmedPage()],
  ["preferences help", manageHelpPage()],
  [
    "confirmed",
    confirmedPage({
      when: "Monday 7 December at 07:00",
      timeZone: "Europe/London",
      first: true,
      manageUrl: `https://tips.example.com/manage?token=${token}`,
    }),
  ],
  ["unsubscribe prompt", unsubscribePromptPage(token)],
  ["unsubscribe prompt with a pause", unsubscribePromptPage(token, pauseInstead(token, 12))],
  ["paused from the unsubscribe page", pausedPage(token, "Monday 30 March")],
  ["unsubscribe help", unsubscribeHelpPage()],
  ["unsubscribed", unsubscribedPage()],
  ["400", errorPage(400, "That link is not valid.")],
  ["404", errorPage(404, "There is no tip at this address.")],
  ["500", errorPage(500, "Something went wrong on our side.")],
  ["archive", archivePage(archive)],
  [
    "preferences",
    managePage(token, {
      email: "pat@example.com",
      timeZone: "UTC",
      defaultZone: true,
      deliveryDay: 1,
      deliveryHour: 7,
      status: "active",
      nextDelivery: "Monday 30 November, 07:00",
    }),
  ],
  [
    "preferences, every tip had",
    managePage(token, {
      email: "pat@example.com",
      timeZone: "Europe/London",
      defaultZone: false,
      deliveryDay: 3,
      deliveryHour: 18,
      status: "active",
      nextDelivery: "Wednesday 2 December, 18:00",
      caughtUp: true,
    }),
  ],
  [
    "preferences, paused",
    managePage(
      token,
      {
        email: "pat@example.com",
        firstName: "Pat",
        timeZone: "Europe/London",
        defaultZone: false,
        deliveryDay: 3,
        deliveryHour: 18,
        status: "active",
        pausedUntil: "Monday 14 December",
        nextDelivery: "Monday 14 December, 07:00",
      },
      "Paused.",
    ),
  ],
  [
    "preferences, not confirmed yet",
    managePage(token, {
      email: "pat@example.com",
      timeZone: "UTC",
      defaultZone: true,
      deliveryDay: 1,
      deliveryHour: 7,
      status: "pending",
    }),
  ],
  [
    "preferences, unsubscribed",
    managePage(token, {
      email: "pat@example.com",
      timeZone: "UTC",
      defaultZone: true,
      deliveryDay: 1,
      deliveryHour: 7,
      status: "unsubscribed",
    }),
  ],
  ...archive.map((tip, i): [string, string] => [
    `tip page ${tip.slug}`,
    tipPage(tip, {
      baseUrl: "https://tips.example.com",
      ...(archive[i - 1] ? { previous: archive[i - 1] } : {}),
      ...(archive[i + 1] ? { next: archive[i + 1] } : {}),
    }),
  ]),
];
if (first) {
  PAGES.push([
    "tip page as the reader's copy",
    tipPage(first, { baseUrl: "https://tips.example.com", readerCopy: true }),
  ]);
}
const EMAILS = emailsAsSent(bundle).map(({ name, email }): [string, string] => [
  `${name} email`,
  email.html,
]);

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

async function serious(page: Page, html: string): Promise<string[]> {
  await page.setContent(html, { waitUntil: "load" });
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    `axe.run(document, { runOnly: { type: "tag", values: ${JSON.stringify(TAGS)} }, resultTypes: ["violations"] }).then((r) => r.violations)`,
  )) as Violation[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} at ${v.nodes
          .slice(0, 3)
          .map((n) => `${JSON.stringify(n.target)} (${n.failureSummary?.split("\n")[1]?.trim()})`)
          .join("; ")}`,
    );
}

describe("axe-core without Chromium", () => {
  it.runIf(!HAVE_CHROMIUM && IN_CI)("fails in CI, where Chromium must be installed", () => {
    expect.fail(`${MISSING}; CI must install it (see .ci/run).`);
  });
});

describe.runIf(HAVE_CHROMIUM)("accessibility and layout in Chromium", () => {
  let browser: Browser;
  const pages: Record<"light" | "dark" | "narrow", Page> = {} as never;

  beforeAll(async () => {
    if (!("path" in chromium)) throw new Error(MISSING);
    browser = await launchChromium(chromium.path);
    for (const scheme of ["light", "dark"] as const) {
      const context = await browser.newContext({
        viewport: { width: 1024, height: 800 },
        colorScheme: scheme,
        javaScriptEnabled: true,
      });
      await context.route(/^(?!data:|about:)/, (route) => route.abort());
      pages[scheme] = await context.newPage();
    }
    const narrow = await browser.newContext({
      viewport: { width: 320, height: 640 },
      isMobile: true,
      javaScriptEnabled: false,
    });
    await narrow.route(/^(?!data:|about:)/, (route) => route.abort());
    pages.narrow = await narrow.newPage();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it.each([...PAGES, ...EMAILS])(
    "%s: no serious or critical WCAG 2.1 AA violation, light or dark",
    async (_name, html) => {
      const [light, dark] = await Promise.all([
        serious(pages.light, html),
        serious(pages.dark, html),
      ]);
      expect({ light, dark }).toEqual({ light: [], dark: [] });
    },
  );

  it.each(PAGES)(
    "%s: fits 320 px without JavaScript or sideways scrolling",
    async (_name, html) => {
      // No script but the time zone preselection (allowed by its hash; the page works without it).
      expect(html.replace(`<script>${ZONE_SCRIPT}</script>`, "")).not.toMatch(/<script/i);
      await pages.narrow.setContent(html, { waitUntil: "load" });
      const width = await pages.narrow.evaluate("document.documentElement.scrollWidth");
      expect(width).toBeLessThanOrEqual(320);
    },
  );

  it("judges colours: the old footer grey on its old background fails", async () => {
    const found = await serious(
      pages.light,
      '<!doctype html><html lang="en"><head><title>t</title></head><body style="background:#f3f4f6"><main><p style="color:#7b8794;font-size:12px">Footer</p></main></body></html>',
    );
    expect(found.join("\n")).toContain("color-contrast");
  });
});
