/**
 * Text: the plain-text part of an email, with html-to-text. Links become `text [url]`,
 * placeholders stay intact, data tables written in a tip stay tables.
 *
 * A template's text is converted once, with its build-time tokens in place; a tip's own text is
 * converted from the HTML of its Markdown body alone (a few hundred bytes), not from the whole
 * email, and then put where `%%body%%` stands (compile.ts).
 */
import { compile } from "html-to-text";

const TEXT_OPTIONS = {
  wordwrap: 78,
  selectors: [
    {
      selector: "a",
      options: { linkBrackets: ["[", "]"] as [string, string], hideLinkHrefIfSameAsText: true },
    },
    { selector: "img", format: "skip" },
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

/** The plain-text part: links as `text [url]`, placeholders intact. */
export function htmlToText(html: string): string {
  return `${convert(html).trim()}\n`;
}
