/**
 * The brand file (content/newsletter.yml): the repository's own passes; each wrong form is refused
 * with its line and a fix (a colour below 4.5:1, an unquoted colour, an unknown or missing field, a
 * From name that would break the header, braces, a missing picture); and a brand under another
 * name, compiled by the real compiler, leaves nothing of the repository's name in any email,
 * subject, social card or logo.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkBrand, contrast, MIN_CONTRAST, readBrand, TEXT_PAIRS } from "../../compiler/brand.js";
import { type CheckResult, checkContent } from "../../compiler/check.js";
import { DEFAULT_EMAILS_DIR } from "../../compiler/paths.js";
import { SYSTEM_EMAIL_NAMES } from "../../compiler/templates.js";
import { main as buildMain } from "../../scripts/build.js";
import { runMain } from "../support/cli.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OWN = readBrand(ROOT);
const SOURCE = readFileSync(path.join(ROOT, "content/newsletter.yml"), "utf8");
const dir = mkdtempSync(path.join(tmpdir(), "brand-"));
// The brand's pictures beside every brand file written here (its paths are relative to it).
cpSync(path.join(ROOT, "content/brand"), path.join(dir, "brand"), { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
/** A brand file: the repository's, with one line replaced. */
function variant(from: string | RegExp, to: string): string {
  const text = SOURCE.replace(from, to);
  expect(text).not.toBe(SOURCE);
  const file = path.join(dir, `newsletter-${++count}.yml`);
  writeFileSync(file, text);
  return file;
}

describe("the repository's brand file", () => {
  it("passes, and every text colour reaches 4.5:1 on its backgrounds in both schemes", () => {
    expect(checkBrand(path.join(ROOT, "content/newsletter.yml")).problems).toEqual([]);
    for (const scheme of ["light", "dark"] as const) {
      for (const [fg, bg] of TEXT_PAIRS) {
        const c = OWN.colors[scheme];
        expect(contrast(c[fg], c[bg]), `${scheme} ${fg} on ${bg}`).toBeGreaterThanOrEqual(
          MIN_CONTRAST,
        );
      }
    }
  });
});

