/**
 * `npm run build [-- --tips <dir> --emails <dir> --out <file>]`: validates (same report and
 * exit 1 as `npm run check` on any problem), compiles, and writes functions/generated/content.ts.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { writeBundle } from "../compiler/bundle.js";
import { checkContent } from "../compiler/check.js";
import { DEFAULT_BUNDLE_FILE, DEFAULT_EMAILS_DIR, DEFAULT_TIPS_DIR } from "../compiler/paths.js";
import { formatProblems } from "../compiler/problems.js";
import { runWhenExecuted } from "./cli.js";
import { reportRunway } from "./runway.js";

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tips: { type: "string", default: DEFAULT_TIPS_DIR },
      emails: { type: "string", default: DEFAULT_EMAILS_DIR },
      out: { type: "string", default: DEFAULT_BUNDLE_FILE },
      "skip-runway": { type: "boolean", default: false },
    },
    strict: true,
  });
  const result = await checkContent({
    tipsDir: path.resolve(values.tips),
    emailsDir: path.resolve(values.emails),
  });
  if (result.problems.length > 0 || !result.bundle) {
    console.error(formatProblems(result.problems));
    console.error("build failed: nothing was written");
    return 1;
  }
  const out = writeBundle(result.bundle, path.resolve(values.out));
  console.log(
    `${out.written ? "wrote" : "unchanged"} ${path.relative(process.cwd(), out.file)}: ${result.bundle.tips.length} tips + 3 system emails, ${(out.bytes / 1024).toFixed(1)} KB`,
  );
  if (result.warnings.length > 0) {
    console.log(`${result.warnings.length} warnings, none fatal: npm run check lists them`);
  }
  // Reported, never fatal: a short runway is the editors' cue to write more tips.
  if (!values["skip-runway"]) await reportRunway({ tips: result.bundle.tips });
  return 0;
}

runWhenExecuted(import.meta.url, main);
