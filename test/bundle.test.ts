/**
 * Each Lambda, bundled as SST will deploy it (scripts/bench/bundle.ts: SST's esbuild options plus
 * infra/wiring.ts NODEJS_BUNDLE, the AWS SDK external), has no build-time-only package in it
 * (MJML, gray-matter, marked, html-to-text, js-yaml) and none of the SDK, which the Lambda runtime
 * provides. Every function's size is printed; the sender's must stay within 300 KB.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FUNCTIONS } from "../infra/wiring.js";
import { bundleLambda, kb } from "../scripts/bench/bundle.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const ENTRIES = Object.values(FUNCTIONS).map((fn) => fn.file);
const SENDER = FUNCTIONS.sendBatch.file;
const SENDER_MAX_BYTES = 300 * 1024;

describe("Lambda bundles", () => {
  it("the sender entry exists", () => {
    expect(SENDER).toBe("functions/events/send-batch.ts");
    expect(existsSync(path.join(ROOT, SENDER))).toBe(true);
  });

  it.each(ENTRIES)("%s has no build-time packages and no AWS SDK in it", async (entry) => {
    if (!existsSync(path.join(ROOT, entry))) {
      console.warn(`${entry}: not written yet, skipped`);
      return;
    }
    const info = await bundleLambda(entry);
    const top = info.breakdown
      .slice(0, 5)
      .map(([name, bytes]) => `${name} ${kb(bytes)}`)
      .join(", ");
    console.log(`${entry}: ${kb(info.bytes)} (${top})`);
    expect(info.leaked).toEqual([]);
    expect(info.sdkFiles).toEqual([]);
  });

  it(`the sender bundle is at most ${kb(SENDER_MAX_BYTES)}`, async () => {
    const info = await bundleLambda(SENDER);
    expect(info.bytes).toBeGreaterThan(0);
    expect(info.bytes).toBeLessThanOrEqual(SENDER_MAX_BYTES);
  });
});