describe("a wrong brand file", () => {
  const cases: {
    name: string;
    from: string | RegExp;
    to: string;
    message: RegExp;
    /** The field on the line the problem names. */
    key: string;
  }[] = [
    {
      name: "a dark muted colour too dim to read",
      from: /(dark:[\s\S]*?)muted: "#[0-9a-f]{6}"/,
      to: '$1muted: "#4b5563"',
      message:
        /in dark mode, muted \(#4b5563\) on (page|card) \(#[0-9a-f]{6}\) has a contrast of \d\.\d\d:1; text needs at least 4\.5:1/,
      key: "muted",
    },
    {
      name: "a light accent too pale on white",
      from: /accent: "#c2410c"/,
      to: 'accent: "#fdba74"',
      message: /in light mode, accent \(#fdba74\) on card \(#ffffff\)/,
      key: "accent",
    },
    {
      name: "a colour without quotes (YAML reads # as a comment)",
      from: /button: "#c2410c"/,
      to: "button: #c2410c",
      message: /field "colors\.light\.button" must be an opaque colour/,
      key: "button",
    },
    {
      name: "a misspelt field",
      from: /^tagline:/m,
      to: "tagLine:",
      message: /unknown field "tagLine"/,
      key: "tagLine",
    },
    {
      name: "a From name that would break the header",
      from: /^sender: .*$/m,
      to: "sender: Tips <evil@example.com>",
      message: /field "sender" must be plain words/,
      key: "sender",
    },
    {
      name: "placeholder braces in the name",
      from: /^name: .*$/m,
      to: 'name: "{{first_name}} Tips"',
      message: /field "name" must be one line without \{\{, \}\} or %%/,
      key: "name",
    },
    {
      name: "a logo that is not there",
      from: /^logo: .*$/m,
      to: "logo: brand/missing.svg",
      message: /logo "brand\/missing\.svg" not found/,
      key: "logo",
    },
  ];

  it.each(cases)("$name: refused with its line and a fix", ({ from, to, message, key }) => {
    const file = variant(from, to);
    const { brand, problems } = checkBrand(file);
    expect(brand).toBeUndefined();
    const found = problems.find((p) => message.test(p.message));
    expect(found, JSON.stringify(problems, null, 2)).toBeDefined();
    expect(found?.file).toBe(file);
    expect(found?.fix.length).toBeGreaterThan(15);
    const written = readFileSync(file, "utf8").split("\n")[(found?.line ?? 0) - 1] ?? "";
    expect(written).toMatch(new RegExp(`^\\s*${key}:`));
  });

  it("a missing field is named, and the build stops with it", async () => {
    const file = variant(/^tagline: .*\n/m, "");
    expect(checkBrand(file).problems.map((p) => p.message)).toContain('missing field "tagline"');
    const out = mkdtempSync(path.join(dir, "out-"));
    const result = await runMain(buildMain, [
      "--tips",
      "test/fixtures/tips/valid-links",
      "--brand",
      file,
      "--out",
      path.join(out, "content.ts"),
      "--site-dir",
      out,
      "--skip-runway",
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('missing field "tagline"');
    expect(result.stderr).toContain("build failed: nothing was written");
  });
});

describe("a brand under another name", () => {
  let result: CheckResult;
  const other = {
    name: "Tuesday Mobility Notes",
    sender: "Mobility Notes",
    tagline: "One mobility drill for climbers, every week.",
    tip: "Mobility note",
  };

  beforeAll(async () => {
    const text = SOURCE.replace(/^name: .*$/m, `name: ${other.name}`)
      .replace(/^sender: .*$/m, `sender: ${other.sender}`)
      .replace(/^tagline: .*$/m, `tagline: ${other.tagline}`)
      .replace(/^ {2}tip: .*$/m, `  tip: ${other.tip}`)
      .replace(/^ {2}subject: .*$/m, "  subject: Mobility for climbers");
    const file = path.join(dir, "other.yml");
    writeFileSync(file, text);
    result = await checkContent({
      tipsDir: path.join(ROOT, "test/fixtures/tips/valid-links"),
      emailsDir: DEFAULT_EMAILS_DIR,
      brandFile: file,
    });
    expect(result.problems).toEqual([]);
  });

  /** Anything that reads as the repository's own brand. */
  const owns = (text: string) =>
    [OWN.name, OWN.sender, OWN.tagline, OWN.topic.tip, OWN.topic.tip.toUpperCase()].filter((s) =>
      text.includes(s),
    );

  it("every tip email's subject, HTML and text carry the new name and phrases, none of the old", () => {
    const tips = result.bundle?.tips ?? [];
    expect(tips.length).toBe(2);
    for (const tip of tips) {
      expect(tip.subject).toBe(`${other.tip} #{{tip_number}}: ${tip.title}`);
      expect(tip.html).toContain(other.name);
      expect(tip.text).toContain(other.name);
      expect(owns(`${tip.subject}\n${tip.html}\n${tip.text}`)).toEqual([]);
    }
  });

  it("every system email's subject, preview, HTML and text carry the new name, none of the old", () => {
    const emails = Object.values(result.bundle?.emails ?? {});
    expect(emails).toHaveLength(SYSTEM_EMAIL_NAMES.length);
    for (const email of emails) {
      expect(email.subject).toContain(other.name);
      expect(email.html).toContain(other.name);
      expect(email.text).toContain(other.name);
      expect(owns(`${email.subject}\n${email.preheader}\n${email.html}\n${email.text}`)).toEqual(
        [],
      );
    }
    expect(result.bundle?.emails.welcome.preheader).toContain(other.tagline);
  });

  it("the logo and favicon carry the new name; the cards are drawn anew", () => {
    const svgs = (result.assets ?? []).filter((a) => a.contentType === "image/svg+xml");
    expect(svgs.length).toBe(2);
    for (const svg of svgs) {
      const text = svg.bytes.toString("utf8");
      expect(text).toContain(`<title>${other.name}</title>`);
      expect(owns(text)).toEqual([]);
    }
    expect(result.site?.card).toMatch(/^\/assets\/card\.[0-9a-f]{10}\.png$/);
  });
});

describe("a brand picture that runs or fetches anything, or is too complex, is refused", () => {
  it.each([
    ["a script", "<script>alert(1)</script>", /logo: SVG "[^"]+" has a <script>/],
    [
      "an outside image",
      '<image href="https://tracker.example/p.png" width="1" height="1"/>',
      /reference to another file or site/,
    ],
    ["too many elements", "<g/>".repeat(1200), /too complex to draw/],
  ])("%s in the logo", (_case, inner, message) => {
    const logo = path.join(dir, "brand", `logo-${_case.replace(/\W/g, "-")}.svg`);
    const own = readFileSync(path.join(ROOT, "content/brand/logo.svg"), "utf8");
    writeFileSync(logo, own.replace("</svg>", `${inner}</svg>`));
    const file = variant(/^logo: .*$/m, `logo: brand/${path.basename(logo)}`);
    const { brand, problems } = checkBrand(file);
    expect(brand).toBeUndefined();
    expect(problems.map((p) => p.message).join("\n")).toMatch(message);
  });
});
