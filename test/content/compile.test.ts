import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Brand, readBrand } from "../../compiler/brand.js";
import { bundleSource, writeBundle } from "../../compiler/bundle.js";
import { checkContent } from "../../compiler/check.js";
import { HTML_MAX_BYTES } from "../../compiler/email.js";
import { compileTemplate } from "../../compiler/templates.js";
import { htmlToText } from "../../compiler/text.js";
import { DECLINED_DAYS } from "../../functions/core/confirmations.js";
import { assertKnownPlaceholders, escapeHtml, fill } from "../../functions/core/fill.js";
import type { CompiledTemplate, ContentBundle } from "../../functions/core/types.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EMAIL_FIXTURES = path.join(ROOT, "test/fixtures/emails");
const SAMPLE = {
  first_name: "Alex",
  unsubscribe_url: "https://example.com/u?token=abc&x=1",
  confirm_url: "https://example.com/c?token=abc",
  view_url: "https://example.com/tips/x",
  manage_url: "https://example.com/manage?token=abc",
  postal_address: "1 Example Street, Springfield",
  site_url: "https://example.com",
  tip_number: "3",
};

let bundle: ContentBundle;
let brand: Brand;

beforeAll(async () => {
  const result = await checkContent({
    tipsDir: path.join(ROOT, "content/tips"),
    emailsDir: path.join(ROOT, "emails"),
  });
  expect(result.problems).toEqual([]);
  if (!result.bundle) throw new Error("no bundle");
  bundle = result.bundle;
  brand = result.brand;
});

