/**
 * Rules for the Markdown body of a tip: not empty, not too long, no raw HTML (a <script> in
 * particular), and no `{{placeholder}}` syntax (only templates may use placeholders; a
 * placeholder in a tip would be filled, or fail, at send time).
 */
import type { Token, Tokens } from "marked";
import { locator } from "./links.js";
import { lineAt, type Problem, problem } from "./problems.js";

/**
 * Markdown characters allowed in a body. With the template around it, 12,000 characters of
 * Markdown compile to roughly 30 KB of HTML: far below Gmail's ~102 KB clipping threshold.
 */
export const BODY_MAX_CHARS = 12_000;

/** Every raw-HTML token (block or inline) in document order. */
function htmlTokens(tokens: Token[]): Token[] {
  const found: Token[] = [];
  const visit = (list: Token[] | undefined) => {
    for (const t of list ?? []) {
      if (t.type === "html") found.push(t);
      const nested = t as { tokens?: Token[]; items?: Token[] };
      if (t.type === "list") visit(nested.items);
      visit(nested.tokens);
      if (t.type === "table") {
        // Cells hold inline tokens too: an <img> in a table is raw HTML like any other.
        const table = t as Tokens.Table;
        for (const cell of table.header) visit(cell.tokens);
        for (const row of table.rows) for (const cell of row) visit(cell.tokens);
      }
    }
  };
  visit(tokens);
  return found;
}

export function checkBody(
  file: string,
  body: string,
  bodyLine: number,
  tokens: Token[],
): Problem[] {
  const problems: Problem[] = [];
  if (body.trim() === "") {
    problems.push(
      problem(
        file,
        "empty body: the tip has no text after the front matter",
        "write the tip in Markdown below the closing --- line",
        bodyLine,
      ),
    );
    return problems;
  }
  if (body.length > BODY_MAX_CHARS) {
    problems.push(
      problem(
        file,
        `body is too long: ${body.length} characters (limit ${BODY_MAX_CHARS})`,
        "shorten the tip or split it into two tips; long emails get clipped by Gmail",
        bodyLine,
      ),
    );
  }
  for (const match of body.matchAll(/\{\{[^{}\n]*\}\}|\{\{|\}\}/g)) {
    const line = bodyLine + lineAt(body, match.index) - 1;
    problems.push(
      problem(
        file,
        `placeholder syntax "${match[0]}" in the body`,
        "remove the braces: placeholders such as {{first_name}} belong in the email templates, not in tips",
        line,
      ),
    );
  }
  const lineOf = locator(body, bodyLine);
  for (const t of htmlTokens(tokens)) {
    const raw = t.raw.trim();
    if (raw === "") continue;
    const isScript = /<\s*\/?\s*script\b/i.test(raw);
    const isImage = /<\s*(img|image|picture|source|svg)\b/i.test(raw);
    const snippet = raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
    problems.push(
      problem(
        file,
        isScript
          ? `<script> in the body: ${snippet}`
          : isImage
            ? `an image in raw HTML: ${snippet}`
            : `raw HTML in the body: ${snippet}`,
        isScript
          ? "remove the script: emails cannot run scripts and tips must be plain Markdown"
          : isImage
            ? "save the image in content/images/ and show it with Markdown: ![What it shows](../images/<file>)"
            : "use Markdown instead of HTML (blank line for a paragraph, **bold**, [text](https://...))",
        lineOf(t.raw),
      ),
    );
  }
  return problems;
}
