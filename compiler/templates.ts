/**
 * Templates: emails/*.mjml → minified HTML with mjml (and htmlnano, mjml's minifier), plus the
 * template's text part, each with its build-time tokens still in place; and the checks on them.
 *
 * Each template is compiled ONCE with build-time tokens (`%%title%%`, `%%body%%`, ...) that are
 * substituted afterwards, so a thousand tips cost one mjml run. Per-recipient `{{placeholders}}`
 * (functions/core/fill.ts) pass through untouched and are filled at send time.
 *
 * The brand (content/newsletter.yml, brand.ts) is written in before mjml runs: `%%brand.name%%`,
 * `%%brand.tagline%%`, `%%brand.topic.tip%%`, `%%brand.light.accent%%`, `%%brand.dark.page%%` and so
 * on, so the templates hold no name and no colour of their own.
 *
 * `<mj-include path="..." />` is expanded here, not by mjml: mjml 5 ignores includes by default
 * (silently), and does not report validation errors inside included files. Expanding in code
 * lets a missing partial or an error inside a partial be reported with the partial's own path
 * and line.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  assertKnownPlaceholders,
  escapeHtml,
  type Placeholder,
  placeholdersIn,
  TIP_PLACEHOLDERS,
} from "../functions/core/fill.js";
import type { SystemEmails } from "../functions/core/types.js";
import type { Brand } from "./brand-base.js";
import { cacheKey, readCache, writeCache } from "./cache.js";
import { templateCompatWarnings } from "./compat.js";
import { type Problem, problem } from "./problems.js";
import { cutSentenceProblems, textLineProblems } from "./shipped.js";

export const TEMPLATE_NAMES = [
  "tip",
  "confirm",
  "welcome",
  "already",
  "goodbye",
  "finished",
] as const;
/** The emails that are not tips, in the order the studio and the reports show them. */
export const SYSTEM_EMAIL_NAMES = ["confirm", "welcome", "already", "goodbye", "finished"] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];
export type SystemEmailName = keyof SystemEmails;

interface TemplateSpec {
  /** Build-time tokens, written %%name%% in the template. */
  tokens: readonly string[];
  /** Per-recipient placeholders the template must use (and the only ones it may use). */
  placeholders: readonly Placeholder[];
}

/** Every email's footer links {{site_url}}/privacy: what is kept, why and for how long. */
export const TEMPLATE_SPECS: Record<TemplateName, TemplateSpec> = {
  tip: {
    // byline: who wrote the tip and the expert it rests on (front matter author, expert).
    tokens: ["subject", "preheader", "title", "byline", "body"],
    // site_url: the absolute address of the tip's images (compile.ts); tip_number: the
    // reader's own place in the series, in the subject and above the title.
    placeholders: TIP_PLACEHOLDERS,
  },
  // No {{first_name}}: whoever signs an address up chooses the name, and the confirmation goes
  // out before the mailbox's owner has agreed to anything, so it carries no text of theirs.
  confirm: {
    tokens: ["subject", "preheader"],
    placeholders: ["confirm_url", "manage_url", "unsubscribe_url", "postal_address", "site_url"],
  },
  welcome: {
    tokens: ["subject", "preheader"],
    placeholders: ["first_name", "manage_url", "unsubscribe_url", "postal_address", "site_url"],
  },
  // To a reader on the list whose address was signed up again: the name is the one they
  // confirmed with, never the new signup's.
  already: {
    tokens: ["subject", "preheader"],
    placeholders: ["first_name", "manage_url", "unsubscribe_url", "postal_address", "site_url"],
  },
  goodbye: {
    tokens: ["subject", "preheader"],
    // No unsubscribe link (there is nothing left to leave); a link back to the signup page.
    placeholders: ["first_name", "manage_url", "postal_address", "site_url"],
  },
  // Sent once at the slot after a reader's last tip; %%body%% lists every tip they had.
  finished: {
    tokens: ["subject", "preheader", "body"],
    placeholders: ["first_name", "manage_url", "unsubscribe_url", "postal_address", "site_url"],
  },
};

/** A template compiled by mjml, with its build-time tokens still in place. */
export interface CompiledMjml {
  name: TemplateName;
  file: string;
  /** Minified HTML. */
  html: string;
  /** The text part (without the hidden preheader); `%%body%%` stands alone on its line. */
  text: string;
  /** Email-client compatibility notes on the compiled HTML. */
  warnings: Problem[];
}

const TOKEN = /%%([a-z_]+)%%/g;
const BRAND_TOKEN = /%%brand\.([A-Za-z.]+)%%/g;
const INCLUDE = /<mj-include\b[^>]*?\bpath\s*=\s*"([^"]+)"[^>]*?\/?>(?:\s*<\/mj-include>)?/;

interface Expanded {
  text: string;
  /** Where each line of `text` came from. */
  origins: { file: string; line: number }[];
}

