/**
 * `npm run build [-- --tips <dir> --emails <dir> --brand <file> --out <file> --site-dir <dir>]`:
 * validates (same report and exit 1 as `npm run check` on any problem), compiles, and writes
 * functions/generated/content.ts, functions/generated/brand.ts (the brand of
 * content/newsletter.yml), functions/generated/assets.ts (the brand's asset addresses) and the
 * site's static files into <site-dir>/assets/ (dist/site/assets/; served at /assets/). Emails
 * link their images under {{site_url}}, which the sender fills with the stage's address.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { RenderedAsset } from "../compiler/assets.js";
import { siteBrand } from "../compiler/brand-base.js";
import { brandSource, siteAssetsSource, writeBundle, writeModule } from "../compiler/bundle.js";
import { checkContent } from "../compiler/check.js";
import {
  DEFAULT_BRAND_FILE,
  DEFAULT_BUNDLE_FILE,
  DEFAULT_EMAILS_DIR,
  DEFAULT_SITE_DIR,
  DEFAULT_TIPS_DIR,
} from "../compiler/paths.js";
import { formatProblems } from "../compiler/problems.js";
import { isTemplateWarning, templateNotes } from "../compiler/report.js";
import { runWhenExecuted } from "./cli.js";
import { reportRunway } from "./runway.js";

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tips: { type: "string", default: DEFAULT_TIPS_DIR },
      emails: { type: "string", default: DEFAULT_EMAILS_DIR },
      brand: { type: "string", default: DEFAULT_BRAND_FILE },
      out: { type: "string", default: DEFAULT_BUNDLE_FILE },
      "site-dir": { type: "string", default: DEFAULT_SITE_DIR },
      "skip-runway": { type: "boolean", default: false },
    },
    strict: true,
  });
  const result = await checkContent({
    tipsDir: path.resolve(values.tips),
    emailsDir: path.resolve(values.emails),
    brandFile: path.resolve(values.brand),
  });
  if (result.problems.length > 0 || !result.bundle || !result.site) {
    console.error(formatProblems(result.problems));
    console.error("build failed: nothing was written");
    return 1;
  }
  const out = writeBundle(result.bundle, path.resolve(values.out));
  const assetsModule = path.join(path.dirname(path.resolve(values.out)), "assets.ts");
  writeModule(siteAssetsSource(result.site, assetsModule), assetsModule);
  const brandModule = path.join(path.dirname(path.resolve(values.out)), "brand.ts");
  writeModule(brandSource(siteBrand(result.brand), brandModule), brandModule);
  const written = writeAssets(result.assets ?? [], path.resolve(values["site-dir"]));
  console.log(
    `${out.written ? "wrote" : "unchanged"} ${path.relative(process.cwd(), out.file)}: ${result.bundle.tips.length} tips + ${Object.keys(result.bundle.emails).length} system emails, ${(out.bytes / 1024).toFixed(1)} KB`,
  );
  console.log(
    `${written.count} images in ${path.relative(process.cwd(), written.dir) || written.dir} (${(written.bytes / 1024).toFixed(0)} KB)`,
  );
  // The same count `npm run check` lists; the templates' email-client notes are told apart.
  const tipWarnings = result.warnings.filter((w) => !isTemplateWarning(w)).length;
  if (tipWarnings > 0) {
    console.log(
      `${tipWarnings} warning${tipWarnings === 1 ? "" : "s"}, none fatal: npm run check lists ${tipWarnings === 1 ? "it" : "them"}`,
    );
  }
  const notes = templateNotes(result);
  if (notes) console.log(notes);
  // Reported, never fatal: a short runway is the editors' cue to write more tips.
  if (!values["skip-runway"]) await reportRunway({ tips: result.bundle.archive });
  return 0;
}

/**
 * Writes each asset under <siteDir>/assets/ by its hashed name. Files of earlier builds stay: an
 * email already sent keeps linking its images.
 */
function writeAssets(
  assets: readonly RenderedAsset[],
  siteDir: string,
): { dir: string; count: number; bytes: number } {
  const dir = path.join(siteDir, "assets");
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  for (const asset of assets) {
    writeFileSync(path.join(dir, asset.name), asset.bytes);
    bytes += asset.bytes.length;
  }
  return { dir, count: assets.length, bytes };
}

runWhenExecuted(import.meta.url, main);
