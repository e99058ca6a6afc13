/**
 * `npm run check [-- --tips <dir> --emails <dir>]`: validates every tip and email template and
 * reports every problem at once (`path:line: message` + `fix:`), exit 1; or a summary (each tip's
 * reading time, then the warnings), exit 0. The studio and CI run the same checks.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { type CheckResult, checkContent } from "../compiler/check.js";
import { DEFAULT_EMAILS_DIR, DEFAULT_TIPS_DIR } from "../compiler/paths.js";
import { formatProblems } from "../compiler/problems.js";
import { formatReport } from "../compiler/report.js";
import { runWhenExecuted } from "./cli.js";
import { reportRunway } from "./runway.js";

/**
 * Non-fatal reports run after a clean validation, in order; each is awaited. A report prints
 * what it likes; if it throws, a warning is printed and the exit code stays 0.
 */
export const REPORTS: ((result: CheckResult) => Promise<void>)[] = [
  // How many weeks of the checked tips remain for the most advanced local subscribers.
  (result) => reportRunway({ tips: result.tips }),
];

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tips: { type: "string", default: DEFAULT_TIPS_DIR },
      emails: { type: "string", default: DEFAULT_EMAILS_DIR },
    },
    strict: true,
  });
  const tipsDir = path.resolve(values.tips);
  const emailsDir = path.resolve(values.emails);
  const result = await checkContent({ tipsDir, emailsDir });
  if (result.problems.length > 0) {
    console.error(formatProblems(result.problems));
    return 1;
  }
  const templates = result.bundle ? 1 + Object.keys(result.bundle.emails).length : 0;
  console.log(
    `✓ ${result.tips.length} tip${result.tips.length === 1 ? "" : "s"} and ${templates} email templates OK (${path.relative(process.cwd(), tipsDir) || "."}, ${path.relative(process.cwd(), emailsDir) || "."})`,
  );
  for (const line of formatReport(result)) console.log(line);
  for (const report of REPORTS) {
    try {
      await report(result);
    } catch (err) {
      console.warn(`warning: report failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return 0;
}

runWhenExecuted(import.meta.url, main);
