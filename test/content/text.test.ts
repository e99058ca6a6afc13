/**
 * The text part of a tip comes from its Markdown tokens (markdownText) when it can, and from its
 * rendered HTML through html-to-text otherwise. Both paths must give the same text: checked here
 * on each construct, on every shipped tip and on the benchmark's synthetic tips.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { listTipFiles } from "../../compiler/check.js";
import { checkImages } from "../../compiler/images.js";
import { lex } from "../../compiler/links.js";
import { splitSource } from "../../compiler/parse.js";
import { type RenderOptions, renderMarkdown } from "../../compiler/render.js";
import { htmlToText, markdownText } from "../../compiler/text.js";
import { syntheticTip } from "../../scripts/bench-content.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// html-to-text trims the whole result, so a list's leading space is dropped when the list comes
// first; markdownText keeps it, as the whole email's conversion did. The rest must be equal.
const viaHtml = (markdown: string, options?: RenderOptions) =>
  htmlToText(renderMarkdown(markdown, undefined, options)).trimStart();
const fast = (markdown: string) => markdownText(lex(markdown))?.trimStart();
const long = (n: number) => Array.from({ length: n }, (_, i) => `word${i % 10}`).join(" ");

// [construct, Markdown, fast path expected]
const cases: [string, string, boolean][] = [
  ["wrapped paragraph", long(40), true],
  ["a line of exactly 78 characters", `${"x".repeat(72)} abcde\nnext`, true],
  ["a word longer than a line", `short ${"y".repeat(90)} after`, true],
  ["heading after a paragraph", "Intro.\n\n## A heading\n\nBody.", true],
  ["heading first", "## First\n\nBody.", true],
  ["emphasis, strong, code, strike", "Do **two sets** of *slow* `squats`, ~~fast~~ ones.", true],
  ["link with a label", "Read [the guide](https://example.com/guide) today.", true],
  ["autolink", "See https://example.com/x for more.", true],
  ["link whose label is its URL", "[https://example.com](https://example.com)", true],
  ["mailto link", "Write to [the coach](mailto:coach@example.com).", true],
  ["link to another tip", "See [squats](./squats.md) first.", true],
  ["bold label glued to punctuation", "**This week:** do it.", true],
  ["unordered list", `- one\n- ${long(30)}\n- three`, true],
  [
    "ordered list of twelve",
    Array.from({ length: 12 }, (_, i) => `${i + 1}. item ${long(14)}`).join("\n"),
    true,
  ],
  ["ordered list from 3", "3. three\n4. four", true],
  ["soft line breaks", "one\ntwo\nthree", true],
  ["an entity", "Salt &amp; pepper", false],
  ["a quote", "> Quoted.", false],
  ["a table", "| a | b |\n| - | - |\n| 1 | 2 |", false],
  ["a code block", "```\ncode\n```", false],
  ["a nested list", "- one\n  - inner", false],
  ["a loose list", "- one\n\n- two", false],
  ["another site's image (refused by the check)", "![A runner](https://example.com/a.jpg)", false],
  ["a rule", "One.\n\n---\n\nTwo.", false],
];

describe("markdownText", () => {
  it("keeps a leading list's indent, as in the whole email", () => {
    expect(markdownText(lex("- one\n- two"))).toBe(" * one\n * two\n");
  });

  it.each([
    [
      "a URL",
      "Then [rest](https://example.com/r). Done.",
      "Then rest:\nhttps://example.com/r\nDone.\n",
    ],
    [
      "a code block's one word",
      "```\nsquats\n| 3 sets | 10 reps |\n```",
      "squats\n| 3 sets | 10 reps |\n",
    ],
    ["a word of a paragraph", "Squats\n\n: the rest.", "Squats\n\n: the rest.\n"],
  ])("drops the punctuation that starts a line only after %s", (_what, markdown, text) => {
    expect(viaHtml(markdown)).toBe(text);
  });

  it.each(cases)("%s", (_name, markdown, expectFast) => {
    const text = fast(markdown);
    if (!expectFast) {
      expect(text).toBeUndefined();
      return;
    }
    expect(text).toBeDefined();
    expect(text).toBe(viaHtml(markdown));
  });

  it("gives the same text as html-to-text for every shipped tip it covers, and covers most", () => {
    const tipsDir = path.join(ROOT, "content/tips");
    const files = listTipFiles(tipsDir);
    let covered = 0;
    for (const file of files) {
      const split = splitSource(file, readFileSync(file, "utf8"));
      if (!split.ok) throw new Error(file);
      const { body, bodyLine } = split.value;
      const text = fast(body);
      if (text === undefined) continue;
      covered++;
      // The tip's figures render as images, as they do in its email.
      const { images } = checkImages(file, body, bodyLine, lex(body), tipsDir);
      expect(text, file).toBe(viaHtml(body, { siteUrl: "https://tips.example.com", images }));
    }
    expect(covered).toBeGreaterThanOrEqual(files.length - 2);
  });

  it("covers the benchmark's synthetic tips, with the same text", () => {
    for (const i of [1, 2, 7, 99]) {
      const split = splitSource("x.md", syntheticTip(i).source);
      if (!split.ok) throw new Error("synthetic tip");
      expect(fast(split.value.body)).toBe(viaHtml(split.value.body));
    }
  });
});
