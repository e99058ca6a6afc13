/**
 * Checks on an email as it ships: its compiled HTML and text, not the Markdown or MJML it came
 * from. What a reader's client shows of the HTML (text, alt and title attributes, entities such as
 * `&#123;` decoded, invisible characters dropped) and the text part must hold no `{{` or `}}` but
 * the template's own placeholders, which fill() replaces at send time; a tip adds none at all; and
 * no line of the text part starts with punctuation (a sentence cut by a link's URL).
 */
import { createRequire } from "node:module";
import { PLACEHOLDERS, type Placeholder, placeholdersIn } from "../functions/core/fill.js";
import type { CompiledTemplate } from "../functions/core/types.js";
import { lineAt, type Problem, problem } from "./problems.js";

const require = createRequire(import.meta.url);
/** Loaded on first use: a check whose emails are all cached never needs it. */
let decodeHTML: ((html: string) => string) | undefined;

/** A placeholder as fill() finds it (core/fill.ts). */
const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g;
const BRACES = /\{\{|\}\}/;
/** Characters no reader sees: format characters (zero-width spaces and joiners, bidi marks). */
const INVISIBLE = /\p{Cf}/gu;

/** What a reader's client shows of an email's HTML: its text and its alt and title attributes. */
export function visibleText(html: string): string {
  const shown = html
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<(style|script|title)\b[\s\S]*?<\/\1\s*>/gi, " ");
  const attributes = [...shown.matchAll(/\s(?:alt|title)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
  const text = shown.replace(/<[^>]*>/g, "");
  decodeHTML ??= (require("entities") as typeof import("entities")).decodeHTML;
  return decodeHTML([text, ...attributes].join("\n")).replace(INVISIBLE, "");
}

/** How often each placeholder fill() will replace appears. */
export function placeholderCounts(content: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of content.matchAll(PLACEHOLDER)) {
    const name = m[1] as string;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** The HTML or text with every placeholder fill() replaces taken out. */
const withoutPlaceholders = (content: string) => content.replace(PLACEHOLDER, "\u0000");

/**
 * Where to point in a tip for braces written another way: entities (`&#123;`, `&lbrace;`),
 * Markdown escapes (`\{`), or two braces with emphasis or an entity between them (`{**{`).
 */
const BRACE_FORMS =
  /&(?:#0*12[35]|#x0*7[bd]|[lr]brace|[lr]cub);|\\[{}]|\{(?:[*_~`\\]|&#?[a-z0-9]+;)*\{|\}(?:[*_~`\\]|&#?[a-z0-9]+;)*\}/i;

export interface ShippedCheck {
  /** The file a problem is reported on (a tip, or a template). */
  file: string;
  /** The email as compiled (placeholders still in place). */
  email: Pick<CompiledTemplate, "subject" | "preheader" | "html" | "text">;
  /** The placeholders this email may use. */
  allowed: readonly Placeholder[];
  /**
   * A tip's email: its template's own HTML and text (tokens emptied), whose placeholders are the
   * only ones allowed; and the tip's source, to point at the line of a brace written as an entity.
   */
  template?: { html: string; text: string };
  source?: string;
}

/** The placeholder problems of one compiled email (see the file's header). */
export function placeholderProblems(check: ShippedCheck): Problem[] {
  const { file, email, allowed, template, source } = check;
  const problems: Problem[] = [];
  const known = new Set<string>(PLACEHOLDERS);
  const sourceLine = () => {
    if (source === undefined) return undefined;
    const m = BRACE_FORMS.exec(source);
    return m ? lineAt(source, m.index) : undefined;
  };
  const fix = template
    ? "remove the braces from the tip (however they are written: {{, \\{, &#123; or &lbrace;); placeholders such as {{first_name}} belong in the email templates, never in a tip"
    : "write placeholders only as {{name}} with a name this email has, and no other double braces";
  const parts = [
    ["subject", email.subject],
    ["preview text", email.preheader],
    ["HTML", email.html],
    ["text part", email.text],
  ] as const;
  for (const [part, content] of parts) {
    for (const name of placeholdersIn(content)) {
      if (!known.has(name)) {
        problems.push(
          problem(
            file,
            `the email's ${part} has an unknown placeholder {{${name}}}`,
            fix,
            sourceLine(),
          ),
        );
      } else if (!allowed.includes(name as Placeholder)) {
        problems.push(
          problem(
            file,
            `the email's ${part} has {{${name}}}, which this email has no value for: every send of it would fail`,
            fix,
            sourceLine(),
          ),
        );
      }
    }
  }
  if (template) {
    for (const [part, content, own] of [
      ["HTML", email.html, template.html],
      ["text part", email.text, template.text],
    ] as const) {
      const theirs = placeholderCounts(own);
      for (const [name, count] of placeholderCounts(content)) {
        if (count > (theirs.get(name) ?? 0) && allowed.includes(name as Placeholder)) {
          problems.push(
            problem(
              file,
              `the tip puts the placeholder {{${name}}} into the email's ${part}: it would be filled at send time`,
              fix,
              sourceLine(),
            ),
          );
        }
      }
    }
    // The template's own placeholders (the reader's tip number in the subject) are no braces.
    const shown = (content: string) =>
      content.replace(PLACEHOLDER, (match, name: string) =>
        allowed.includes(name as Placeholder) ? "" : match,
      );
    for (const [part, content] of [
      ["subject", email.subject],
      ["preview text", email.preheader],
    ] as const) {
      if (BRACES.test(shown(content).replace(INVISIBLE, ""))) {
        problems.push(
          problem(file, `the email's ${part} shows "{{" or "}}" to readers`, fix, sourceLine()),
        );
      }
    }
  }
  for (const [part, shown] of [
    ["HTML", visibleText(withoutPlaceholders(email.html))],
    ["text part", withoutPlaceholders(email.text).replace(INVISIBLE, "")],
  ] as const) {
    const m = BRACES.exec(shown);
    if (!m) continue;
    const around = shown
      .slice(Math.max(0, m.index - 20), m.index + 30)
      .replace(/\s+/g, " ")
      .trim();
    problems.push(
      problem(
        file,
        `the email's ${part} shows "${m[0]}" to readers ("…${around}…"): braces that are not a placeholder fill() replaces`,
        fix,
        sourceLine(),
      ),
    );
  }
  return problems;
}

/**
 * Punctuation that continues a sentence, or a separator between links: a line of a text part
 * never starts with it.
 */
const CONTINUING = /^[ \t]*([.,;:!?)\]}…·|])/;

