/**
 * The email HTML is minified at build time (mjml's htmlnano pass). Minifying must not change how
 * an email looks: a tip and the confirmation email, compiled with and without it, give the same
 * screenshots in Chromium at 600 px, at 375 px and in dark mode, and the minified HTML is smaller.
 * Skipped with a printed reason without Chromium, except in CI (CI=true), where it fails.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readBrand } from "../../compiler/brand.js";
import { compileTip } from "../../compiler/compile.js";
import { renderEmail, systemCopy } from "../../compiler/email.js";
import { type CompiledMjml, compileTemplate } from "../../compiler/templates.js";
import { checkTipFile } from "../../compiler/tip.js";
import { findChromium } from "../../studio/chromium.js";
import { sampleEmail } from "../../studio/sample.js";
import { SHOTS, screenshotEmails } from "../../studio/screenshots.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const brand = readBrand(ROOT);
const chromium = findChromium();
const HAVE_CHROMIUM = "path" in chromium;
const MISSING = "reason" in chromium ? chromium.reason : "";
const IN_CI = process.env.CI === "true";
const out = mkdtempSync(path.join(tmpdir(), "minify-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`[browser] skipping test/browser/minify.test.ts: ${MISSING}`);
}

async function template(name: "tip" | "confirm", minify: boolean): Promise<CompiledMjml> {
  const result = await compileTemplate(name, path.join(ROOT, "emails", `${name}.mjml`), brand, {
    minify,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

describe("minified emails", () => {
  it.runIf(!HAVE_CHROMIUM && IN_CI)("fail in CI without Chromium", () => {
    expect.fail(`${MISSING}; CI must install it (see .ci/run).`);
  });

  it.runIf(HAVE_CHROMIUM)("look exactly like the unminified ones, and are smaller", async () => {
    if (!("path" in chromium)) throw new Error(MISSING);
    const tipsDir = path.join(ROOT, "content/tips");
    const report = checkTipFile(path.join(tipsDir, "squats.md"), tipsDir, brand);
    if (!report.tip) throw new Error("squats.md does not check");
    const emails = async (minify: boolean) => {
      const tip = compileTip(
        report.tip as NonNullable<typeof report.tip>,
        await template("tip", minify),
        report.tokens,
        { siteUrl: "https://tips.example.com", images: report.images ?? [], brand },
      );
      const confirm = renderEmail(await template("confirm", minify), systemCopy(brand).confirm);
      return [sampleEmail(tip, "squats"), sampleEmail(confirm, "confirm")];
    };
    const [minified, asIs] = [await emails(true), await emails(false)];
    const jobs = [minified, asIs].flatMap((list, i) =>
      list.map((email, j) => ({ html: email.html, dir: path.join(out, `${i}-${j}`) })),
    );
    for (const job of jobs) mkdirSync(job.dir, { recursive: true });
    await screenshotEmails(chromium.path, jobs);
    for (const j of [0, 1]) {
      expect(Buffer.byteLength(minified[j]?.html ?? "")).toBeLessThan(
        Buffer.byteLength(asIs[j]?.html ?? "") * 0.85,
      );
      for (const shot of SHOTS) {
        const a = readFileSync(path.join(out, `0-${j}`, shot.file));
        const b = readFileSync(path.join(out, `1-${j}`, shot.file));
        expect(a.equals(b), `${j === 0 ? "squats" : "confirm"} ${shot.file}`).toBe(true);
      }
    }
  });
});
