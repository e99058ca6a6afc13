import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { BODY_MAX_CHARS } from "../../compiler/body.js";
import { checkContent } from "../../compiler/check.js";
import { lex } from "../../compiler/links.js";
import { formatProblem } from "../../compiler/problems.js";
import { readingTime } from "../../compiler/quality.js";
import { main as checkMain } from "../../scripts/check.js";
import { runMain } from "../support/cli.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = path.join(ROOT, "test/fixtures/tips");
const EMAILS = path.join(ROOT, "emails");

const check = (fixture: string) =>
  checkContent({ tipsDir: path.join(FIXTURES, fixture), emailsDir: EMAILS });

interface Row {
  fixture: string;
  /** File (inside the fixture dir) the problem must name. */
  file: string;
  message: string;
  line?: number;
}

// One fixture directory per failure case, each holding only the files the case needs.
const rows: Row[] = [
  { fixture: "invalid-yaml", file: "invalid-yaml.md", message: "invalid YAML", line: 5 },
  {
    fixture: "no-front-matter",
    file: "no-front-matter.md",
    message: "missing front matter",
    line: 1,
  },
  {
    fixture: "unclosed-front-matter",
    file: "unclosed-front-matter.md",
    message: "not closed",
    line: 1,
  },
  {
    fixture: "js-front-matter",
    file: "js-front-matter.md",
    message: "JavaScript front matter is not allowed",
    line: 1,
  },
  {
    fixture: "missing-field",
    file: "missing-field.md",
    message: 'missing required field "summary"',
  },
  {
    fixture: "unknown-field",
    file: "unknown-field.md",
    message: 'unknown field "colour"',
    line: 7,
  },
  {
    fixture: "wrong-type",
    file: "wrong-type.md",
    message: 'field "order" must be a number',
    line: 4,
  },
  {
    fixture: "bad-tags",
    file: "bad-tags.md",
    message: 'field "tags, item 1" must be kebab-case',
    line: 6,
  },
  {
    fixture: "summary-too-long",
    file: "summary-too-long.md",
    message: "at most 150 characters",
    line: 5,
  },
  {
    fixture: "duplicate-slug",
    file: "b.md",
    message: 'duplicate slug "a": also used by a.md',
    line: 3,
  },
  {
    fixture: "duplicate-slug",
    file: "a.md",
    message: 'duplicate slug "a": also used by b.md',
    line: 3,
  },
  {
    fixture: "duplicate-order",
    file: "second.md",
    message: "duplicate order 5: also used by first.md",
    line: 4,
  },
  {
    fixture: "duplicate-order",
    file: "first.md",
    message: "duplicate order 5: also used by second.md",
    line: 4,
  },
  {
    fixture: "slug-mismatch",
    file: "slug-mismatch.md",
    message: 'does not match the file name "slug-mismatch.md"',
    line: 3,
  },
  { fixture: "empty-body", file: "empty-body.md", message: "empty body", line: 8 },
  { fixture: "long-body", file: "long-body.md", message: `(limit ${BODY_MAX_CHARS})` },
  {
    fixture: "broken-link",
    file: "broken-link.md",
    message: 'broken link "./missing-tip.md"',
    line: 11,
  },
  {
    fixture: "unsupported-link",
    file: "unsupported-link.md",
    message: 'unsupported link "javascript:alert(1)"',
    line: 9,
  },
  { fixture: "image-no-alt", file: "image-no-alt.md", message: "image without alt text", line: 11 },
  {
    fixture: "image-no-alt",
    file: "image-no-alt.md",
    message: 'image "https://example.com/squat.png" is not a file of the repository',
    line: 11,
  },
  {
    fixture: "alt-file-name",
    file: "alt-file-name.md",
    message: 'image alt text "IMG_1234.jpg" says nothing about the image',
    line: 11,
  },
  {
    fixture: "relative-image",
    file: "relative-image.md",
    message: 'image not found: "images/squat.png"',
    line: 11,
  },
  { fixture: "script-tag", file: "script-tag.md", message: "<script> in the body", line: 11 },
  { fixture: "raw-html", file: "raw-html.md", message: "raw HTML in the body: <b>", line: 9 },
  {
    fixture: "placeholder-in-body",
    file: "placeholder-in-body.md",
    message: 'placeholder syntax "{{first_name}}"',
    line: 11,
  },
  { fixture: "html-too-big", file: "html-too-big.md", message: "KB of HTML (limit 40 KB" },
  {
    fixture: "placeholder-todo",
    file: "placeholder-todo.md",
    message: 'placeholder "TODO" left in the tip',
    line: 11,
  },
  {
    fixture: "placeholder-summary",
    file: "placeholder-summary.md",
    message: 'placeholder "TODO" left in the tip',
    line: 5,
  },
  {
    fixture: "lorem-ipsum",
    file: "lorem-ipsum.md",
    message: 'filler text "Lorem ipsum" left in the tip',
    line: 11,
  },
  {
    fixture: "malformed-url",
    file: "malformed-url.md",
    message: 'malformed URL "https://example"',
    line: 11,
  },
  {
    fixture: "malformed-mailto",
    file: "malformed-mailto.md",
    message: 'malformed URL "mailto:coach"',
    line: 11,
  },
];

