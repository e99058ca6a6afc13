/**
 * Checks on what ships, through the real compiler and CLIs: braces a tip sneaks into its email
 * however they are written (entities, Markdown escapes, emphasis, invisible characters), the same
 * in a system email's template, each deceptive link form, lines of a text part that start with
 * punctuation, the finished email of a long series, and the build's warning count against what
 * `npm run check` lists.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkContent } from "../../compiler/check.js";
import { DEFAULT_EMAILS_DIR } from "../../compiler/paths.js";
import { cutSentenceProblems, textLineProblems } from "../../compiler/shipped.js";
import { syntheticTip } from "../../scripts/bench-content.js";
import { main as buildMain } from "../../scripts/build.js";
import { main as checkMain } from "../../scripts/check.js";
import { runMain } from "../support/cli.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "shipped-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tips folder holding one tip with this body (line 9 of its file is the body's first). */
function oneTip(body: string, extra = ""): { tips: string; file: string } {
  const tips = mkdtempSync(path.join(dir, "tips-"));
  const file = path.join(tips, "tip.md");
  writeFileSync(
    file,
    `---\ntitle: A tip\nslug: tip\norder: 1\nsummary: One line.\ntags: [basics]\n${extra}---\n\n${body}\n`,
  );
  return { tips, file };
}

const check = (tips: string, emailsDir = DEFAULT_EMAILS_DIR) =>
  checkContent({ tipsDir: tips, emailsDir });

