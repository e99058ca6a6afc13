import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkContent } from "../../compiler/check.js";
import { DEFAULT_EMAILS_DIR } from "../../compiler/paths.js";
import { main } from "../../scripts/preview.js";
import { findChromium } from "../../studio/chromium.js";
import { type CliResult, runMain } from "../support/cli.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const out = mkdtempSync(path.join(tmpdir(), "preview-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const run = (...args: string[]) => runMain(main, [...args, "--out", out]);

const chromium = findChromium();
const noChromium = "reason" in chromium ? chromium.reason : undefined;
// In CI a missing Chromium is a failure (the screenshot test runs and fails); locally it is a
// visible skip.
const screenshotsExpected = noChromium === undefined || process.env.CI === "true";

describe.each([["squats"], ["confirm"]])("preview %s", (slug) => {
  let result: CliResult;
  beforeAll(async () => {
    result = await run(slug);
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
    // The subject it prints is the one a reader sees, its number filled in.
    expect(result.stdout).toMatch(/^Subject: [^{}\n]+\n/);
    expect(result.stdout).toContain(path.join(path.relative(ROOT, out), slug, "email.html"));
  });

  it.runIf(screenshotsExpected)(
    `writes desktop-600.png, mobile-375.png and dark-600.png${screenshotsExpected ? "" : ` (skipped: ${noChromium})`}`,
    () => {
      expect(noChromium, `no Chromium: ${noChromium}`).toBeUndefined();
      for (const name of ["desktop-600.png", "mobile-375.png", "dark-600.png"]) {
        const png = path.join(out, slug, name);
        expect(existsSync(png), png).toBe(true);
        expect(readFileSync(png).subarray(1, 4).toString()).toBe("PNG");
        expect(statSync(png).size).toBeGreaterThan(10_000);
      }
      // Full-page screenshots at the viewport widths.
      const width = (file: string) => readFileSync(path.join(out, slug, file)).readUInt32BE(16);
      expect(width("desktop-600.png")).toBe(600);
      expect(width("mobile-375.png")).toBe(375);
      expect(width("dark-600.png")).toBe(600);
      // Dark mode is a different picture of the same email.
      expect(readFileSync(path.join(out, slug, "dark-600.png"))).not.toEqual(
        readFileSync(path.join(out, slug, "desktop-600.png")),
      );
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
  it("fails on an unknown slug and lists the known ones", async () => {
    const result = await run("no-such-tip");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('unknown slug "no-such-tip"');
    expect(result.stderr).toContain("squats");
    expect(result.stderr).toContain("confirm");
    expect(existsSync(path.join(out, "no-such-tip"))).toBe(false);
  });

  it("a tip whose order another tip uses fails, naming the other; a tip broken elsewhere does not", async () => {
    const tips = mkdtempSync(path.join(tmpdir(), "preview-tips-"));
    try {
      cpSync(path.join(ROOT, "content"), path.join(tips, "content"), { recursive: true });
      const dir = path.join(tips, "content/tips");
      // A new tip at the order the check gives squats.
      const { tips: series } = await checkContent({ tipsDir: dir, emailsDir: DEFAULT_EMAILS_DIR });
      const order = series.find((tip) => tip.slug === "squats")?.order;
      const other = path.join(dir, "deep-squats.md");
      writeFileSync(
        other,
        `---\ntitle: Deep squats\nslug: deep-squats\norder: ${order}\nsummary: Lower.\ntags: [squats]\n---\n\nGo lower, slowly.\n`,
      );
      const clash = await runMain(main, ["squats", "--tips", dir, "--out", out]);
      expect(clash.status).toBe(1);
      expect(clash.stderr).toMatch(/duplicate order.*deep-squats/s);
      // Another tip's own error is not this one's.
      writeFileSync(other, "no front matter\n");
      expect((await runMain(main, ["squats", "--tips", dir, "--out", out])).status).toBe(0);
    } finally {
      rmSync(tips, { recursive: true, force: true });
    }
  });
});

describe("preview --all: the review report", () => {
  const tips = path.join(ROOT, "test/fixtures/tips/valid-links");
  let result: CliResult;
  let index: string;
  beforeAll(async () => {
    result = await run("--all", "--tips", tips);
    index = readFileSync(path.join(out, "index.html"), "utf8");
  });

  it("writes index.html with every tip and system email, its inbox row and its checks", () => {
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${path.relative(ROOT, out)}/index.html`);
    for (const name of ["linking", "target", "confirm", "welcome", "goodbye"]) {
      expect(index).toContain(`<section id="${name}">`);
      expect(existsSync(path.join(out, name, "email.html")), name).toBe(true);
    }
    expect(index).toContain('class="subject">Strength tip #1: Fixture linking<');
    expect(index).toContain("✓ every check passed");
    expect(index).toMatch(/<pre class="text">[^<]*Hi Alex,/);
    expect(index).not.toContain("<script");
  });

  it.runIf(screenshotsExpected)(
    `shows each email at desktop, mobile and dark${screenshotsExpected ? "" : ` (skipped: ${noChromium})`}`,
    () => {
      for (const shot of ["desktop-600.png", "mobile-375.png", "dark-600.png"]) {
        expect(index).toContain(`<img src="linking/${shot}"`);
        expect(existsSync(path.join(out, "linking", shot))).toBe(true);
      }
    },
  );

  it("shows errors with file:line and exits 1 when a tip is broken; without Chromium, frames and why", async () => {
    const missing = path.join(out, "no-chromium-here");
    const broken = await runMain(
      main,
      [
        "--all",
        "--tips",
        path.join(ROOT, "test/fixtures/tips/broken-link"),
        "--out",
        path.join(out, "broken"),
      ],
      { CHROMIUM_PATH: missing },
    );
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain(`screenshots skipped: CHROMIUM_PATH=${missing} does not exist`);
    const page = readFileSync(path.join(out, "broken", "index.html"), "utf8");
    expect(page).toContain("This email cannot be built");
    expect(page).toContain("<code>test/fixtures/tips/broken-link/broken-link.md:11</code>");
    expect(page).toContain(`No screenshots: CHROMIUM_PATH=${missing} does not exist`);
    expect(page).toContain('<iframe src="confirm/email.html" width="600"');
  });
});