describe("compiled tips", () => {
  it("are sorted by order and carry slug, subject and a sha256 of the source", () => {
    const orders = bundle.tips.map((t) => t.order);
    expect(orders).toEqual([...orders].sort((a, b) => a - b));
    for (const tip of bundle.tips) {
      // The number is the reader's own place in the series, filled when it is sent.
      expect(tip.subject).toBe(`${brand.topic.tip} #{{tip_number}}: ${tip.title}`);
      expect(fill(tip.subject, { tip_number: "3" }, "text")).toBe(
        `${brand.topic.tip} #3: ${tip.title}`,
      );
      expect(tip.hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("each have the unsubscribe link, postal address, view link and preheader in the HTML", () => {
    expect(bundle.tips.length).toBeGreaterThanOrEqual(12);
    for (const tip of bundle.tips) {
      expect(tip.html, tip.slug).toMatch(
        /<a href="\{\{unsubscribe_url\}\}"[^>]*>Unsubscribe with one click, any time<\/a>/,
      );
      expect(tip.html, tip.slug).toContain('href="{{view_url}}"');
      expect(tip.html, tip.slug).toContain("{{postal_address}}");
      expect(tip.html, tip.slug).toContain(escapeHtml(tip.preheader));
      expect(tip.html, tip.slug).toContain(
        `You're getting this because you signed up for ${escapeHtml(brand.name)} and confirmed your address.`,
      );
      expect(tip.html, tip.slug).not.toMatch(/%7B%7B|%%[a-z]+%%/i);
    }
  });

  it("each have a text part with the unsubscribe URL, and links as `label:` then the URL", () => {
    for (const tip of bundle.tips) {
      expect(tip.text, tip.slug).toContain(
        "Unsubscribe with one click, any time:\n{{unsubscribe_url}}\n",
      );
      expect(tip.text, tip.slug).toMatch(/View this email in your browser:\n\{\{view_url\}\}\n$/);
      expect(tip.text, tip.slug).toContain("{{postal_address}}");
      expect(tip.text, tip.slug).toContain("This week:");
      expect(tip.text, tip.slug).not.toContain("<");
    }
  });

  it("each stay under the HTML size limit", () => {
    for (const tip of bundle.tips) {
      expect(Buffer.byteLength(tip.html), tip.slug).toBeLessThan(HTML_MAX_BYTES);
    }
  });

  it("use only known placeholders and fill completely", () => {
    const all: [string, CompiledTemplate][] = [
      ...bundle.tips.map((t) => [t.slug, t] as [string, CompiledTemplate]),
      ...Object.entries(bundle.emails),
    ];
    for (const [name, email] of all) {
      assertKnownPlaceholders(email.html, `${name} html`);
      assertKnownPlaceholders(email.text, `${name} text`);
      const html = fill(email.html, SAMPLE, "html");
      const text = fill(email.text, SAMPLE, "text");
      expect(html, name).not.toContain("{{");
      expect(text, name).not.toContain("{{");
      expect(text, name).toContain("1 Example Street, Springfield");
    }
  });
});

describe("system emails", () => {
  it("confirm: button to {{confirm_url}}, 7-day expiry, ignore line, unsubscribe", () => {
    const { confirm } = bundle.emails;
    expect(confirm.html).toMatch(/<a[^>]*href="\{\{confirm_url\}\}"/);
    expect(confirm.text).toContain("expires in 7 days");
    expect(confirm.text).toMatch(
      /If you didn't ask for this, ignore this email:\s+unless its link is used,\s+nothing happens\./,
    );
    // The promise the outbox keeps (core/confirmations.ts declinedUntil, unsubscribeReader).
    expect(confirm.text).toMatch(
      new RegExp(`no other confirmation to this address\\s+for\\s+${DECLINED_DAYS}\\s+days`),
    );
    // Once: the button's link; the HTML's copy-me fallback is not repeated in the text.
    expect(confirm.text.split("{{confirm_url}}")).toHaveLength(2);
    expect(confirm.text).toContain("Yes, send me the tips:\n{{confirm_url}}\n");
    expect(confirm.html).toContain('href="{{unsubscribe_url}}"');
    expect(confirm.html).toContain("{{postal_address}}");
  });

  it("welcome: one tip every week, with the standard footer", () => {
    const { welcome } = bundle.emails;
    expect(welcome.text).toContain("One tip every week.");
    expect(welcome.text).toContain("Unsubscribe with one click, any time:\n{{unsubscribe_url}}");
    expect(welcome.text).toContain("and confirmed your address.");
  });

  it("goodbye: no unsubscribe link, a sign-up-again line, the postal address", () => {
    const { goodbye } = bundle.emails;
    expect(goodbye.html).not.toContain("{{unsubscribe_url}}");
    expect(goodbye.text).toContain(
      "Changed your mind? You can always sign up again:\n{{site_url}}\n",
    );
    expect(goodbye.html).toMatch(/<a href="\{\{site_url\}\}"[^>]*>sign up again<\/a>/);
    expect(goodbye.text).toContain("{{postal_address}}");
  });

  it("greet by {{first_name}} after confirming only, and have fixed subjects and preheaders", () => {
    for (const [name, email] of Object.entries(bundle.emails)) {
      if (name === "confirm") {
        // Sent before the owner agreed: no text chosen by whoever typed the address.
        expect(`${email.subject}${email.html}${email.text}`).not.toContain("{{first_name}}");
        expect(email.text).toContain("Hello,");
      } else {
        expect(email.text, name).toContain("Hi {{first_name}},");
      }
      expect(email.subject.length, name).toBeGreaterThan(10);
      expect(email.html, name).toContain(escapeHtml(email.preheader));
      expect(email.html, name).toContain(`<title>${escapeHtml(email.subject)}</title>`);
    }
  });
});

describe("template problems", () => {
  it("an invalid MJML template fails with the template's path and line", async () => {
    const file = path.join(EMAIL_FIXTURES, "invalid-mjml/tip.mjml");
    const result = await compileTemplate("tip", file, readBrand(ROOT));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      expect.objectContaining({ file, line: 4, message: expect.stringContaining("mj-colum") }),
    ]);
  });

  it("an error inside an included partial names the partial", async () => {
    const result = await compileTemplate(
      "tip",
      path.join(EMAIL_FIXTURES, "partial-error/tip.mjml"),
      readBrand(ROOT),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatchObject({
      file: path.join(EMAIL_FIXTURES, "partial-error/partials/footer.mjml"),
      line: 3,
      message: expect.stringContaining("Attribute colour is illegal"),
    });
  });

  it("a missing partial is an error, not silently dropped", async () => {
    const file = path.join(EMAIL_FIXTURES, "missing-partial/tip.mjml");
    const result = await compileTemplate("tip", file, readBrand(ROOT));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatchObject({
      file,
      line: 3,
      message: expect.stringContaining("not found"),
    });
  });

  it("an unknown placeholder in a template is reported with its path", async () => {
    const file = path.join(EMAIL_FIXTURES, "unknown-placeholder/welcome.mjml");
    const result = await compileTemplate("welcome", file, readBrand(ROOT));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.file, p.message])).toContainEqual([
      file,
      expect.stringContaining("unknown placeholder {{firstname}}"),
    ]);
  });

  it("a confirmation template that greets by {{first_name}} is refused", async () => {
    const file = path.join(EMAIL_FIXTURES, "name-in-confirm/confirm.mjml");
    const result = await compileTemplate("confirm", file, readBrand(ROOT));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.file, p.message])).toContainEqual([
      file,
      "{{first_name}} is not available in the confirm email",
    ]);
  });

  it("checkContent reports template problems alongside tip problems", async () => {
    const { problems, bundle: none } = await checkContent({
      tipsDir: path.join(ROOT, "test/fixtures/tips/broken-link"),
      emailsDir: path.join(EMAIL_FIXTURES, "invalid-mjml"),
    });
    expect(none).toBeUndefined();
    const files = problems.map((p) => path.relative(ROOT, p.file));
    expect(files).toContain("test/fixtures/tips/broken-link/broken-link.md");
    expect(files).toContain("test/fixtures/emails/invalid-mjml/tip.mjml");
    expect(files).toContain("test/fixtures/emails/invalid-mjml/confirm.mjml");
  });

  it("html-to-text keeps placeholders in hrefs intact, on a line of their own", () => {
    expect(htmlToText('<p><a href="{{unsubscribe_url}}">Unsubscribe</a></p>')).toBe(
      "Unsubscribe:\n{{unsubscribe_url}}\n",
    );
  });
});

