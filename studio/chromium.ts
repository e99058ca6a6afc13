/**
 * Headless Chromium for screenshots and browser tests: Debian's /usr/bin/chromium (or
 * CHROMIUM_PATH), driven by playwright-core, with the flags that keep it off the network.
 */
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";

/** Without the background-networking flags, Chromium keeps trying to reach Google's hosts. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** The Chromium to use, or why there is none. */
export function findChromium(): { path: string } | { reason: string } {
  const candidate = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (existsSync(candidate)) return { path: candidate };
  return {
    reason: process.env.CHROMIUM_PATH
      ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`
      : "no Chromium at /usr/bin/chromium (install it, e.g. apt-get install chromium, or set CHROMIUM_PATH)",
  };
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}
