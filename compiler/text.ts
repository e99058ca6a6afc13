/**
 * Text: the plain-text part of an email, with html-to-text, written for reading: a link becomes
 * its label and a colon, then its URL on a line of its own (so no URL is broken or runs into the
 * words around it, and the other lines stay ≤ 78 characters); an image becomes its alt text;
 * placeholders stay intact, data tables written in a tip stay tables.
 *
 * A template's text is converted once, with its build-time tokens in place. A tip's own text is
 * made from its Markdown (markdownText below), or, for constructs that does not cover, from the
 * HTML of its body alone, never from the whole email; it then goes where `%%body%%` stands
 * (compile.ts).
 */

import type { FormatCallback } from "html-to-text";
import { compile } from "html-to-text";
import type { Token, Tokens } from "marked";
import { classifyHref } from "./links.js";

interface Node {
  type?: string;
  data?: string;
  attribs?: Record<string, string>;
  children?: Node[];
}

const textOf = (node: Node): string =>
  node.type === "text" ? (node.data ?? "") : (node.children ?? []).map(textOf).join("");

/** A link: `label:`, then the URL alone on its line; a mailto: `label (address)` inline. */
const readableLink: FormatCallback = (elem, walk, builder) => {
  const node = elem as Node;
  const href = node.attribs?.href?.trim() ?? "";
  const label = words(textOf(node)).join(" ");
  if (href === "") {
    walk(elem.children, builder);
    return;
  }
  if (href.startsWith("mailto:")) {
    const address = href.slice("mailto:".length);
    walk(elem.children, builder);
    if (words(label).join("") !== address)
      builder.addInline(` (${address})`, { noWordTransform: true });
    return;
  }
  if (label !== "" && words(label).join("") !== href) builder.addInline(`${label}:`);
  builder.addLineBreak();
  builder.addInline(href, { noWordTransform: true });
  builder.addLineBreak();
};

/** An image: its alt text, so a reader of the text part knows what it shows. */
const imageAlt: FormatCallback = (elem, _walk, builder) => {
  const alt = (elem as Node).attribs?.alt?.trim();
  if (alt) builder.addInline(`[Image: ${alt}]`);
};

const TEXT_OPTIONS = {
  wordwrap: 78,
  formatters: { readableLink, imageAlt },
  selectors: [
    { selector: "a", format: "readableLink" },
    { selector: "img", format: "imageAlt" },
    // The hidden preheader is the inbox preview, not part of the text; the confirm link's
    // copy-me fallback is for HTML clients only (the text part has the link once already).
    { selector: "div.preheader", format: "skip" },
    { selector: "p.html-only", format: "skip" },
    { selector: "h1", options: { uppercase: false } },
    { selector: "h2", options: { uppercase: false } },
    { selector: "h3", options: { uppercase: false } },
    { selector: "h4", options: { uppercase: false } },
    // Tables written in a tip body are data; the layout tables around them are not.
    { selector: "table.data-table", format: "dataTable", options: { uppercaseHeaderCells: false } },
  ],
};

/** Compiled once: html-to-text's `convert` would rebuild its selectors on every call. */
const convert = compile(TEXT_OPTIONS);

/** The plain-text part: links as `label:` and the URL on its own line, placeholders intact. */
export function htmlToText(html: string): string {
  return tidy(`${convert(html).trim()}\n`);
}

/**
 * Punctuation that continues a sentence, or a separator between two links (`·`, `|`), at the
 * start of a line.
 */
const CONTINUING = /^([ \t]*)[.,;:!?)\]}…·|]+[ \t]*/;

/**
 * A line that is only a link's URL, or a placeholder and what follows it (`{{site_url}}/privacy`):
 * a code block's one word is neither.
 */
const URL_LINE = /^[ \t]*(?:[a-z][a-z0-9+.-]*:\S+|\{\{\s*\w+\s*\}\}\S*)$/i;

/**
 * A link's URL stands on its own line, so the punctuation after the link would start the next
 * line (". Once you have confirmed…"): after a line that is only a URL or a placeholder, that
 * punctuation is dropped, and a line of nothing else goes with it. No line of a text part starts
 * with such punctuation (compiler/shipped.ts checks it). In a list item both lines are indented;
 * the indent stays.
 */
function tidy(text: string): string {
  const lines = text.split("\n");
  const out: string[] = [];
  for (const line of lines) {
    const previous = out.at(-1);
    if (previous !== undefined && URL_LINE.test(previous) && CONTINUING.test(line)) {
      const rest = line.replace(CONTINUING, "$1");
      if (rest.trim() !== "") out.push(rest);
      continue;
    }
    out.push(line);
  }
  return out.join("\n");
}

/** A forced line break in inline text (a link's URL stands on its own line). */
const BREAK = "\u0001";

const WIDTH = TEXT_OPTIONS.wordwrap;

/** Words of inline text, as html-to-text splits them (HTML whitespace only; not NBSP). */
const words = (text: string) => text.split(/[ \t\r\n\f\u200b]+/).filter((w) => w !== "");

