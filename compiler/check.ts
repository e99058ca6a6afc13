/**
 * checkContent: the whole pipeline over a tips folder and a templates folder. Each tip is parsed
 * (parse.ts), validated (validate.ts, body.ts, links.ts), reviewed (quality.ts, compat.ts),
 * rendered (render.ts) and compiled into its email (compile.ts); the templates are compiled once
 * (templates.ts). Every problem in every file is collected in one pass. The build, `npm run
 * check`, the studio, preview and the tests all call this, or checkTip for one tip.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Token } from "marked";
import type { CompiledTip, ContentBundle, SystemEmails } from "../functions/core/types.js";
import { checkBody } from "./body.js";
import { compatWarnings } from "./compat.js";
import {
  type CompiledTipEmail,
  compileSystemEmails,
  compileTip,
  htmlBytes,
  sizeProblem,
} from "./compile.js";
import { checkLinks, lex } from "./links.js";
import { splitSource } from "./parse.js";
import { type Problem, problem } from "./problems.js";
import { checkPlaceholderText, qualityWarnings, readingTime } from "./quality.js";
import type { Tip } from "./schema.js";
import { type CompiledMjml, compileTemplates, type TemplateName } from "./templates.js";
import { checkSlug, duplicates, validateFrontMatter } from "./validate.js";

export interface CheckOptions {
  tipsDir: string;
  emailsDir: string;
  /** Check only these tip slugs (file names without .md); links may still point to any tip. */
  only?: readonly string[];
}

/** Everything known about one tip file: what the studio and the review report show. */
export interface TipReport {
  file: string;
  /** The file name without .md. */
  name: string;
  /** Present when the front matter is valid. */
  tip?: Tip;
  /** Errors: any one of them stops the build. */
  problems: Problem[];
  /** Advice: shown, never fatal. */
  warnings: Problem[];
  /** Words in the body and minutes to read them. */
  reading: { words: number; minutes: number };
  /** The compiled email, when there are no errors. */
  email?: CompiledTipEmail;
  /** Bytes of the compiled HTML and text. */
  size?: { html: number; text: number };
  /** The lexed Markdown body, reused when the tip is rendered. */
  tokens?: Token[];
}

export interface CheckResult {
  /** Errors, in every file. */
  problems: Problem[];
  /** Warnings, in every file (including the templates' email-client notes). */
  warnings: Problem[];
  /** Tips whose front matter is valid, sorted by order. */
  tips: Tip[];
  /** One report per tip file, in sequence order (files with broken front matter last). */
  reports: TipReport[];
  /** The compiled templates (the tip template and the system emails). */
  templates: Partial<Record<TemplateName, CompiledMjml>>;
  /** The system emails that compiled. */
  emails: Partial<SystemEmails>;
  /** The compiled content; present only when there are no problems. */
  bundle?: ContentBundle;
}

export function listTipFiles(tipsDir: string): string[] {
  return readdirSync(tipsDir)
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => path.join(tipsDir, name));
}

/** Checks one tip file on its own (everything except cross-file uniqueness); no compiling. */
export function checkTipFile(file: string, tipsDir: string): TipReport {
  const raw = readFileSync(file);
  const source = raw.toString("utf8");
  const name = path.basename(file, ".md");
  const report: TipReport = {
    file,
    name,
    problems: [],
    warnings: [],
    reading: { words: 0, minutes: 0 },
  };
  const split = splitSource(file, source);
  if (!split.ok) {
    report.problems.push(...split.problems);
    return report;
  }
  const parsed = split.value;
  const tokens = lex(parsed.body);
  report.tokens = tokens;
  report.reading = readingTime(tokens);
  const front = validateFrontMatter(file, parsed);
  if (!front.ok) report.problems.push(...front.problems);
  report.problems.push(
    ...checkBody(file, parsed.body, parsed.bodyLine, tokens),
    ...checkLinks(file, parsed.body, parsed.bodyLine, tokens, tipsDir),
    ...checkPlaceholderText(file, source),
  );
  if (!front.ok) return report;
  report.problems.push(...checkSlug(file, front.value, parsed.matter));
  const hash = createHash("sha256").update(raw).digest("hex");
  report.tip = {
    ...front.value,
    file,
    body: parsed.body,
    bodyLine: parsed.bodyLine,
    matter: parsed.matter,
    hash,
  };
  report.warnings.push(...qualityWarnings(report.tip, tokens));
  return report;
}

