/**
 * Screenshots of emails in headless Chromium (studio/chromium.ts), one browser for many
 * emails. Every network request is blocked: a preview must not fetch anything.
 */
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./chromium.js";
import { darkVariant } from "./sample.js";

export interface Shot {
  file: string;
  width: number;
  height: number;
  mobile: boolean;
  dark: boolean;
}

export const SHOTS: readonly Shot[] = [
  { file: "desktop-600.png", width: 600, height: 800, mobile: false, dark: false },
  { file: "mobile-375.png", width: 375, height: 667, mobile: true, dark: false },
  { file: "dark-600.png", width: 600, height: 800, mobile: false, dark: true },
];

/** Writes each shot of each email into its directory; returns the files written. */
export async function screenshotEmails(
  executablePath: string,
  emails: readonly { html: string; dir: string }[],
  shots: readonly Shot[] = SHOTS,
): Promise<string[]> {
  const browser = await launchChromium(executablePath);
  const written: string[] = [];
  try {
    // One page per kind of shot, reused for every email.
    for (const shot of shots) {
      const page = await newPage(browser, shot);
      for (const { html, dir } of emails) {
        const file = path.join(dir, shot.file);
        await page.setContent(shot.dark ? darkVariant(html) : html, { waitUntil: "load" });
        await page.screenshot({ path: file, fullPage: true });
        written.push(file);
      }
      await page.context().close();
    }
  } finally {
    await browser.close();
  }
  return written;
}

async function newPage(browser: Browser, shot: Shot): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: shot.width, height: shot.height },
    isMobile: shot.mobile,
    hasTouch: shot.mobile,
    colorScheme: shot.dark ? "dark" : "light",
  });
  await context.route(/^(?!data:|about:)/, (route) => route.abort());
  return context.newPage();
}
