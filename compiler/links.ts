/**
 * Links and images in a tip body.
 *
 * - http(s) and mailto links are kept as links.
 * - A relative link must point to another tip file (`[squats](./squats.md)` or `(squats.md)`).
 *   An email has no stable address for another tip at build time, so such links are rendered as
 *   their plain label text (see render.ts). Any other relative link, anchor or scheme is rejected.
 * - Images need alt text, and either an absolute https URL or a relative path to an image of the
 *   repository (images.ts checks those files and gives each a hashed address on the site).
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { Lexer, type Token, type Tokens } from "marked";
import { lineAt, type Problem, problem } from "./problems.js";

export type HrefKind = "external" | "relative" | "invalid";

export function classifyHref(href: string): HrefKind {
  const h = href.trim();
  if (/^(https?:\/\/|mailto:)/i.test(h)) return wellFormed(h) ? "external" : "invalid";
  if (h === "" || h.startsWith("#") || h.startsWith("//") || /^[a-z][a-z0-9+.-]*:/i.test(h)) {
    return "invalid";
  }
  return "relative";
}

/** A host name with a dot and a top-level domain of letters: `example.com`, not `example` or `exa mple`. */
const HOST =
  /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/i;

/** An absolute http(s) URL with a real host name, or a mailto: with one address at such a host. */
export function wellFormed(href: string): boolean {
  if (/\s/.test(href)) return false;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return false;
  }
  if (url.protocol === "mailto:") {
    const [address = ""] = decodeURIComponent(url.pathname).split("?");
    const at = address.lastIndexOf("@");
    return at > 0 && HOST.test(address.slice(at + 1));
  }
  return (url.protocol === "http:" || url.protocol === "https:") && HOST.test(url.hostname);
}

/** The tip file a relative href points to (absolute path), whether or not it exists. */
export function relativeTarget(fromFile: string, href: string): string {
  const withoutFragment = href.trim().replace(/[#?].*$/, "");
  return path.resolve(path.dirname(fromFile), decodeURI(withoutFragment));
}

function isTipFile(target: string, tipsDir: string): boolean {
  return (
    path.dirname(target) === path.resolve(tipsDir) &&
    target.endsWith(".md") &&
    existsSync(target) &&
    statSync(target).isFile()
  );
}

/** Every link and image token in document order (including those nested in lists etc.). */
export function linkTokens(tokens: Token[]): (Tokens.Link | Tokens.Image)[] {
  const found: (Tokens.Link | Tokens.Image)[] = [];
  const visit = (list: Token[] | undefined) => {
    for (const t of list ?? []) {
      if (t.type === "link" || t.type === "image") found.push(t as Tokens.Link | Tokens.Image);
      const nested = t as { tokens?: Token[]; items?: Token[] };
      if (t.type === "list") visit(nested.items);
      visit(nested.tokens);
      if (t.type === "table") {
        const table = t as Tokens.Table;
        for (const cell of table.header) visit(cell.tokens);
        for (const row of table.rows) for (const cell of row) visit(cell.tokens);
      }
    }
  };
  visit(tokens);
  return found;
}

/** Finds each raw snippet in order, so repeated snippets get successive lines. */
export function locator(body: string, bodyLine: number): (raw: string) => number | undefined {
  let cursor = 0;
  return (raw: string) => {
    let index = body.indexOf(raw, cursor);
    if (index === -1) index = body.indexOf(raw);
    if (index === -1) return undefined;
    cursor = index + raw.length;
    return bodyLine + lineAt(body, index) - 1;
  };
}

export function checkLinks(
  file: string,
  body: string,
  bodyLine: number,
  tokens: Token[],
  tipsDir: string,
): Problem[] {
  const problems: Problem[] = [];
  const lineOf = locator(body, bodyLine);
  for (const t of linkTokens(tokens)) {
    const line = lineOf(t.raw);
    if (t.type === "image") {
      if (t.text.trim() === "") {
        problems.push(
          problem(
            file,
            `image without alt text: ${t.raw}`,
            "describe the image inside the brackets, e.g. ![A runner doing a step-up](https://...)",
            line,
          ),
        );
      }
      const kind = classifyHref(t.href);
      // A relative path is an image of the repository: images.ts checks the file.
      if (kind !== "relative" && (!/^https:\/\//i.test(t.href) || kind !== "external")) {
        problems.push(
          problem(
            file,
            `image "${t.href}" is not an absolute https:// URL or a path to an image in content/images`,
            "link an image of the repository as ../images/<file>, or use a full https:// address",
            line,
          ),
        );
      }
      continue;
    }
    const kind = classifyHref(t.href);
    if (kind === "invalid") {
      problems.push(
        problem(
          file,
          /^(https?:\/\/|mailto:)/i.test(t.href.trim())
            ? `malformed URL "${t.href}"`
            : `unsupported link "${t.href}"`,
          /^(https?:\/\/|mailto:)/i.test(t.href.trim())
            ? "check the address: a full host name such as example.com, no spaces, and for mailto: one address like coach@example.com"
            : "use a full http(s):// or mailto: address, or link another tip as (./other-tip.md)",
          line,
        ),
      );
    } else if (kind === "relative") {
      const target = relativeTarget(file, t.href);
      if (!isTipFile(target, tipsDir)) {
        problems.push(
          problem(
            file,
            `broken link "${t.href}": there is no tip file ${path.relative(path.resolve(tipsDir), target) || path.basename(target)} in the tips folder`,
            "relative links may only point to an existing tip, e.g. (./squats.md); check the file name, or use a full https:// address",
            line,
          ),
        );
      }
    }
  }
  return problems;
}

export function lex(body: string): Token[] {
  return new Lexer({ gfm: true }).lex(body);
}
