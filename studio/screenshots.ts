/**
 * Screenshots of emails in headless Chromium (studio/chromium.ts), one browser for many
 * emails. Nothing is fetched: the emails' images (under BUILT_SITE_URL) are answered from the
 * files the check drew (or the build's), and every other request is blocked.
 */
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import type { RenderedAsset } from "../compiler/assets.js";
import { DEFAULT_SITE_DIR } from "../compiler/paths.js";
import { type AssetSource, assetType, builtAssets } from "./assets.js";
import { launchChromium } from "./chromium.js";
import { BUILT_SITE_URL, darkVariant } from "./sample.js";

/** Where a screenshot's page loads the built images from (answered locally, never fetched). */
const IMAGES_ORIGIN = "https://built-site.invalid";

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

/** The images a check drew, then the build's files for any other name. */
export function drawnOrBuilt(drawn: readonly RenderedAsset[] = []): AssetSource {
  const byName = new Map(drawn.map((asset) => [asset.name, asset.bytes]));
  const built = builtAssets(path.join(DEFAULT_SITE_DIR, "assets"));
  return async (name) => byName.get(name) ?? built(name);
}

/** Writes each shot of each email into its directory; returns the files written. */
export async function screenshotEmails(
  executablePath: string,
  emails: readonly { html: string; dir: string }[],
  assets: AssetSource = drawnOrBuilt(),
  shots: readonly Shot[] = SHOTS,
): Promise<string[]> {
  const browser = await launchChromium(executablePath);
  const written: string[] = [];
  try {
    // One page per kind of shot, reused for every email.
    for (const shot of shots) {
      const page = await newPage(browser, shot, assets);
      for (const { html, dir } of emails) {
        const file = path.join(dir, shot.file);
        const local = html.replaceAll(BUILT_SITE_URL, IMAGES_ORIGIN);
        await page.setContent(shot.dark ? darkVariant(local) : local, { waitUntil: "load" });
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

async function newPage(browser: Browser, shot: Shot, assets: AssetSource): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: shot.width, height: shot.height },
    isMobile: shot.mobile,
    hasTouch: shot.mobile,
    colorScheme: shot.dark ? "dark" : "light",
  });
  await context.route(/^(?!data:|about:)/, async (route) => {
    const url = new URL(route.request().url());
    const name = path.basename(url.pathname);
    if (url.origin !== IMAGES_ORIGIN || url.pathname !== `/assets/${name}`) return route.abort();
    const body = await assets(name);
    if (!body) return route.abort();
    return route.fulfill({ status: 200, contentType: assetType(name) ?? "image/png", body });
  });
  return context.newPage();
}