/** Inlines `<mj-include path="..." />` lines (relative to the including file), recursively. */
export function expandIncludes(
  file: string,
  stack: readonly string[] = [],
): { ok: true; value: Expanded } | { ok: false; problems: Problem[] } {
  if (!existsSync(file)) {
    return {
      ok: false,
      problems: [problem(file, "template file not found", "create it (see emails/tip.mjml)")],
    };
  }
  const lines = readFileSync(file, "utf8").replace(/\r\n/g, "\n").split("\n");
  const out: string[] = [];
  const origins: Expanded["origins"] = [];
  const problems: Problem[] = [];
  lines.forEach((line, i) => {
    const match = INCLUDE.exec(line);
    if (!match) {
      out.push(line);
      origins.push({ file, line: i + 1 });
      return;
    }
    const rest = line.replace(match[0], "").trim();
    if (rest !== "") {
      problems.push(
        problem(
          file,
          "<mj-include> must be alone on its line",
          "move it to a line of its own",
          i + 1,
        ),
      );
      return;
    }
    const target = path.resolve(path.dirname(file), match[1] as string);
    if (stack.includes(target) || target === file) {
      problems.push(
        problem(file, `include cycle through ${match[1]}`, "remove the circular mj-include", i + 1),
      );
      return;
    }
    if (!existsSync(target)) {
      problems.push(
        problem(
          file,
          `included partial not found: ${match[1]}`,
          "fix the path (relative to this template) or create the partial",
          i + 1,
        ),
      );
      return;
    }
    const inner = expandIncludes(target, [...stack, file]);
    if (!inner.ok) {
      problems.push(...inner.problems);
      return;
    }
    out.push(...inner.value.text.split("\n"));
    origins.push(...inner.value.origins);
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { text: out.join("\n"), origins } };
}

function isMjmlValidationError(
  err: unknown,
): err is Error & { errors: { line: number; message: string; tagName: string }[] } {
  return err instanceof Error && Array.isArray((err as { errors?: unknown }).errors);
}

/** The value of `%%brand.<path>%%`: a colour (`light.accent`) or a phrase (`name`, `topic.tip`). */
function brandValue(brand: Brand, at: string): string | undefined {
  const [first, second, ...rest] = at.split(".");
  if (rest.length > 0) return undefined;
  if ((first === "light" || first === "dark") && second !== undefined) {
    return Object.hasOwn(brand.colors[first], second)
      ? brand.colors[first][second as keyof Brand["colors"]["light"]]
      : undefined;
  }
  if (first === "topic" && second !== undefined) {
    return Object.hasOwn(brand.topic, second)
      ? escapeHtml(brand.topic[second as keyof Brand["topic"]])
      : undefined;
  }
  if (second === undefined && (first === "name" || first === "tagline" || first === "sender")) {
    return escapeHtml(brand[first]);
  }
  return undefined;
}

/** Writes the brand into a template's expanded text; an unknown `%%brand.…%%` is a problem. */
function fillBrand(expanded: Expanded, brand: Brand, file: string): Problem[] {
  const problems: Problem[] = [];
  const lines = expanded.text.split("\n").map((line, i) =>
    line.replace(BRAND_TOKEN, (match, at: string) => {
      const value = brandValue(brand, at);
      if (value !== undefined) return value;
      const origin = expanded.origins[i] ?? { file, line: i + 1 };
      problems.push(
        problem(
          origin.file,
          `unknown brand value ${match}`,
          "use %%brand.name%%, %%brand.tagline%%, %%brand.sender%%, %%brand.topic.<tip|subject|promise|pitch|audience|practice>%% or %%brand.<light|dark>.<colour>%% (the colours of content/newsletter.yml)",
          origin.line,
        ),
      );
      return match;
    }),
  );
  expanded.text = lines.join("\n");
  return problems;
}

/** Substitutes %%tokens%% in one pass (substituted values are never rescanned). */
export function fillTokens(html: string, values: Record<string, string>): string {
  return html.replace(TOKEN, (match, name: string) => values[name] ?? match);
}

/** Compiles one template with strict MJML validation and checks its tokens and placeholders. */
export async function compileTemplate(
  name: TemplateName,
  file: string,
  brand: Brand,
  /** `minify: false` only to compare against the minified output (test/browser/minify.test.ts). */
  { minify = true }: { minify?: boolean } = {},
): Promise<{ ok: true; value: CompiledMjml } | { ok: false; problems: Problem[] }> {
  const expanded = expandIncludes(file);
  if (!expanded.ok) return expanded;
  const unknown = fillBrand(expanded.value, brand, file);
  if (unknown.length > 0) return { ok: false, problems: unknown };
  const { text, origins } = expanded.value;
  const key = cacheKey(name, file, text, minify ? "minified" : "as is");
  const cached = readCache<CompiledMjml>(key);
  if (cached) return { ok: true, value: cached };
  let html: string;
  try {
    const { default: mjml2html } = await import("mjml");
    // fonts: {} keeps mjml from adding Google Fonts <link>s (system fonts only: no tracking, smaller).
    // minify: mjml's own htmlnano pass (whitespace, comments, CSS), which keeps Outlook's
    // conditional comments and {{placeholders}}; about a quarter of the HTML was whitespace.
    const result = await mjml2html(text, {
      validationLevel: "strict",
      filePath: file,
      fonts: {},
      minify,
    });
    html = result.html;
  } catch (err) {
    if (isMjmlValidationError(err)) {
      return {
        ok: false,
        problems: err.errors.map((e) => {
          const origin = origins[e.line - 1] ?? { file, line: e.line };
          return problem(
            origin.file,
            `MJML: ${e.message}${origin.file === file ? "" : ` (included from ${path.basename(file)})`}`,
            "fix the MJML markup (see https://documentation.mjml.io for valid tags and attributes)",
            origin.line,
          );
        }),
      };
    }
    return {
      ok: false,
      problems: [
        problem(
          file,
          `MJML: ${err instanceof Error ? err.message : String(err)}`,
          "fix the MJML markup",
        ),
      ],
    };
  }
  // The body is replaced by a marker paragraph, so its text can be put in later (compile.ts).
  const { htmlToText } = await import("./text.js");
  const textPart = htmlToText(fillTokens(html, { preheader: "", body: "<p>%%body%%</p>" }));
  const warnings = templateCompatWarnings(file, html);
  const checked = checkCompiled({ name, file, html, text: textPart, warnings });
  if (checked.ok) writeCache(key, checked.value);
  return checked;
}

function checkCompiled(
  template: CompiledMjml,
): { ok: true; value: CompiledMjml } | { ok: false; problems: Problem[] } {
  const { name, file, html, text } = template;
  const spec = TEMPLATE_SPECS[name];
  const problems: Problem[] = [];
  const tokens = new Set([...html.matchAll(TOKEN)].map((m) => m[1] as string));
  for (const token of tokens) {
    if (!spec.tokens.includes(token)) {
      problems.push(
        problem(
          file,
          `unknown build-time token %%${token}%%`,
          `use only: ${spec.tokens.map((t) => `%%${t}%%`).join(", ")}`,
        ),
      );
    }
  }
  for (const token of spec.tokens) {
    if (!tokens.has(token)) {
      problems.push(
        problem(file, `missing build-time token %%${token}%%`, `add %%${token}%% to the template`),
      );
    }
  }
  if (/%7B%7B|%7D%7D/i.test(html)) {
    problems.push(
      problem(
        file,
        "a {{placeholder}} was URL-encoded by MJML",
        "write placeholders only in href attributes or text, unquoted by other markup",
      ),
    );
  }
  let known = true;
  for (const [part, content] of [
    ["HTML", html],
    ["text", text],
  ] as const) {
    try {
      assertKnownPlaceholders(content, `${name}.mjml (${part} part)`);
    } catch (err) {
      problems.push(problem(file, (err as Error).message, "correct the placeholder's spelling"));
      known = false;
      break;
    }
  }
  const inHtml = placeholdersIn(html);
  const inText = placeholdersIn(text);
  for (const p of inHtml) {
    if (known && !spec.placeholders.includes(p as Placeholder)) {
      problems.push(
        problem(
          file,
          `{{${p}}} is not available in the ${name} email`,
          `use only: ${spec.placeholders.map((x) => `{{${x}}}`).join(", ")}`,
        ),
      );
    }
  }
  for (const p of spec.placeholders) {
    if (!inHtml.includes(p)) {
      problems.push(
        problem(file, `the ${name} email must use {{${p}}}`, `add {{${p}}} to the template`),
      );
    } else if (!inText.includes(p)) {
      problems.push(
        problem(
          file,
          `{{${p}}} is lost in the text part (html-to-text dropped it)`,
          "put it in visible text or in a link's href",
        ),
      );
    }
  }
  if (
    spec.placeholders.includes("unsubscribe_url") &&
    !/href="\{\{unsubscribe_url\}\}"/.test(html)
  ) {
    problems.push(
      problem(
        file,
        "no link to {{unsubscribe_url}}",
        'add <a href="{{unsubscribe_url}}">Unsubscribe</a> to the footer',
      ),
    );
  }
  problems.push(
    ...textLineProblems(file, text, `the ${name} email's text part`),
    ...cutSentenceProblems(file, text, `the ${name} email's text part`),
  );
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: template };
}

/** Compiles every template in `emailsDir`; all problems are collected. */
export async function compileTemplates(
  emailsDir: string,
  brand: Brand,
): Promise<{
  templates: Partial<Record<TemplateName, CompiledMjml>>;
  problems: Problem[];
  /** Email-client compatibility notes on each compiled template. */
  warnings: Problem[];
}> {
  const templates: Partial<Record<TemplateName, CompiledMjml>> = {};
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  for (const name of TEMPLATE_NAMES) {
    const file = path.join(emailsDir, `${name}.mjml`);
    if (!existsSync(file)) {
      problems.push(problem(file, `missing template ${name}.mjml`, `create ${file}`));
      continue;
    }
    const result = await compileTemplate(name, file, brand);
    if (result.ok) {
      templates[name] = result.value;
      warnings.push(...result.value.warnings);
    } else problems.push(...result.problems);
  }
  return { templates, problems, warnings };
}