describe("the generated module", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "bundle-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is deterministic: a second write of the same content is a no-op", () => {
    const out = path.join(dir, "content.ts");
    expect(writeBundle(bundle, out).written).toBe(true);
    const first = readFileSync(out, "utf8");
    expect(writeBundle(bundle, out).written).toBe(false);
    expect(bundleSource(bundle, out)).toBe(first);
    expect(first).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
  });

  it("exports the bundle with a type-only import of ContentBundle", async () => {
    const out = path.join(dir, "module.ts");
    writeBundle(bundle, out);
    const source = readFileSync(out, "utf8");
    expect(source).toMatch(
      /^import type \{ ContentBundle \} from ".*functions\/core\/types\.js";$/m,
    );
    expect(source).toContain("export const bundle: ContentBundle = {");
    const mod = (await import(pathToFileURL(out).href)) as { bundle: ContentBundle };
    expect(mod.bundle).toEqual(JSON.parse(JSON.stringify(bundle)));
  });

  it("embeds the html and text bodies compressed, not as literals", () => {
    const source = bundleSource(bundle, path.join(dir, "compressed.ts"));
    for (const tip of bundle.tips) {
      expect(source).toContain(JSON.stringify(tip.subject));
      expect(source).not.toContain(JSON.stringify(tip.html));
      expect(source).not.toContain(JSON.stringify(tip.text));
    }
    expect(source).not.toContain("<!doctype html>");
    const bodies = bundle.tips.reduce((n, t) => n + t.html.length + t.text.length, 0);
    expect(source.length).toBeLessThan(bodies / 4);
  });

  it("imports ../core/types.js from functions/generated", () => {
    const source = bundleSource(bundle, path.join(ROOT, "functions/generated/content.ts"));
    expect(source).toContain('import type { ContentBundle } from "../core/types.js";');
  });
});

describe("the build holds every email to the documented 40 KB of HTML", () => {
  const tableTip = (rows: number) =>
    `---\ntitle: A big table\nslug: big-table\norder: 1\nsummary: A tip with a big table.\ntags: [fixture]\n---\n\n|a|b|c|d|e|f|g|h|\n|-|-|-|-|-|-|-|-|\n${"|1|2|3|4|5|6|7|8|\n".repeat(rows)}\nThis week: read the table.\n`;

  it("the limit is 40 KB", () => {
    expect(HTML_MAX_BYTES).toBe(40 * 1024);
  });

  it("refuses a tip whose email is between 40 and 90 KB, and passes one just under", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tips-size-"));
    try {
      const { mkdirSync, writeFileSync } = await import("node:fs");
      const sizeOf = async (rows: number) => {
        const tips = path.join(dir, `t${rows}`, "tips");
        mkdirSync(tips, { recursive: true });
        writeFileSync(path.join(tips, "big-table.md"), tableTip(rows));
        return checkContent({ tipsDir: tips, emailsDir: path.join(ROOT, "emails") });
      };
      const big = await sizeOf(150);
      const refused = big.problems.find((p) => p.message.includes("KB of HTML (limit 40 KB"));
      expect(refused, JSON.stringify(big.problems)).toBeDefined();
      const kb = Number(/is ([\d.]+) KB of HTML/.exec(refused?.message ?? "")?.[1]);
      expect(kb).toBeGreaterThan(40);
      expect(kb).toBeLessThan(90);
      const small = await sizeOf(5);
      expect(small.problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