describe("braces a tip puts into its email", () => {
  const tricks: [string, string][] = [
    ["decimal entities", "Your link: &#123;&#123;confirm_url&#125;&#125; here."],
    ["hex entities", "Your link: &#x7B;&#x7b;view_url&#x7D;&#x7D; here."],
    ["named entities", "Hi &lbrace;&lbrace;first_name&rbrace;&rbrace; again."],
    ["Markdown escapes", "Your link: \\{\\{confirm_url\\}\\} here."],
    ["emphasis between the braces", "Hi {**{**first_name}**}** again."],
    ["a zero-width space between the braces", "Hi {&#8203;{first_name}&#8203;} again."],
  ];

  it.each(tricks)("%s: an error on the tip, with its line, and no bundle", async (_, body) => {
    const { tips, file } = oneTip(`A first paragraph.\n\n${body}`);
    const { problems, bundle, reports } = await check(tips);
    expect(bundle).toBeUndefined();
    const mine = problems.filter((p) => p.file === file);
    expect(mine.length, JSON.stringify(problems, null, 2)).toBeGreaterThan(0);
    expect(mine.some((p) => /\{\{|\}\}/.test(p.message))).toBe(true);
    expect(mine.some((p) => p.line === 11)).toBe(true);
    // The draft is still compiled, for the studio's preview.
    expect(reports[0]?.email).toBeDefined();
  });

  it("a tip without braces passes, with the template's own placeholders in its email", async () => {
    const { tips } = oneTip("Plain words { and } single braces are fine.");
    const { problems, bundle } = await check(tips);
    expect(problems).toEqual([]);
    expect(bundle?.tips[0]?.html).toContain("{{first_name}}");
  });

  it("fails the build and `npm run check` alike", async () => {
    const { tips } = oneTip("Your link: &#123;&#123;confirm_url&#125;&#125; here.");
    const out = mkdtempSync(path.join(dir, "out-"));
    const checked = await runMain(checkMain, ["--tips", tips]);
    const built = await runMain(buildMain, [
      "--tips",
      tips,
      "--out",
      path.join(out, "content.ts"),
      "--site-dir",
      out,
      "--skip-runway",
    ]);
    expect(checked.status).toBe(1);
    expect(built.status).toBe(1);
    expect(checked.stderr).toMatch(/tip\.md:9: .*\{\{/);
    expect(built.stderr).toMatch(/tip\.md:9: .*\{\{/);
  });
});

describe("braces a template shows to readers", () => {
  it("an entity-written placeholder in the confirmation email is an error on its template", async () => {
    const emails = mkdtempSync(path.join(dir, "emails-"));
    cpSync(DEFAULT_EMAILS_DIR, emails, { recursive: true });
    const confirm = path.join(emails, "confirm.mjml");
    writeFileSync(
      confirm,
      readFileSync(confirm, "utf8").replace(
        '<p style="margin:0 0 16px 0;">Hello,</p>',
        '<p style="margin:0 0 16px 0;">Hello, your link is &#123;&#123;confirm_url&#125;&#125;</p>',
      ),
    );
    const { problems, bundle } = await check(
      path.join(ROOT, "test/fixtures/tips/valid-links"),
      emails,
    );
    expect(bundle).toBeUndefined();
    expect(problems).toContainEqual(
      expect.objectContaining({ file: confirm, message: expect.stringMatching(/shows "\{\{"/) }),
    );
  });
});

describe("deceptive links", () => {
  const links: [string, string, RegExp][] = [
    [
      "a user name before the host",
      "https://example.com@evil.example/",
      /user name.*evil\.example/,
    ],
    ["a password before the host", "https://user:secret@example.com/", /user name/],
    ["a look-alike host (Cyrillic а)", "https://exаmple.com/", /international host name/],
    ["a punycode host", "https://xn--exmple-cua.com/", /international host name/],
    ["a fullwidth host", "https://ｅxample.com/", /international host name/],
    ["a mailto: with bcc", "mailto:coach@example.com?bcc=everyone@example.com", /extra fields/],
    ["a mailto: with a subject", "mailto:coach@example.com?subject=Hi", /extra fields/],
    [
      "a mailto: to two addresses",
      "mailto:coach@example.com,boss@example.com",
      /one plain address/,
    ],
    [
      "a mailto: with an escaped ?",
      "mailto:coach@example.com%3Fbcc=x@example.com",
      /one plain address/,
    ],
  ];

  it.each(links)("%s is refused, with its line", async (_, href, message) => {
    const { tips, file } = oneTip(`Write to [the coach](${href}) today.`);
    const { problems, bundle } = await check(tips);
    expect(bundle).toBeUndefined();
    expect(problems).toContainEqual(
      expect.objectContaining({ file, line: 9, message: expect.stringMatching(message) }),
    );
  });

  it("plain https and mailto links pass", async () => {
    const { tips } = oneTip(
      "Read [the guide](https://example.com/guide?a=1&b=2#part) or write to [the coach](mailto:coach@example.com).",
    );
    expect((await check(tips)).problems).toEqual([]);
  });
});

describe("lines of a text part", () => {
  it("a link followed by punctuation leaves no line starting with it", async () => {
    const { tips } = oneTip(
      "See [the guide](https://example.com/guide). Then [rest](https://example.com/rest), and go.",
    );
    const { problems, bundle } = await check(tips);
    expect(problems).toEqual([]);
    const text = bundle?.tips[0]?.text ?? "";
    expect(text).toContain("https://example.com/guide\nThen rest:");
    for (const line of text.split("\n")) expect(line).not.toMatch(/^\s*[.,;:!?)\]}]/);
  });

  it("nor does a list item that ends with a link and a full stop", async () => {
    const { tips } = oneTip(
      "- Lift.\n- Read [our notes](https://example.com/tips/a-long-enough-path-to-wrap). Then rest.",
    );
    const { problems, bundle } = await check(tips);
    expect(problems).toEqual([]);
    expect(bundle?.tips[0]?.text).toContain(
      " * Read our notes:\n   https://example.com/tips/a-long-enough-path-to-wrap\n   Then rest.",
    );
  });

  it("no system email's text part has such a line, nor a sentence cut by a link", async () => {
    const { bundle } = await check(path.join(ROOT, "test/fixtures/tips/valid-links"));
    const emails = Object.entries(bundle?.emails ?? {});
    expect(emails.length).toBeGreaterThan(3);
    let footers = 0;
    for (const [name, email] of emails) {
      for (const line of email.text.split("\n")) expect(line).not.toMatch(/^\s*[.,;:!?)\]}·|]/);
      expect(textLineProblems(name, email.text, "text")).toEqual([]);
      expect(cutSentenceProblems(name, email.text, "text")).toEqual([]);
      // The footer's two links, a dot between them in HTML, read as two labelled links.
      if (!email.text.includes("Unsubscribe with one click")) continue;
      footers += 1;
      expect(email.text).toMatch(/\{\{unsubscribe_url\}\}\nPrivacy:\n\{\{site_url\}\}\/privacy\n/);
    }
    expect(footers).toBeGreaterThanOrEqual(2);
  });

  it("two links side by side, the second in lower case, are no cut sentence", () => {
    const text = "Preferences:\n{{manage_url}}\nunsubscribe:\n{{unsubscribe_url}}\n";
    expect(cutSentenceProblems("t", text, "text")).toEqual([]);
    expect(
      cutSentenceProblems("t", "Read:\nhttps://example.com/a\nthen rest.\n", "text"),
    ).toHaveLength(1);
  });

  it("a sentence that goes on after a link is a warning, naming the line", async () => {
    const { tips, file } = oneTip(
      "Read [the guide](https://example.com/guide) before your next long run.",
    );
    const { problems, warnings } = await check(tips);
    expect(problems).toEqual([]);
    expect(warnings).toContainEqual(
      expect.objectContaining({
        file,
        message: expect.stringMatching(
          /goes on with a sentence after a link's address: "before your next/,
        ),
      }),
    );
  });

  it("a paragraph that starts with punctuation is an error", async () => {
    const { tips, file } = oneTip("A first paragraph.\n\n, and then a stray comma.");
    const { problems } = await check(tips);
    expect(problems).toContainEqual(
      expect.objectContaining({ file, message: expect.stringMatching(/starts with ","/) }),
    );
  });
});

