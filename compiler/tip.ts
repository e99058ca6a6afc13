/**
 * One tip, on its own: parsed (parse.ts), validated (validate.ts, body.ts, links.ts), reviewed
 * (quality.ts, compat.ts) and compiled into its email (compile.ts) against compiled templates.
 * The studio calls checkTip for each saved file; check.ts calls it for each tip not in its cache.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Token } from "marked";
import { checkBody } from "./body.js";
import { compatWarnings } from "./compat.js";
import { type CompiledTipEmail, compileTip } from "./compile.js";
import { htmlBytes, sizeProblem } from "./email.js";
import { checkImages, type LocalImage } from "./images.js";
import { checkLinks, lex } from "./links.js";
import { splitSource } from "./parse.js";
import { defaultSiteUrl } from "./paths.js";
import type { Problem } from "./problems.js";
import { checkPlaceholderText, qualityWarnings, readingTime } from "./quality.js";
import type { Tip } from "./schema.js";
import type { CompiledMjml } from "./templates.js";
import { checkSlug, validateFrontMatter } from "./validate.js";

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
  /** The images of the repository the tip shows (checked; rendered by assets.ts). */
  images?: LocalImage[];
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
  const images = checkImages(file, parsed.body, parsed.bodyLine, tokens, tipsDir);
  report.images = images.images;
  report.problems.push(
    ...checkBody(file, parsed.body, parsed.bodyLine, tokens),
    ...checkLinks(file, parsed.body, parsed.bodyLine, tokens, tipsDir),
    ...images.problems,
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
export function compileReport(
  report: TipReport,
  template: CompiledMjml | undefined,
  siteUrl: string = defaultSiteUrl(),
): void {
  if (!report.tip || report.problems.length > 0 || !template) return;
  const email = compileTip(report.tip, template, report.tokens, {
    siteUrl,
    images: report.images ?? [],
  });
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
  siteUrl: string = defaultSiteUrl(),
): TipReport {
  const report = checkTipFile(file, tipsDir);
  compileReport(report, template, siteUrl);
  return report;
}