describe("checkContent rejects each broken fixture", () => {
  it.each(rows)("$fixture → $message", async ({ fixture, file, message, line }) => {
    const { problems, bundle } = await check(fixture);
    expect(bundle).toBeUndefined();
    const expectedFile = path.join(FIXTURES, fixture, file);
    const match = problems.find((p) => p.file === expectedFile && p.message.includes(message));
    expect(match, JSON.stringify(problems, null, 2)).toBeDefined();
    expect(match?.fix.length).toBeGreaterThan(10);
    if (line !== undefined) expect(match?.line).toBe(line);
    // Every problem points into this fixture (the templates are the real, valid ones).
    for (const p of problems) expect(p.file.startsWith(path.join(FIXTURES, fixture))).toBe(true);
  });

  it("the fixture for an over-long body is really over the limit", () => {
    const source = readFileSync(path.join(FIXTURES, "long-body/long-body.md"), "utf8");
    expect(source.length).toBeGreaterThan(BODY_MAX_CHARS);
  });

  it("the over-size-HTML fixture is within the Markdown limit, so only the HTML check catches it", async () => {
    const source = readFileSync(path.join(FIXTURES, "html-too-big/html-too-big.md"), "utf8");
    expect(source.length).toBeLessThan(BODY_MAX_CHARS);
    const { problems } = await check("html-too-big");
    expect(problems).toHaveLength(1);
  });
});

interface WarningRow {
  fixture: string;
  message: string;
  line?: number;
}

// One fixture per warning: each tip is otherwise valid, builds, and gets exactly that warning.
const warningRows: WarningRow[] = [
  { fixture: "warn-subject-too-long", message: "subject is 82 characters", line: 2 },
  {
    fixture: "warn-generic-link",
    message: 'link text "here" does not say where it goes',
    line: 11,
  },
  { fixture: "warn-bare-url-link", message: "the link text is a bare URL", line: 11 },
  { fixture: "warn-http-link", message: 'link "http://example.com/squats" is not https', line: 11 },
  { fixture: "warn-heading-skip", message: "heading level skips from ## to ####", line: 15 },
  { fixture: "warn-h1-in-body", message: "a # heading in the body", line: 11 },
  {
    fixture: "warn-code-block",
    message: "email clients: border-radius in the tip is not supported by outlook.windows",
  },
];

describe("checkContent warns, without failing, on each fixture", () => {
  it.each(warningRows)("$fixture → $message", async ({ fixture, message, line }) => {
    const { problems, warnings, bundle } = await check(fixture);
    expect(problems).toEqual([]);
    expect(bundle?.tips).toHaveLength(1);
    const file = path.join(FIXTURES, fixture, `${fixture}.md`);
    const mine = warnings.filter((w) => w.file === file);
    expect(
      mine.some((w) => w.message.includes(message)),
      JSON.stringify(mine, null, 2),
    ).toBe(true);
    const match = mine.find((w) => w.message.includes(message));
    expect(match?.fix.length).toBeGreaterThan(10);
    if (line !== undefined) expect(match?.line).toBe(line);
  });

  it("a clean tip has no warnings of its own", async () => {
    const { warnings } = await check("valid-links");
    expect(warnings.filter((w) => w.file.endsWith(".md"))).toEqual([]);
  });

  it("the templates get email-client notes from the caniemail data", async () => {
    const { warnings } = await check("valid-links");
    const tip = warnings.filter((w) => w.file === path.join(EMAILS, "tip.mjml"));
    expect(tip.map((w) => w.message)).toContainEqual(
      expect.stringMatching(
        /^email clients: @media in the template is not supported by .*outlook\.windows/,
      ),
    );
  });
});

