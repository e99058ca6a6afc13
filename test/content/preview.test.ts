import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium } from "../../scripts/local/chromium.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const out = mkdtempSync(path.join(tmpdir(), "preview-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const run = (...args: string[]) =>
  spawnSync("npx", ["tsx", "scripts/preview.ts", ...args, "--out", out], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });

const chromium = findChromium();
const noChromium = "reason" in chromium ? chromium.reason : undefined;
// In CI a missing Chromium is a failure (the screenshot test runs and fails); locally it is a
// visible skip.
const screenshotsExpected = noChromium === undefined || process.env.CI === "true";

describe.each([["squats"], ["confirm"]])("preview %s", (slug) => {
  let result: ReturnType<typeof run>;
  beforeAll(() => {
    result = run(slug);
  });

  it("writes the HTML and text with every placeholder filled", () => {
    expect(result.status, result.stderr).toBe(0);
    const html = readFileSync(path.join(out, slug, "email.html"), "utf8");
    const text = readFileSync(path.join(out, slug, "email.txt"), "utf8");
    for (const part of [html, text]) {
      expect(part).not.toContain("{{");
      expect(part).toContain("https://example.com/unsubscribe");
      expect(part).toContain("123 Example Street");
      // The confirmation greets nobody by name (the name is the signer-up's text, not the owner's).
      if (slug === "confirm") {
        expect(part).toContain("Hello,");
        expect(part).not.toContain("Alex");
      } else {
        expect(part).toContain("Hi Alex,");
      }
    }
    expect(text).toMatch(/^Subject: /);
    expect(result.stdout).toContain(path.join(path.relative(ROOT, out), slug, "email.html"));
  });

  it.runIf(screenshotsExpected)(
    `writes desktop-600.png and mobile-375.png${screenshotsExpected ? "" : ` (skipped: ${noChromium})`}`,
    () => {
      expect(noChromium, `no Chromium: ${noChromium}`).toBeUndefined();
      for (const name of ["desktop-600.png", "mobile-375.png"]) {
        const png = path.join(out, slug, name);
        expect(existsSync(png), png).toBe(true);
        expect(readFileSync(png).subarray(1, 4).toString()).toBe("PNG");
        expect(statSync(png).size).toBeGreaterThan(10_000);
      }
      // Full-page screenshots at the viewport widths.
      const width = (file: string) => readFileSync(path.join(out, slug, file)).readUInt32BE(16);
      expect(width("desktop-600.png")).toBe(600);
      expect(width("mobile-375.png")).toBe(375);
    },
  );

  it.skipIf(screenshotsExpected)(
    `says why screenshots were skipped${screenshotsExpected ? " (skipped: screenshots are expected here)" : ""}`,
    () => {
      expect(result.stdout).toContain(`screenshots skipped: ${noChromium}`);
      expect(existsSync(path.join(out, slug, "desktop-600.png"))).toBe(false);
    },
  );
});

describe("preview errors", () => {
  it("fails on an unknown slug and lists the known ones", () => {
    const result = run("no-such-tip");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('unknown slug "no-such-tip"');
    expect(result.stderr).toContain("squats");
    expect(result.stderr).toContain("confirm");
    expect(existsSync(path.join(out, "no-such-tip"))).toBe(false);
  });
});
