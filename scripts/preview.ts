/**
 * `npm run preview -- <slug|confirm|welcome|already|goodbye|finished> [--out <dir>] [--tips <dir>] [--emails <dir>]`
 * `npm run preview -- --all [--out <dir>]`
 *
 * One email: fills its placeholders with sample values and writes <out>/<slug>/email.html and
 * email.txt (default out: .preview/), and with Chromium (CHROMIUM_PATH or /usr/bin/chromium)
 * desktop-600.png, mobile-375.png and dark-600.png. `--all`: the review report, every email and
 * its checks in <out>/index.html (studio/report.ts); exit 1 if any check failed.
 */

import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { RenderedAsset } from "../compiler/assets.js";
import { checkContent, listTipFiles } from "../compiler/check.js";
import { DEFAULT_EMAILS_DIR, DEFAULT_TIPS_DIR, REPO_ROOT } from "../compiler/paths.js";
import { formatProblems } from "../compiler/problems.js";
import { SYSTEM_EMAIL_NAMES } from "../compiler/templates.js";
import type { CompiledTemplate } from "../functions/core/types.js";
import { findChromium } from "../studio/chromium.js";
import { writeEmailFiles, writeReview } from "../studio/report.js";
import { BUILT_SITE_URL, sampleEmail } from "../studio/sample.js";
import { drawnOrBuilt, screenshotEmails } from "../studio/screenshots.js";
import { runWhenExecuted } from "./cli.js";

export { SYSTEM_EMAIL_NAMES };

const USAGE =
  "usage: npm run preview -- <slug|confirm|welcome|already|goodbye|finished> [--out <dir>]  or  npm run preview -- --all";

async function compileOne(
  slug: string,
  tipsDir: string,
  emailsDir: string,
): Promise<{ email: CompiledTemplate; assets?: RenderedAsset[] } | { error: string }> {
  if ((SYSTEM_EMAIL_NAMES as readonly string[]).includes(slug)) {
    const name = slug as (typeof SYSTEM_EMAIL_NAMES)[number];
    // No tip at all: the brand, the templates and the system emails only.
    const checked = await checkContent({ tipsDir, emailsDir, only: [] });
    const { emails, problems } = checked;
    const email = emails[name];
    if (problems.length > 0 || !email) return { error: formatProblems(problems) };
    return { email, assets: checked.assets ?? [] };
  }
  const known = existsSync(tipsDir)
    ? listTipFiles(tipsDir).map((f) => path.basename(f, ".md"))
    : [];
  if (!known.includes(slug)) {
    return {
      error: `unknown slug "${slug}". Known: ${[...SYSTEM_EMAIL_NAMES, ...known].join(", ") || "(none)"}`,
    };
  }
  // The whole series is checked, so that what involves other tips (an order or slug used twice, a
  // link to another tip) is said here too; their own problems are theirs.
  const result = await checkContent({ tipsDir, emailsDir });
  const report = result.reports.find((r) => r.name === slug);
  const others = new Set(result.reports.filter((r) => r !== report).map((r) => r.file));
  const problems = result.problems.filter((p) => !others.has(p.file));
  if (problems.length > 0 || !report?.email) return { error: formatProblems(problems) };
  return { email: report.email, assets: result.assets ?? [] };
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: "string", default: path.join(REPO_ROOT, ".preview") },
      tips: { type: "string", default: DEFAULT_TIPS_DIR },
      emails: { type: "string", default: DEFAULT_EMAILS_DIR },
      all: { type: "boolean", default: false },
    },
    strict: true,
  });
  const tipsDir = path.resolve(values.tips);
  const emailsDir = path.resolve(values.emails);
  const out = path.resolve(values.out);
  const chromium = findChromium();
  const show = (file: string) => path.relative(process.cwd(), file) || file;
  if (values.all) {
    if (positionals.length > 0) {
      console.error(USAGE);
      return 1;
    }
    const result = await checkContent({ tipsDir, emailsDir });
    const { index } = await writeReview({ result, out, emailsDir, root: REPO_ROOT, chromium });
    console.log(
      `review report: ${show(index)} (${result.reports.length} tips + ${SYSTEM_EMAIL_NAMES.length} system emails)`,
    );
    if ("reason" in chromium) console.log(`screenshots skipped: ${chromium.reason}`);
    if (result.problems.length > 0) {
      console.error(formatProblems(result.problems));
      return 1;
    }
    return 0;
  }
  const slug = positionals[0];
  if (!slug || positionals.length > 1) {
    console.error(USAGE);
    return 1;
  }
  const compiled = await compileOne(slug, tipsDir, emailsDir);
  if ("error" in compiled) {
    console.error(compiled.error);
    return 1;
  }
  const email = sampleEmail(compiled.email, slug, BUILT_SITE_URL);
  const files = writeEmailFiles(out, slug, email);
  if ("path" in chromium) {
    files.push(
      ...(await screenshotEmails(
        chromium.path,
        [{ html: email.html, dir: path.join(out, slug) }],
        drawnOrBuilt(compiled.assets),
      )),
    );
  }
  console.log(`Subject: ${email.subject}`);
  for (const file of files) console.log(show(file));
  if ("reason" in chromium) console.log(`screenshots skipped: ${chromium.reason}`);
  return 0;
}

runWhenExecuted(import.meta.url, main);