describe("reading time", () => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ");
  it.each([
    [0, 0],
    [40, 1],
    [230, 1],
    [460, 2],
    [1150, 5],
  ])("%i words → %i min", (n, minutes) => {
    expect(readingTime(lex(n === 0 ? "" : words(n)))).toEqual({ words: n, minutes });
  });

  it("counts link labels and list items, not URLs or Markdown syntax", () => {
    const body = "## Two words\n\n- one [two three](https://example.com/a-b-c)\n- **four**\n";
    expect(readingTime(lex(body)).words).toBe(6);
  });
});

describe("JavaScript front matter", () => {
  const marker = path.join(tmpdir(), "front-matter-was-evaluated");
  afterAll(() => rmSync(marker, { force: true }));

  it("is reported and never evaluated", async () => {
    rmSync(marker, { force: true });
    const g = globalThis as { __FRONT_MATTER_EVALUATED__?: unknown };
    const { problems } = await check("js-front-matter");
    expect(problems.map((p) => p.message).join("\n")).toContain("it was not evaluated");
    expect(g.__FRONT_MATTER_EVALUATED__).toBeUndefined();
    expect(existsSync(marker)).toBe(false);
  });

  it("is blocked even after gray-matter cached the same content from a call without options", async () => {
    const { default: matter } = await import("gray-matter");
    // gray-matter.d.ts does not declare its (real) content-keyed cache.
    const cache = (matter as unknown as { cache: Record<string, unknown> }).cache;
    const source = readFileSync(path.join(FIXTURES, "js-front-matter/js-front-matter.md"), "utf8");
    // Prime the cache with a harmless result for the very same string.
    cache[source] = { data: { title: "cached" }, content: "x" };
    try {
      const { problems } = await check("js-front-matter");
      expect(problems.some((p) => p.message.includes("JavaScript front matter"))).toBe(true);
    } finally {
      delete cache[source];
    }
  });
});

describe("checkContent reports everything at once", () => {
  it("collects every problem across a directory of broken files", async () => {
    const { problems } = await check("multiple");
    const dir = path.join(FIXTURES, "multiple");
    const expected: [string, string][] = [
      ["invalid-yaml.md", "invalid YAML"],
      ["unknown-field.md", 'unknown field "colour"'],
      ["broken-link.md", "broken link"],
      ["script-tag.md", "<script> in the body"],
      ["good.md", "duplicate order 2: also used by clash.md"],
      ["clash.md", "duplicate order 2: also used by good.md"],
      // A field of the wrong type does not hide the slug's mismatch.
      ["typed-wrong.md", 'field "order"'],
      ["typed-wrong.md", 'slug "not-this-name" does not match the file name "typed-wrong.md"'],
    ];
    for (const [file, message] of expected) {
      expect(
        problems.some((p) => p.file === path.join(dir, file) && p.message.includes(message)),
        `${file}: ${message}`,
      ).toBe(true);
    }
  });

  it("accepts valid relative tip links, http(s) and mailto links", async () => {
    const { problems, bundle } = await check("valid-links");
    expect(problems).toEqual([]);
    const linking = bundle?.tips.find((t) => t.slug === "linking");
    // Relative tip links become their label text; absolute links stay links.
    expect(linking?.html).toContain("See the target and also,");
    expect(linking?.html).not.toContain("target.md");
    expect(linking?.html).toContain('href="https://example.com"');
    expect(linking?.html).toContain('href="mailto:coach@example.com"');
  });
});

describe("the real content", () => {
  it("passes with zero problems", async () => {
    const result = await checkContent({
      tipsDir: path.join(ROOT, "content/tips"),
      emailsDir: EMAILS,
    });
    expect(result.problems.map((p) => formatProblem(p))).toEqual([]);
    expect(result.tips.length).toBeGreaterThanOrEqual(12);
    expect(result.bundle?.tips.map((t) => t.order)).toEqual(
      [...result.tips.map((t) => t.order)].sort((a, b) => a - b),
    );
  });
});