/** Compiles a checked tip into its email (when it has no errors), adding size and compat checks. */
export function compileReport(report: TipReport, template: CompiledMjml | undefined): void {
  if (!report.tip || report.problems.length > 0 || !template) return;
  const email = compileTip(report.tip, template, report.tokens);
  const tooBig = sizeProblem(report.file, email.html);
  report.size = { html: htmlBytes(email.html), text: htmlBytes(email.text) };
  if (tooBig) {
    report.problems.push(tooBig);
    return;
  }
  report.warnings.push(...compatWarnings(report.file, email.bodyHtml));
  report.email = email;
}

/** One tip, checked and compiled against already compiled templates (the studio's fast path). */
export function checkTip(
  file: string,
  tipsDir: string,
  template: CompiledMjml | undefined,
): TipReport {
  const report = checkTipFile(file, tipsDir);
  compileReport(report, template);
  return report;
}

export async function checkContent(options: CheckOptions): Promise<CheckResult> {
  const { tipsDir, emailsDir, only } = options;
  const problems: Problem[] = [];
  let files: string[] = [];
  if (!existsSync(tipsDir) || !statSync(tipsDir).isDirectory()) {
    problems.push(
      problem(tipsDir, "tips directory not found", "pass an existing directory with --tips"),
    );
  } else {
    files = listTipFiles(tipsDir);
    if (only) files = files.filter((f) => only.includes(path.basename(f, ".md")));
    if (files.length === 0 && !only) {
      problems.push(
        problem(tipsDir, "no tips found (*.md)", 'add a tip with npm run new-tip -- "Title"'),
      );
    }
  }
  const compiled = await compileTemplates(emailsDir);
  const reports = files.map((file) => checkTip(file, tipsDir, compiled.templates.tip));
  return assemble({
    ...compiled,
    reports,
    emailsDir,
    problems: [...problems, ...compiled.problems],
  });
}

/**
 * Puts independently checked tips together: the checks across tips (a slug or order used twice),
 * the system emails, and the bundle when nothing failed. `reports` are not changed (the studio
 * keeps them and re-checks only the file that was saved); the result holds copies.
 */
export function assemble(input: {
  reports: readonly TipReport[];
  templates: Partial<Record<TemplateName, CompiledMjml>>;
  /** Problems and warnings of the templates. */
  problems: readonly Problem[];
  warnings: readonly Problem[];
  emailsDir: string;
}): CheckResult {
  const { templates, emailsDir } = input;
  const problems = [...input.problems];
  const reports = input.reports.map((r) => ({ ...r, problems: [...r.problems] }));
  const byOrder = (a: TipReport, b: TipReport) =>
    (a.tip?.order ?? Number.POSITIVE_INFINITY) - (b.tip?.order ?? Number.POSITIVE_INFINITY) ||
    a.name.localeCompare(b.name);
  reports.sort(byOrder);
  const tips = reports.flatMap((r) => (r.tip ? [r.tip] : []));
  const byFile = new Map(reports.map((r) => [r.file, r]));
  for (const p of [...duplicates(tips, "slug"), ...duplicates(tips, "order")]) {
    const report = byFile.get(p.file);
    if (!report) continue;
    report.problems.push(p);
    delete report.email;
  }

  const emails = compileSystemEmails(templates);
  for (const name of ["confirm", "welcome", "goodbye"] as const) {
    const email = emails[name];
    const tooBig = email && sizeProblem(path.join(emailsDir, `${name}.mjml`), email.html);
    if (tooBig) problems.push(tooBig);
  }

  for (const report of reports) problems.push(...report.problems);
  const warnings = [...reports.flatMap((r) => r.warnings), ...input.warnings];
  const result: CheckResult = { problems, warnings, tips, reports, templates, emails };
  if (problems.length > 0 || !emails.confirm || !emails.welcome || !emails.goodbye) return result;
  const compiled = reports.flatMap((r) => (r.email ? [r.email] : []));
  result.bundle = {
    tips: compiled.map(withoutBodyHtml),
    emails: { confirm: emails.confirm, welcome: emails.welcome, goodbye: emails.goodbye },
  };
  return result;
}

function withoutBodyHtml(email: CompiledTipEmail): CompiledTip {
  const { bodyHtml, ...tip } = email;
  void bodyHtml;
  return tip;
}
