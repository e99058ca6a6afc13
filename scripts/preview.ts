/**
 * `npm run preview -- <slug|confirm|welcome|goodbye> [--out <dir>] [--tips <dir>] [--emails <dir>]`
 *
 * Builds one email, fills its placeholders with sample values and writes
 * <out>/<slug>/email.html and email.txt (default out: .preview/). When Chromium is available
 * (CHROMIUM_PATH or /usr/bin/chromium) it also writes desktop-600.png and mobile-375.png.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkContent, listTipFiles } from "../compiler/check.js";
import { renderEmail, SYSTEM_COPY } from "../compiler/compile.js";
import { DEFAULT_EMAILS_DIR, DEFAULT_TIPS_DIR, REPO_ROOT } from "../compiler/paths.js";
import { formatProblems } from "../compiler/problems.js";
import { compileTemplates } from "../compiler/templates.js";
import { type FillValues, fill } from "../functions/core/fill.js";
import type { CompiledTemplate } from "../functions/core/types.js";
import { runWhenExecuted } from "./cli.js";
import { findChromium, launchChromium } from "./local/chromium.js";

export const SYSTEM_EMAIL_NAMES = ["confirm", "welcome", "goodbye"] as const;

export function sampleValues(slug: string): Required<FillValues> {
  return {
    first_name: "Alex",
    unsubscribe_url: "https://example.com/unsubscribe?token=sample-token",
    confirm_url: "https://example.com/confirm?token=sample-token",
    view_url: `https://example.com/tips/${slug}`,
    postal_address:
      "Weekly Strength Tips for Runners, 123 Example Street, Springfield, OR 97477, USA",
  };
}

async function screenshots(html: string, dir: string, executablePath: string): Promise<string[]> {
  const browser = await launchChromium(executablePath);
  const written: string[] = [];
  try {
    for (const [name, width, height, mobile] of [
      ["desktop-600.png", 600, 800, false],
      ["mobile-375.png", 375, 667, true],
    ] as const) {
      const context = await browser.newContext({
        viewport: { width, height },
        isMobile: mobile,
        hasTouch: mobile,
      });
      // An email preview must not fetch anything: block every network request.
      await context.route(/^(?!data:|about:)/, (route) => route.abort());
      const page = await context.newPage();
      await page.setContent(html, { waitUntil: "load" });
      const file = path.join(dir, name);
      await page.screenshot({ path: file, fullPage: true });
      written.push(file);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return written;
}

async function compileOne(
  slug: string,
  tipsDir: string,
  emailsDir: string,
): Promise<{ email: CompiledTemplate } | { error: string }> {
  if ((SYSTEM_EMAIL_NAMES as readonly string[]).includes(slug)) {
    const name = slug as (typeof SYSTEM_EMAIL_NAMES)[number];
    const { templates, problems } = await compileTemplates(emailsDir);
    const template = templates[name];
    if (problems.length > 0 || !template) return { error: formatProblems(problems) };
    return { email: renderEmail(template, SYSTEM_COPY[name]) };
  }
  const known = existsSync(tipsDir)
    ? listTipFiles(tipsDir).map((f) => path.basename(f, ".md"))
    : [];
  if (!known.includes(slug)) {
    return {
      error: `unknown slug "${slug}". Known: ${[...SYSTEM_EMAIL_NAMES, ...known].join(", ") || "(none)"}`,
    };
  }
  const result = await checkContent({ tipsDir, emailsDir, only: [slug] });
  const tip = result.bundle?.tips[0];
  if (result.problems.length > 0 || !tip) return { error: formatProblems(result.problems) };
  return { email: tip };
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: "string", default: path.join(REPO_ROOT, ".preview") },
      tips: { type: "string", default: DEFAULT_TIPS_DIR },
      emails: { type: "string", default: DEFAULT_EMAILS_DIR },
    },
    strict: true,
  });
  const slug = positionals[0];
  if (!slug || positionals.length > 1) {
    console.error("usage: npm run preview -- <slug|confirm|welcome|goodbye> [--out <dir>]");
    return 1;
  }
  const compiled = await compileOne(slug, path.resolve(values.tips), path.resolve(values.emails));
  if ("error" in compiled) {
    console.error(compiled.error);
    return 1;
  }
  const sample = sampleValues(slug);
  const html = fill(compiled.email.html, sample, "html");
  const text = fill(compiled.email.text, sample, "text");
  const dir = path.resolve(values.out, slug);
  mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, "email.html"), path.join(dir, "email.txt")];
  writeFileSync(files[0] as string, html);
  writeFileSync(files[1] as string, `Subject: ${compiled.email.subject}\n\n${text}`);
  const chromium = findChromium();
  if ("path" in chromium) {
    files.push(...(await screenshots(html, dir, chromium.path)));
  }
  console.log(`Subject: ${compiled.email.subject}`);
  for (const file of files) console.log(path.relative(process.cwd(), file) || file);
  if ("reason" in chromium) console.log(`screenshots skipped: ${chromium.reason}`);
  return 0;
}

runWhenExecuted(import.meta.url, main);