describe("the check CLI", () => {
  // Nothing listens on port 9 (discard) on loopback: the runway report must say it skipped.
  const NO_TABLE = "http://127.0.0.1:9";
  const run = (...args: string[]) => runMain(checkMain, args, { DYNAMODB_ENDPOINT: NO_TABLE });

  it("exits 1 and prints path:line, message and fix for every problem", async () => {
    const result = await run("--tips", "test/fixtures/tips/multiple");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("test/fixtures/tips/multiple/invalid-yaml.md:5: invalid YAML");
    expect(result.stderr).toContain(
      "test/fixtures/tips/multiple/unknown-field.md:7: unknown field",
    );
    expect(result.stderr).toMatch(/script-tag\.md:11: <script> in the body.*\n {2}fix: /);
    expect(result.stderr).toMatch(/10 problems found\./);
  });

  it("reports an invalid template passed with --emails", async () => {
    const result = await run(
      "--tips",
      "test/fixtures/tips/valid-links",
      "--emails",
      "test/fixtures/emails/invalid-mjml",
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("test/fixtures/emails/invalid-mjml/tip.mjml:4: MJML:");
  });

  it("exits 0 with a summary, each tip's reading time, and a runway warning on clean content", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "check-clean-"));
    try {
      writeFileSync(
        path.join(dir, "only-tip.md"),
        "---\ntitle: Only tip\nslug: only-tip\norder: 1\nsummary: The only tip.\ntags: [basics]\n---\n\nHello runners.\n",
      );
      const result = await run("--tips", dir);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const lines = result.stdout.trim().split("\n");
      expect(lines[0]).toMatch(/^✓ 1 tip and 6 email templates OK/);
      expect(lines[1]).toBe("  #1   only-tip  1 min read");
      expect(lines[2]).toMatch(
        /^email clients: .*tip \d+, confirm \d+, welcome \d+, already \d+, goodbye \d+/,
      );
      expect(lines.at(-1)).toBe(
        `⚠ runway: the local table is not reachable at ${NO_TABLE} (start it with \`npm start\`); skipped`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lists warnings with path:line and a fix, and still exits 0", async () => {
    const result = await run("--tips", "test/fixtures/tips/warn-subject-too-long");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /warn-subject-too-long\.md:2: subject is \d+ characters .*\n {2}fix: shorten the title/,
    );
  });
});

describe("a tip's encoding and line endings, as editors' tools save them", () => {
  const TIP =
    "---\ntitle: Only tip\nslug: only-tip\norder: 1\nsummary: The only tip.\ntags: [basics]\n" +
    'expert: "Coach Ana"\n---\n\nGo slowly, café style: don’t rush.\n';
  const checkBytes = async (bytes: Uint8Array) => {
    const dir = mkdtempSync(path.join(tmpdir(), "check-encoding-"));
    try {
      writeFileSync(path.join(dir, "only-tip.md"), bytes);
      return await checkContent({ tipsDir: dir, emailsDir: EMAILS });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const problems = (result: Awaited<ReturnType<typeof checkContent>>) =>
    result.problems.map((p) => ({ line: p.line, message: p.message, fix: p.fix }));

  it("Windows-1252 (é as 0xE9, ’ as 0x92) is refused on the line it starts, asking for UTF-8", async () => {
    const latin = Buffer.from(TIP.replace("é", "\u0000").replace("’", "\u0001"), "latin1").map(
      (b) => (b === 0 ? 0xe9 : b === 1 ? 0x92 : b),
    );
    const result = await checkBytes(latin);
    expect(problems(result)).toEqual([
      {
        line: 10,
        message: expect.stringMatching(/not UTF-8/),
        fix: expect.stringMatching(/UTF-8/),
      },
    ]);
    expect(result.bundle).toBeUndefined();
  });

  it("UTF-16 (Notepad's 'Unicode') is refused as such, not as a file without front matter", async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TIP, "utf16le")]);
    expect(problems(await checkBytes(utf16))).toEqual([
      { line: 1, message: "the file is saved as UTF-16, not UTF-8", fix: expect.any(String) },
    ]);
  });

  it("Windows line endings (CRLF) make the same email as Unix ones", async () => {
    const unix = await checkBytes(Buffer.from(TIP));
    const windows = await checkBytes(Buffer.from(TIP.replaceAll("\n", "\r\n")));
    expect(problems(windows)).toEqual([]);
    const email = (r: typeof unix) => {
      const tip = r.bundle?.tips[0];
      return tip && { subject: tip.subject, html: tip.html, text: tip.text };
    };
    expect(email(windows)).toEqual(email(unix));
    expect(email(windows)?.text).toContain("café style: don’t rush");
  });
});