/** Greedy word wrap, exactly as html-to-text's InlineTextBuilder does it (long words kept whole). */
function wrap(text: string, width: number): string[] {
  return text.split(BREAK).flatMap((segment) => wrapWords(segment, width));
}

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line: string[] = [];
  let available = width;
  for (const word of words(text)) {
    if (available <= 0) {
      lines.push(line.join(" "));
      line = [];
      available = width;
    }
    const cost = word.length + (line.length === 0 ? 0 : 1);
    if (cost <= available || line.length === 0) {
      line.push(word);
      available -= cost;
    } else {
      lines.push(line.join(" "));
      line = [word];
      available = width - word.length;
    }
  }
  if (line.length > 0) lines.push(line.join(" "));
  return lines;
}

class Unsupported extends Error {}

/** A character reference (`&amp;`, `&#39;`), which html-to-text would decode. */
const ENTITY = /&(#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i;

/** Inline tokens → text as html-to-text writes their HTML: links as `label [url]`. */
function inline(tokens: readonly Token[]): string {
  let out = "";
  for (const t of tokens) {
    switch (t.type) {
      case "text":
      case "escape":
      case "codespan": {
        const nested = (t as Tokens.Text).tokens;
        if (t.type === "text" && nested) {
          out += inline(nested);
          break;
        }
        // An entity (&amp;) would be decoded by html-to-text: leave such text to it.
        if (ENTITY.test(t.text)) throw new Unsupported();
        out += t.text;
        break;
      }
      case "strong":
      case "em":
      case "del":
        out += inline((t as Tokens.Strong).tokens);
        break;
      case "image": {
        // As imageAlt above: the alt text in brackets (an image without alt text is dropped).
        const alt = (t as Tokens.Image).text.trim();
        if (ENTITY.test(alt)) throw new Unsupported();
        // Another site's image is only its words in the HTML (the check refuses it anyway).
        if (classifyHref((t as Tokens.Image).href) !== "relative") throw new Unsupported();
        if (alt !== "") out += `[Image: ${alt}]`;
        break;
      }
      case "link": {
        const link = t as Tokens.Link;
        const label = inline(link.tokens);
        if (classifyHref(link.href) !== "external") {
          out += label; // rendered as its label (render.ts)
          break;
        }
        const raw = link.href.trim();
        if (raw.includes("&")) throw new Unsupported();
        const spoken = words(label).join("");
        if (raw.startsWith("mailto:")) {
          const address = raw.slice("mailto:".length);
          out += spoken === address ? label : `${label} (${address})`;
        } else {
          const lead = spoken === "" || spoken === raw ? "" : `${label}:`;
          out += `${lead}${BREAK}${raw}${BREAK}`;
        }
        break;
      }
      default:
        throw new Unsupported();
    }
  }
  return out;
}

/**
 * The text part of a tip's body straight from its Markdown tokens, for the constructs tips are
 * made of (paragraphs, headings, flat tight lists, emphasis, code spans, links): the same text
 * html-to-text makes from the rendered HTML, at a fraction of the cost. Anything else (tables,
 * quotes, code blocks, images, nested or loose lists, entities) gives undefined, and the caller
 * converts the body's HTML instead. test/content/text.test.ts holds the two paths equal.
 */
export function markdownText(tokens: readonly Token[]): string | undefined {
  try {
    const blocks: { text: string; leading: number; trailing: number }[] = [];
    for (const t of tokens) {
      if (t.type === "space") continue;
      if (t.type === "paragraph") {
        const text = wrap(inline((t as Tokens.Paragraph).tokens), WIDTH).join("\n");
        if (text !== "") blocks.push({ text, leading: 2, trailing: 2 });
      } else if (t.type === "heading") {
        const text = wrap(inline((t as Tokens.Heading).tokens), WIDTH).join("\n");
        if (text !== "") blocks.push({ text, leading: 3, trailing: 2 });
      } else if (t.type === "list") {
        const list = t as Tokens.List;
        if (list.loose || list.items.length === 0) throw new Unsupported();
        const start = list.ordered ? Number(list.start || 1) : 1;
        const prefixes = list.items.map((_, i) => (list.ordered ? ` ${start + i}. ` : " * "));
        const width = Math.max(...prefixes.map((p) => p.length));
        const items = list.items.map((item, i) => {
          if (item.task || item.tokens.some((x) => x.type !== "text")) throw new Unsupported();
          const lines = wrap(inline(item.tokens), Math.max(20, WIDTH - width));
          return `${(prefixes[i] as string).padEnd(width)}${lines.join(`\n${" ".repeat(width)}`)}`;
        });
        blocks.push({ text: items.join("\n"), leading: 2, trailing: 2 });
      } else {
        throw new Unsupported();
      }
    }
    let out = "";
    let trailing = 0;
    for (const block of blocks) {
      if (out !== "") out += "\n".repeat(Math.max(trailing, block.leading));
      out += block.text;
      trailing = block.trailing;
    }
    return tidy(`${out}\n`);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}
