/**
 * Each Lambda, bundled as SST will deploy it (scripts/lambda-bundle.ts: SST's esbuild options plus
 * infra/wiring.ts NODEJS_BUNDLE, the AWS SDK bundled and tree-shaken), has no build-time-only
 * package in it (MJML, gray-matter, marked, html-to-text, js-yaml), carries the EventBridge client
 * only if it publishes the readers' events, and stays within 1 MB.
 * Its import time in a fresh process (cold start) is a benchmark figure: `npm run bench:send`.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FUNCTIONS, NODEJS_BUNDLE } from "../infra/wiring.js";
import { bundleLambda, kb } from "../scripts/lambda-bundle.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const ENTRIES = Object.values(FUNCTIONS).map((fn) => fn.file);
const MAX_BYTES = 1024 * 1024;

describe("Lambda bundles", () => {
  it("bundles the AWS SDK (the version the tests ran against)", () => {
    expect(NODEJS_BUNDLE.external).toEqual([]);
  });

  it.each(ENTRIES)(
    `%s has no build-time packages and is at most ${kb(MAX_BYTES)}`,
    async (entry) => {
      expect(existsSync(path.join(ROOT, entry))).toBe(true);
      const info = await bundleLambda(entry);
      const top = info.breakdown
        .slice(0, 5)
        .map(([name, bytes]) => `${name} ${kb(bytes)}`)
        .join(", ");
      console.log(`${entry}: ${kb(info.bytes)} (${top})`);
      expect(info.leaked).toEqual([]);
      expect(info.sdkFiles.length).toBeGreaterThan(0);
      expect(info.bytes).toBeLessThanOrEqual(MAX_BYTES);
      // The EventBridge client only where events are published (never in the API's bundle).
      const publishes = info.breakdown.some(([name]) => name.includes("client-eventbridge"));
      expect(publishes).toBe(entry === FUNCTIONS.tableStream.file);
    },
  );
});