describe("the finished email of a long series", () => {
  it("lists the last 52 tips, numbered as the reader had them, and stays under the limit", async () => {
    const tips = mkdtempSync(path.join(dir, "series-"));
    for (let i = 1; i <= 70; i++) {
      const tip = syntheticTip(i);
      writeFileSync(path.join(tips, tip.name), tip.source);
    }
    const { problems, bundle } = await check(tips);
    expect(problems).toEqual([]);
    const finished = bundle?.emails.finished;
    expect(finished?.text).toContain("You have worked through all 70 tips. Here are the last 52");
    expect(finished?.text).toContain("\n19. Synthetic tip 19: ");
    expect(finished?.text).toContain("\n70. Synthetic tip 70: ");
    expect(finished?.text).not.toContain("Synthetic tip 18:");
    expect(finished?.html).toContain('<ol start="19"');
  });
});

describe("warnings", () => {
  it("the build counts exactly the warnings `npm run check` lists; template notes apart", async () => {
    const tips = path.join(ROOT, "test/fixtures/tips/warn-http-link");
    const out = mkdtempSync(path.join(dir, "out-"));
    const checked = await runMain(checkMain, ["--tips", tips]);
    const built = await runMain(buildMain, [
      "--tips",
      tips,
      "--out",
      path.join(out, "content.ts"),
      "--site-dir",
      out,
      "--skip-runway",
    ]);
    expect(checked.status).toBe(0);
    expect(built.status).toBe(0);
    const listed = (checked.stdout.match(/^\S+\.md:\d+: /gm) ?? []).length;
    expect(listed).toBeGreaterThan(0);
    expect(checked.stdout).toContain(`${listed} warning${listed === 1 ? "" : "s"} (not fatal):`);
    expect(built.stdout).toMatch(new RegExp(`^${listed} warnings?, none fatal`, "m"));
    for (const output of [checked.stdout, built.stdout]) {
      expect(output).toMatch(/^email clients: .*information for whoever edits emails\//m);
    }
  });
});