/** A line that is a link's URL alone (or a placeholder that becomes one). */
const URL_LINE = /^[ \t]*(?:[a-z][a-z0-9+.-]*:\/\/\S+|\{\{\w+\}\}\S*)[ \t]*$/i;

/** A line that goes on with a sentence: its first word is in lower case. */
const GOES_ON = /^[ \t]*([a-z][\w'’-]*)/;

/** A problem for each line of a text part that starts with punctuation. */
export function textLineProblems(file: string, text: string, where: string): Problem[] {
  const problems: Problem[] = [];
  text.split("\n").forEach((line, i) => {
    const m = CONTINUING.exec(line);
    if (!m) return;
    problems.push(
      problem(
        file,
        `line ${i + 1} of ${where} starts with "${m[1]}": "${line.trim().slice(0, 50)}"`,
        "reword the sentence so the punctuation stays with its words (a link followed by punctuation is the usual cause: end the sentence before the link, or move the link into it)",
      ),
    );
  });
  return problems;
}

/**
 * A problem for each line of a text part that goes on with a sentence after a link's URL
 * ("…your name:", the URL, "any time."): a reader of the text part sees the sentence cut in two.
 */
export function cutSentenceProblems(file: string, text: string, where: string): Problem[] {
  const lines = text.split("\n");
  return lines.flatMap((line, i) => {
    const m = i > 0 && URL_LINE.test(lines[i - 1] as string) ? GOES_ON.exec(line) : null;
    // A link's own label ("unsubscribe:" over its URL) after another link is no sentence.
    const label = line.trimEnd().endsWith(":") && URL_LINE.test(lines[i + 1] ?? "");
    if (!m || label) return [];
    return [
      problem(
        file,
        `line ${i + 1} of ${where} goes on with a sentence after a link's address: "${line.trim().slice(0, 50)}"`,
        "end the sentence with the link (put the link's words last): the text part shows the address on a line of its own, which cuts the sentence in two",
      ),
    ];
  });
}
