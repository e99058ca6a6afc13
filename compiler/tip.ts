/**
 * One tip, on its own: parsed (parse.ts), validated (validate.ts, body.ts, links.ts), reviewed
 * (quality.ts, compat.ts), compiled into its email (compile.ts) against compiled templates, and
 * the email checked as it ships (shipped.ts). A tip whose front matter is valid is compiled even
 * when it has errors, so the studio can preview a draft (its errors listed above it); only a tip
 * without errors goes into the bundle (check.ts). The studio calls checkTip for each saved file;
 * check.ts calls it for each tip not in its cache.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Token } from "marked";
import type { SiteBrand } from "../functions/http/site-brand.js";
import { checkBody } from "./body.js";
import { compatWarnings } from "./compat.js";
import { type CompiledTipEmail, compileTip } from "./compile.js";
import { htmlBytes, sizeProblem } from "./email.js";
import { checkImages, type LocalImage } from "./images.js";
import { checkLinks, lex } from "./links.js";
import { decodeSource, splitSource } from "./parse.js";
import { defaultSiteUrl } from "./paths.js";
import type { Problem } from "./problems.js";
import { checkPlaceholderText, qualityWarnings, readingTime } from "./quality.js";
import type { Tip } from "./schema.js";
import { cutSentenceProblems, placeholderProblems, textLineProblems } from "./shipped.js";
import { type CompiledMjml, fillTokens, TEMPLATE_SPECS } from "./templates.js";
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
  /**
   * The compiled email, whenever the front matter is valid and the tip template compiled: with
   * errors it is a draft's preview, never shipped.
   */
  email?: CompiledTipEmail;
  /** Bytes of the compiled HTML and text. */
  size?: { html: number; text: number };
  /** The lexed Markdown body, reused when the tip is rendered. */
  tokens?: Token[];
  /** The images of the repository the tip shows (checked; rendered by assets.ts). */
  images?: LocalImage[];
  /** The file's text, from checking to compiling (not kept). */
  source?: string;
}

/** What a tip is checked and compiled with besides its own file. */
export interface TipContext {
  /** The site's base URL, for the absolute addresses of the tip's images (default: defaultSiteUrl()). */
  siteUrl?: string;
  /** The newsletter's brand (content/newsletter.yml). */
  brand: SiteBrand;
}

/** Checks one tip file on its own (everything except cross-file uniqueness); no compiling. */
export function checkTipFile(file: string, tipsDir: string, brand: SiteBrand): TipReport {
  const raw = readFileSync(file);
  const name = path.basename(file, ".md");
  const report: TipReport = {
    file,
    name,
    problems: [],
    warnings: [],
    reading: { words: 0, minutes: 0 },
  };
  const decoded = decodeSource(file, raw);
  if (!decoded.ok) {
    report.problems.push(...decoded.problems);
    return report;
  }
  const source = decoded.source;
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
  report.problems.push(...checkSlug(file, parsed.data, parsed.matter));
  const images = checkImages(file, parsed.body, parsed.bodyLine, tokens, tipsDir);
  report.images = images.images;
  report.problems.push(
    ...checkBody(file, parsed.body, parsed.bodyLine, tokens),
    ...checkLinks(file, parsed.body, parsed.bodyLine, tokens, tipsDir),
    ...images.problems,
    ...checkPlaceholderText(file, source),
  );
  if (!front.ok) return report;
  const hash = createHash("sha256").update(raw).digest("hex");
  report.tip = {
    ...front.value,
    file,
    body: parsed.body,
    bodyLine: parsed.bodyLine,
    matter: parsed.matter,
    hash,
  };
  report.warnings.push(...qualityWarnings(report.tip, tokens, brand));
  report.source = source;
  return report;
}

/**
 * Compiles a tip with valid front matter into its email, and checks the email as it ships: its
 * size, its placeholders and the lines of its text part. Email-client notes are added for a tip
 * without errors only (a draft's would be noise).
 */
export function compileReport(
  report: TipReport,
  template: CompiledMjml | undefined,
  context: TipContext,
): void {
  const source = report.source;
  delete report.source;
  if (!report.tip || !template) return;
  const hadProblems = report.problems.length > 0;
  const email = compileTip(report.tip, template, report.tokens, {
    siteUrl: context.siteUrl ?? defaultSiteUrl(),
    images: report.images ?? [],
    brand: context.brand,
  });
  report.size = { html: htmlBytes(email.html), text: htmlBytes(email.text) };
  const tooBig = sizeProblem(report.file, email.html);
  if (tooBig) report.problems.push(tooBig);
  const empty = Object.fromEntries(TEMPLATE_SPECS.tip.tokens.map((t) => [t, ""]));
  // The template's own placeholders, and the {{site_url}} of each image the compiler placed.
  const images = (content: string, before: string) =>
    "{{site_url}}".repeat(content.split(`${before}{{site_url}}/assets/`).length - 1);
  report.problems.push(
    ...placeholderProblems({
      file: report.file,
      email,
      allowed: TEMPLATE_SPECS.tip.placeholders,
      template: {
        // The subject is the template's (its reader's number), in the HTML's <title> too.
        html:
          fillTokens(template.html, { ...empty, subject: email.subject }) +
          images(email.html, 'src="'),
        text:
          fillTokens(template.text, { ...empty, subject: email.subject }) + images(email.text, ""),
      },
      ...(source === undefined ? {} : { source }),
    }),
    ...textLineProblems(report.file, email.text, "the email's text part"),
  );
  report.warnings.push(...cutSentenceProblems(report.file, email.text, "the email's text part"));
  if (!hadProblems && report.problems.length === 0) {
    report.warnings.push(...compatWarnings(report.file, email.bodyHtml));
  }
  report.email = email;
}

/** One tip, checked and compiled against already compiled templates (the studio's fast path). */
export function checkTip(
  file: string,
  tipsDir: string,
  template: CompiledMjml | undefined,
  context: TipContext,
): TipReport {
  const report = checkTipFile(file, tipsDir, context.brand);
  compileReport(report, template, context);
  return report;
}
