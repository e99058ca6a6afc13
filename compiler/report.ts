/**
 * The terminal report of a clean check: one line per tip (order, slug, reading time, warnings),
 * then the warnings on the tips in full, and apart from them the email-client notes on the
 * templates, counted: information for whoever edits emails/, not warnings on the tips (the studio
 * and the review report list them one by one). The build prints the same counts.
 */
import path from "node:path";
import type { CheckResult } from "./check.js";
import { formatProblem, type Problem } from "./problems.js";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function isTemplateWarning(p: Problem): boolean {
  return p.file.endsWith(".mjml");
}

export function formatReport(result: CheckResult, cwd: string = process.cwd()): string[] {
  const lines: string[] = [];
  const width = Math.max(0, ...result.reports.map((r) => r.name.length));
  for (const r of result.reports) {
    const order = `#${r.tip?.order ?? "?"}`.padEnd(5);
    const read = `${r.reading.minutes} min read`.padEnd(11);
    const warn = r.warnings.length > 0 ? `  ${plural(r.warnings.length, "warning")}` : "";
    lines.push(`  ${order}${r.name.padEnd(width)}  ${read}${warn}`.trimEnd());
  }
  const tipWarnings = result.warnings.filter((w) => !isTemplateWarning(w));
  if (tipWarnings.length > 0) {
    lines.push("", `${plural(tipWarnings.length, "warning")} (not fatal):`);
    for (const w of tipWarnings) lines.push(formatProblem(w, cwd));
  }
  const notes = templateNotes(result);
  if (notes) lines.push(notes);
  return lines;
}

/** One line counting the templates' email-client notes, or undefined when there are none. */
export function templateNotes(result: Pick<CheckResult, "warnings">): string | undefined {
  const byTemplate = new Map<string, number>();
  for (const w of result.warnings.filter(isTemplateWarning)) {
    byTemplate.set(w.file, (byTemplate.get(w.file) ?? 0) + 1);
  }
  if (byTemplate.size === 0) return undefined;
  const counts = [...byTemplate]
    .map(([file, n]) => `${path.basename(file, ".mjml")} ${n}`)
    .join(", ");
  return `email clients: features of the templates that some clients do not support (caniemail.com): ${counts}; information for whoever edits emails/, not tip warnings (npm run studio lists them)`;
}
