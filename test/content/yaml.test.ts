/**
 * YAML errors in the editors' files are said in plain words, with the line and a fix: each broken
 * form below is checked through the real compiler (a tip's front matter) and the brand file's
 * reader, and no message carries the parser's own wording.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkBrand } from "../../compiler/brand.js";
import { checkContent } from "../../compiler/check.js";
import { DEFAULT_EMAILS_DIR } from "../../compiler/paths.js";

const dir = mkdtempSync(path.join(tmpdir(), "yaml-words-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the parser itself would have said: none of it may reach an editor. */
const PARSER_WORDS =
  /compact mapping|implicit key|flow-seq|flow sequence|YAMLException|at line \d+, column|block collection|reserved character|map-value-ind|scalar token/i;

const FRONT = ["title: A tip", "slug: tip", "order: 1", "summary: One line.", "tags: [basics]"];

const cases: {
  name: string;
  replace: [string, string];
  line: number;
  message: RegExp;
  fix?: RegExp;
}[] = [
  {
    name: "a colon inside a value",
    replace: ["summary: One line.", "summary: Squats: the basics"],
    line: 5,
    message: /contains ": "/,
  },
  {
    name: "a field written twice",
    replace: ["order: 1", "order: 1\norder: 2"],
    line: 5,
    message: /the field "order" is written twice/,
  },
  {
    name: "an unclosed quote",
    replace: ["title: A tip", 'title: "A tip'],
    line: 2,
    message: /quoted value is not closed/,
  },
  {
    name: "an unclosed list",
    replace: ["tags: [basics]", "tags: [basics, legs"],
    line: 6,
    message: /list in \[square brackets\] is not closed/,
  },
  {
    name: "a tab for indentation",
    replace: ["slug: tip", "\tslug: tip"],
    line: 3,
    message: /indented with a tab/,
  },
  {
    name: "curly quotes around a value with a colon (the fix names them)",
    replace: ["title: A tip", "title: “Single-leg deadlifts: for balance”"],
    line: 2,
    message: /contains ": "/,
    fix: /curly .*straight/,
  },
  {
    name: "a value starting with @",
    replace: ["title: A tip", "title: @home squats"],
    line: 2,
    message: /starts with "@"/,
  },
];

describe("a tip's front matter with broken YAML", () => {
  it.each(cases)("$name: plain words, the line, a fix", async ({ replace, line, message, fix }) => {
    const tips = mkdtempSync(path.join(dir, "tips-"));
    const front = FRONT.join("\n").replace(replace[0], replace[1]);
    writeFileSync(path.join(tips, "tip.md"), `---\n${front}\n---\n\nA body.\n`);
    const { problems, bundle } = await checkContent({
      tipsDir: tips,
      emailsDir: DEFAULT_EMAILS_DIR,
    });
    expect(bundle).toBeUndefined();
    const found = problems.find((p) => message.test(p.message));
    expect(found, JSON.stringify(problems, null, 2)).toBeDefined();
    expect(found?.line).toBe(line);
    expect(found?.message).toMatch(/^invalid YAML in the front matter: /);
    expect(found?.fix.length).toBeGreaterThan(20);
    if (fix) expect(found?.fix).toMatch(fix);
    for (const p of problems) expect(`${p.message} ${p.fix}`).not.toMatch(PARSER_WORDS);
  });
});

describe("the brand file with broken YAML", () => {
  it("says what is wrong on which line, in plain words", () => {
    const file = path.join(dir, "newsletter.yml");
    writeFileSync(file, "name: Weekly Notes\ntagline: Notes: for everyone\nsender: Notes\n");
    const { brand, problems } = checkBrand(file);
    expect(brand).toBeUndefined();
    expect(problems).toEqual([
      expect.objectContaining({ file, line: 2, message: expect.stringMatching(/contains ": "/) }),
    ]);
    for (const p of problems) expect(`${p.message} ${p.fix}`).not.toMatch(PARSER_WORDS);
  });
});
