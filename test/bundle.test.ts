/**
 * Each Lambda bundles (as SST would: esbuild, ESM, node22, minified, AWS SDK included) without
 * any build-time-only package (MJML, gray-matter, marked, html-to-text, js-yaml). Sizes are
 * printed, not asserted (scripts/bench-send.ts reports the sender's against its aim).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bundleLambda, kb } from "../scripts/bench/bundle.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const ENTRIES = [
  "functions/events/send-batch.ts",
  "functions/cron/weekly.ts",
  "functions/http/api.ts",
  "functions/events/ses.ts",
];

describe("Lambda bundles", () => {
  it("the sender entry exists", () => {
    expect(existsSync(path.join(ROOT, "functions/events/send-batch.ts"))).toBe(true);
  });

  it.each(ENTRIES)("%s has no build-time packages in it", async (entry) => {
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
  });
});
