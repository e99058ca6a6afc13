/**
 * `npm run screenshots [-- --out <dir>]`: the screenshots in docs/screenshots, in headless Chromium
 * (studio/chromium.ts), from the built content (run `npm run build` first):
 *
 *   signup-desktop.png, signup-mobile.png          the signup page, 1280 px and 375 px
 *   tip-light-desktop.png, tip-light-mobile.png    the first tip's email, 600 px and 375 px
 *   tip-dark-desktop.png, tip-dark-mobile.png      the same in dark mode (prefers-color-scheme)
 *
 * Nothing is fetched: the built images come from dist/site/assets, every other request is
 * refused. Default out: docs/screenshots/.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../compiler/paths.js";
import { signupPage } from "../functions/http/pages.js";
import { findChromium, launchChromium } from "../studio/chromium.js";
import { sampleEmail } from "../studio/sample.js";
import { runWhenExecuted } from "./cli.js";

const PAGE_URL = "http://screenshots.invalid/";
const ASSETS_DIR = path.join(REPO_ROOT, "dist/site/assets");

interface Shot {
  file: string;
  html: () => string;
  width: number;
  dark: boolean;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: "string", default: path.join(REPO_ROOT, "docs/screenshots") } },
    strict: true,
  });
  const chromium = findChromium();
  if (!("path" in chromium)) {
    console.error(`screenshots need Chromium: ${chromium.reason}`);
    return 1;
  }
  const { bundle } = await import("../functions/generated/content.js");
  const tip = bundle.tips[0];
  if (!tip) throw new Error("no tips in the bundle: run npm run build");
  const tipHtml = () => sampleEmail(tip, tip.slug).html;
  const shots: Shot[] = [
    { file: "signup-desktop.png", html: signupPage, width: 1280, dark: false },
    { file: "signup-mobile.png", html: signupPage, width: 375, dark: false },
    { file: "tip-light-desktop.png", html: tipHtml, width: 600, dark: false },
    { file: "tip-light-mobile.png", html: tipHtml, width: 375, dark: false },
    { file: "tip-dark-desktop.png", html: tipHtml, width: 600, dark: true },
    { file: "tip-dark-mobile.png", html: tipHtml, width: 375, dark: true },
  ];
  mkdirSync(values.out, { recursive: true });
  const browser = await launchChromium(chromium.path);
  try {
    for (const shot of shots) {
      const mobile = shot.width < 500;
      const context = await browser.newContext({
        viewport: { width: shot.width, height: mobile ? 740 : 900 },
        deviceScaleFactor: 1,
        isMobile: mobile,
        hasTouch: mobile,
        colorScheme: shot.dark ? "dark" : "light",
      });
      // The page is served from a made-up origin, and the built images from dist/site/assets
      // (relative or absolute, whatever the host); every other request is refused.
      const html = shot.html();
      await context.route(/^(?!data:|about:)/, (route) => {
        const url = new URL(route.request().url());
        if (url.href === PAGE_URL) return route.fulfill({ body: html, contentType: "text/html" });
        const asset = url.pathname.match(/^\/assets\/([\w.-]+)$/)?.[1];
        if (asset) return route.fulfill({ path: path.join(ASSETS_DIR, asset) });
        return route.abort();
      });
      const page = await context.newPage();
      await page.goto(PAGE_URL, { waitUntil: "load" });
      const file = path.join(values.out, shot.file);
      await page.screenshot({ path: file, fullPage: false });
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return 0;
}

runWhenExecuted(import.meta.url, main);