describe("files in the tips directory that are not tips", () => {
  it("a folder, a .markdown, an upper-case .MD and a .md.txt are each a warning; hidden files are not", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "check-strays-"));
    try {
      const tip =
        "---\ntitle: Only tip\nslug: only-tip\norder: 1\nsummary: The only tip.\ntags: [basics]\n---\n\nHello runners.\n";
      writeFileSync(path.join(dir, "only-tip.md"), tip);
      for (const name of ["x.markdown", "y.MD", "z.md.txt", ".DS_Store", ".gitkeep"]) {
        writeFileSync(path.join(dir, name), tip);
      }
      mkdirSync(path.join(dir, "drafts"));
      const result = await checkContent({ tipsDir: dir, emailsDir: EMAILS });
      expect(result.problems).toEqual([]);
      expect(result.bundle?.tips.map((t) => t.slug)).toEqual(["only-tip"]);
      const strays = result.warnings.filter((w) => /not in the series/.test(w.message));
      expect(strays.map((w) => path.basename(w.file))).toEqual([
        "drafts",
        "x.markdown",
        "y.MD",
        "z.md.txt",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a table in a tip, on a phone", () => {
  const tipWith = (table: string) =>
    `---\ntitle: Only tip\nslug: only-tip\norder: 1\nsummary: The only tip.\ntags: [basics]\n---\n\nThe plan:\n\n${table}\n`;
  const warningsFor = async (table: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), "check-table-"));
    try {
      writeFileSync(path.join(dir, "only-tip.md"), tipWith(table));
      const result = await checkContent({ tipsDir: dir, emailsDir: EMAILS });
      expect(result.problems).toEqual([]);
      return result.warnings.filter((w) => /too wide for a phone/.test(w.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it("eight columns warn, on the table's line", async () => {
    const wide = [
      "| Day | Session | Sets | Reps | Load | Rest | Tempo | Notes |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      "| Monday | Squats | 3 | 8 | Moderate | 90s | Slow | Heels down |",
    ].join("\n");
    const warned = await warningsFor(wide);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ line: 11, message: expect.stringMatching(/8 columns/) });
  });

  it("a three-column week, as the weekly plan lays out, does not", async () => {
    const week = [
      "| Day | Running | Strength |",
      "| --- | --- | --- |",
      "| Monday | Rest | Session A: hops, heavy squats |",
      "| Tuesday | Easy run | None: a full day before the intervals |",
      "| Wednesday | Intervals (hardest run) | None |",
      "| Friday | Easy run | Session B, a few hours after the run |",
      "| Saturday | Rest | None: legs fresh for the long run |",
    ].join("\n");
    expect(await warningsFor(week)).toEqual([]);
  });
});

describe("front-matter values an editor got wrong, said in their words", () => {
  it.each([
    ["order: 1.5", 'field "order" must be a whole number, not 1.5'],
    ["tags: [basics, 4]", 'field "tags, item 2" must be text, not 4'],
    ["publishedAt: 2026-13-45", 'field "publishedAt" must be a date written as YYYY-MM-DD'],
    [`title: "${"x".repeat(120)}"`, 'field "title" must be at most 100 characters (it has 120)'],
  ])("%s", async (line, message) => {
    const dir = mkdtempSync(path.join(tmpdir(), "check-values-"));
    try {
      const field = line.split(":")[0] as string;
      const front = ["title: A tip", "slug: a", "order: 1", "summary: One line.", "tags: [basics]"]
        .filter((l) => !l.startsWith(`${field}:`))
        .concat(line);
      writeFileSync(path.join(dir, "a.md"), `---\n${front.join("\n")}\n---\n\nA body.\n`);
      const result = await checkContent({ tipsDir: dir, emailsDir: EMAILS });
      expect(result.problems.map((p) => p.message)).toEqual([expect.stringContaining(message)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a link written with an HTML character reference", () => {
  it.each(["javascript&#58;alert(1)", "https&#58;//example.com/"])(
    "%s is refused as such",
    async (href) => {
      const dir = mkdtempSync(path.join(tmpdir(), "check-entity-"));
      try {
        writeFileSync(
          path.join(dir, "a.md"),
          `---\ntitle: A tip\nslug: a\norder: 1\nsummary: One line.\ntags: [basics]\n---\n\nRead [the guide](${href}) today.\n`,
        );
        const result = await checkContent({ tipsDir: dir, emailsDir: EMAILS });
        expect(result.problems.map((p) => [p.line, p.message])).toEqual([
          [9, `link "${href}" is written with an HTML character reference (such as &#58;)`],
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
