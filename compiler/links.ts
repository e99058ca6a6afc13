/**
 * Links and images in a tip body.
 *
 * - http(s) and mailto links are kept as links, when they go where they say: no user name or
 *   password before the host (`https://example.com@evil.example/` goes to evil.example), no
 *   international (non-ASCII or `xn--`) host names, whose letters can imitate a familiar address,
 *   no backslashes, and a mailto: is one plain address with no `?` (no cc, bcc, subject or body).
 * - A relative link must point to another tip file (`[squats](./squats.md)` or `(squats.md)`).
 *   An email has no stable address for another tip at build time, so such links are rendered as
 *   their plain label text there, and as links to the tip's page on the web (see render.ts). Any
 *   other relative link, anchor or scheme is rejected.
 * - Images need alt text that says what they show (not "image", "photo" or the file name), and
 *   are files of the repository, linked by a relative path (images.ts checks those files and
 *   gives each a hashed address on the site). An image from another site is refused: it would
 *   load from that site in every reader's email, a tracking pixel.
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

/** The local part of a plain address: letters, digits and RFC 5322's atom characters, dots between. */
const LOCAL_PART = /^[A-Za-z0-9!#$&'*+/=^_`{|}~-]+(?:\.[A-Za-z0-9!#$&'*+/=^_`{|}~-]+)*$/;

/** Why an http(s) or mailto: link is refused, in plain words with a fix; undefined when it is fine. */
export function hrefProblem(href: string): { message: string; fix: string } | undefined {
  const malformed = {
    message: `malformed URL "${href}"`,
    fix: "check the address: a full host name such as example.com, no spaces, and for mailto: one address like coach@example.com",
  };
  if (/\s/.test(href)) return malformed;
  if (/^mailto:/i.test(href)) {
    const address = href.slice("mailto:".length);
    if (/[?&]/.test(address)) {
      return {
        message: `mailto: link with extra fields "${href}": a ? adds cc, bcc, subject or body lines to the reader's email`,
        fix: "link the address alone, e.g. mailto:coach@example.com, and say in the text what to write",
      };
    }
    if (/[%,;]/.test(address) || /[^\x21-\x7e]/.test(address)) {
      return {
        message: `mailto: link "${href}" is not one plain address`,
        fix: "write one address as is (no commas, no %-escapes, no letters outside ASCII), e.g. mailto:coach@example.com",
      };
    }
    const at = address.lastIndexOf("@");
    const local = address.slice(0, at);
    const host = address.slice(at + 1);
    if (at <= 0 || !LOCAL_PART.test(local) || !HOST.test(host)) return malformed;
    return undefined;
  }
  if (!/^https?:\/\//i.test(href)) return malformed;
  // Everything between // and the first /, ? or #: what browsers take for the host.
  const authority = /^https?:\/\/([^/?#]*)/i.exec(href)?.[1] ?? "";
  if (href.includes("\\")) {
    return {
      message: `link with a backslash "${href}": browsers read \\ as /, so the link may not go where it looks`,
      fix: "write the address with forward slashes only, as the site shows it",
    };
  }
  if (authority.includes("@")) {
    return {
      message: `link with a user name before its host "${href}": it goes to ${authority.slice(authority.lastIndexOf("@") + 1) || "another host"}, not to what is written before the @`,
      fix: "link the site's own address, with nothing before its host name (no user:password@)",
    };
  }
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return malformed;
  }
  if (/[^\x21-\x7e]/.test(authority) || url.hostname.split(".").some((l) => l.startsWith("xn--"))) {
    return {
      message: `link to an international host name "${href}" (${url.hostname}): letters from other scripts can imitate a familiar address, so such hosts are refused`,
      fix: "link the plain ASCII address of the site (letters a-z, digits and hyphens); if the site has none, name it in the text instead",
    };
  }
  if (/%/.test(authority)) {
    return {
      message: `link with an escaped host name "${href}"`,
      fix: "write the host name plainly, e.g. https://example.com/…",
    };
  }
  if (url.username !== "" || url.password !== "" || !HOST.test(url.hostname)) return malformed;
  return undefined;
}

/** An absolute http(s) URL with a real, plain host name, or a mailto: with one plain address. */
export function wellFormed(href: string): boolean {
  return hrefProblem(href) === undefined;
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

/** Alt texts that say nothing of what an image shows. */
const EMPTY_ALT =
  /^(img|image|images|photo|photos|picture|pic|graphic|figure|fig|illustration|drawing|diagram|screenshot|icon|logo|alt|placeholder)\.?$/i;
/** Alt texts that are a file name: `squat.svg`, `IMG_1234`, `DSC-0042`. */
const FILE_NAME_ALT =
  /\.(png|jpe?g|gif|webp|svg|avif|bmp|tiff?)$|^(img|image|dsc|photo|pic|screenshot)[-_ ]?\d+$/i;

/** Why an image's alt text is refused (missing, or saying nothing), with a fix; else undefined. */
export function altProblem(
  alt: string,
  href: string,
): { message: string; fix: string } | undefined {
  const text = alt.trim();
  const fix =
    "describe what the image shows inside the brackets, e.g. ![A runner stepping up onto a bench, knee over toes](../images/step-up.svg)";
  if (text === "") return { message: "image without alt text", fix };
  const file =
    href
      .replace(/[#?].*$/, "")
      .split("/")
      .pop() ?? "";
  const stem = file.replace(/\.[a-z0-9]+$/i, "");
  const same = (a: string, b: string) =>
    a.toLowerCase().replace(/[-_\s]+/g, " ") === b.toLowerCase().replace(/[-_\s]+/g, " ");
  if (
    EMPTY_ALT.test(text) ||
    FILE_NAME_ALT.test(text) ||
    // Too few letters to say anything ("x", "...", "—").
    (text.match(/\p{L}/gu) ?? []).length < 3 ||
    (file !== "" && (same(text, file) || same(text, stem)))
  ) {
    return { message: `image alt text "${text}" says nothing about the image`, fix };
  }
  return undefined;
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
      const alt = altProblem(t.text, t.href);
      if (alt) problems.push(problem(file, `${alt.message}: ${t.raw}`, alt.fix, line));
      // Only a file of the repository (images.ts checks it): an image from another site loads
      // from that site each time a reader opens the email, which is a tracking pixel.
      if (classifyHref(t.href) !== "relative") {
        problems.push(
          problem(
            file,
            `image "${t.href}" is not a file of the repository: an image from another site would load from it in every reader's email (a tracking pixel)`,
            "save the image in content/images/ and show it as ![What it shows](../images/<file>)",
            line,
          ),
        );
      }
      continue;
    }
    const kind = classifyHref(t.href);
    if (kind === "invalid") {
      const why = /^(https?:\/\/|mailto:)/i.test(t.href.trim())
        ? hrefProblem(t.href.trim())
        : undefined;
      problems.push(
        problem(
          file,
          why?.message ?? `unsupported link "${t.href}"`,
          why?.fix ??
            "use a full http(s):// or mailto: address, or link another tip as (./other-tip.md)",
          line,
        ),
      );
    } else if (kind === "relative") {
      const target = relativeTarget(file, t.href);
      // `javascript&#58;…` reaches here as "javascript&" (Markdown ends the address at the #).
      const inner = /\]\(([\s\S]*)\)$/.exec(t.raw)?.[1]?.trim();
      const written = inner?.split(/\s+/)[0]?.replace(/^<|>$/g, "") || t.href;
      if (/&(#\d+|#x[0-9a-f]+|[a-z]+);?/i.test(written)) {
        problems.push(
          problem(
            file,
            `link "${written}" is written with an HTML character reference (such as &#58;)`,
            "write the address plainly: https://…, mailto:…, or another tip as ./other-tip.md",
            line,
          ),
        );
      } else if (!isTipFile(target, tipsDir)) {
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
