/**
 * Review checks on a tip that the schema cannot express: placeholder text left by `new-tip`
 * (an error: it must never reach a subscriber), and advice shown as warnings: a subject that
 * inboxes cut off, accessibility of links, headings and images, and the reading time.
 */
import type { Token, Tokens } from "marked";
import type { SiteBrand } from "../functions/http/site-brand.js";
import { tipSubject } from "./email.js";
import { linkTokens, locator } from "./links.js";
import { lineAt, lineOfKey, type Problem, problem } from "./problems.js";
import type { Tip } from "./schema.js";

/** Most inboxes show about this many characters of a subject before cutting it off. */
export const SUBJECT_MAX = 60;
/** Adult silent-reading speed used for the reading time, words per minute. */
export const WORDS_PER_MINUTE = 230;

const PLACEHOLDERS: { pattern: RegExp; what: string }[] = [
  { pattern: /\b(TODO|TBD|FIXME)\b/g, what: "placeholder" },
  { pattern: /\blorem ipsum\b|\bdolor sit amet\b/gi, what: "filler text" },
];

/** TODO, TBD, FIXME and lorem ipsum anywhere in the file (front matter or body): errors. */
export function checkPlaceholderText(file: string, source: string): Problem[] {
  const problems: Problem[] = [];
  const lines = new Set<number>();
  for (const { pattern, what } of PLACEHOLDERS) {
    for (const match of source.matchAll(pattern)) {
      const line = lineAt(source, match.index);
      // One report per line is enough ("Lorem ipsum dolor sit amet" is one piece of filler).
      if (lines.has(line)) continue;
      lines.add(line);
      problems.push(
        problem(
          file,
          `${what} "${match[0]}" left in the tip`,
          "replace it with the finished text (new-tip leaves TODO markers where writing is needed)",
          line,
        ),
      );
    }
  }
  return problems;
}

/** Every piece of prose in the tokens (link labels, not their URLs). */
function words(tokens: readonly Token[]): number {
  let count = 0;
  const visit = (list: readonly Token[] | undefined) => {
    for (const t of list ?? []) {
      const nested = t as { tokens?: Token[]; items?: Token[] };
      if (t.type === "list") visit(nested.items);
      else if (nested.tokens) visit(nested.tokens);
      else if (t.type === "table") {
        const table = t as Tokens.Table;
        for (const cell of table.header) visit(cell.tokens);
        for (const row of table.rows) for (const cell of row) visit(cell.tokens);
      } else if ("text" in t && typeof t.text === "string") {
        count += t.text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
      }
    }
  };
  visit(tokens);
  return count;
}

export function readingTime(tokens: readonly Token[]): { words: number; minutes: number } {
  const n = words(tokens);
  return { words: n, minutes: n === 0 ? 0 : Math.max(1, Math.round(n / WORDS_PER_MINUTE)) };
}

const GENERIC_LINK_TEXT = /^(click here|here|this|this link|link|read more|more|learn more)$/i;

/** Warnings: subject length and accessibility. */
/**
 * A phone's room for a table in the email: the 375 px screen less the card's margins and
 * padding, about 9 px a character of the body's type, and each cell's own padding.
 */
const PHONE = { screenPx: 375, widthPx: 311, charPx: 9, cellPx: 16 } as const;

export function qualityWarnings(
  tip: Tip,
  tokens: Token[],
  brand: Pick<SiteBrand, "topic">,
): Problem[] {
  const warnings: Problem[] = [];
  const { file, body, bodyLine } = tip;
  const subject = tipSubject(tip.order, tip.title, brand);
  if (subject.length > SUBJECT_MAX) {
    warnings.push(
      problem(
        file,
        `subject is ${subject.length} characters ("${subject}"); most inboxes show about ${SUBJECT_MAX}`,
        `shorten the title to ${SUBJECT_MAX - tipSubject(tip.order, "", brand).length} characters or fewer so the subject is not cut off`,
        lineOfKey(tip.matter, "title"),
      ),
    );
  }
  const lineOf = locator(body, bodyLine);
  for (const t of linkTokens(tokens)) {
    const line = lineOf(t.raw);
    if (t.type === "link") {
      const label = t.text.trim();
      if (GENERIC_LINK_TEXT.test(label)) {
        warnings.push(
          problem(
            file,
            `accessibility: link text "${label}" does not say where it goes`,
            "use words that describe the target, e.g. [the squat guide](https://...); screen readers list links by their text",
            line,
          ),
        );
      } else if (/^https?:\/\//i.test(label)) {
        warnings.push(
          problem(
            file,
            `accessibility: the link text is a bare URL (${label.length > 40 ? `${label.slice(0, 37)}...` : label})`,
            "write a short description as the link text; screen readers read URLs out character by character",
            line,
          ),
        );
      }
      if (/^http:\/\//i.test(t.href)) {
        warnings.push(
          problem(
            file,
            `link "${t.href}" is not https`,
            "use the https:// address; some email clients warn about plain http links",
            line,
          ),
        );
      }
    } else if (t.text.length > 125) {
      // An alt text that says nothing (a file name, "image") is a problem: links.ts.
      warnings.push(
        problem(
          file,
          `accessibility: image alt text "${t.text.slice(0, 37)}..." is over 125 characters`,
          "describe what the image shows in one short sentence",
          line,
        ),
      );
    }
  }
  // Tables: on a phone each column is at least as wide as its longest word, or that word breaks
  // letter by letter.
  const tableLine = locator(body, bodyLine);
  for (const t of tokens) {
    if (t.type !== "table") continue;
    const table = t as Tokens.Table;
    const columns = table.header.map((cell, i) => [cell, ...table.rows.map((row) => row[i])]);
    const needed = columns.reduce((sum, cells) => {
      const words = cells.flatMap((cell) => (cell?.text ?? "").split(/\s+/));
      return sum + Math.max(0, ...words.map((w) => w.length)) * PHONE.charPx + PHONE.cellPx;
    }, 0);
    if (needed > PHONE.widthPx) {
      warnings.push(
        problem(
          file,
          `a table of ${columns.length} columns is too wide for a phone: at ${PHONE.screenPx} px its words break letter by letter, and the text part cannot line it up`,
          "use fewer columns (a list per row, or two tables), or shorter words in the widest columns",
          tableLine(t.raw),
        ),
      );
    }
  }
  // Headings: the title is the email's h1, so the body starts at ## and never skips a level.
  const headingLine = locator(body, bodyLine);
  let previous = 1;
  for (const t of tokens) {
    if (t.type !== "heading") continue;
    const depth = (t as Tokens.Heading).depth;
    const line = headingLine(t.raw);
    if (depth === 1) {
      warnings.push(
        problem(
          file,
          "accessibility: a # heading in the body (the title is the email's only top-level heading)",
          "use ## for the body's headings",
          line,
        ),
      );
    } else if (depth > previous + 1) {
      warnings.push(
        problem(
          file,
          `accessibility: heading level skips from ${"#".repeat(previous)} to ${"#".repeat(depth)}`,
          `use ${"#".repeat(previous + 1)} here; screen-reader users navigate by heading level`,
          line,
        ),
      );
    }
    previous = Math.max(depth, 2);
  }
  return warnings;
}
