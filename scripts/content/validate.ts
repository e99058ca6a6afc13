/**
 * checkContent: validates every tip and template, compiles them, and collects every problem
 * across all files in one pass. The build, the CLI checker, preview and the tests all use it.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { CompiledTip, ContentBundle, SystemEmails } from "../../functions/core/types.js";
import { checkBody } from "./body.js";
import {
  type CompiledMjml,
  compileTemplates,
  HTML_MAX_BYTES,
  htmlBytes,
  renderEmail,
  SYSTEM_COPY,
  tipSubject,
} from "./compile.js";
import { checkLinks, lex } from "./links.js";
import { lineOfKey, splitSource, validateFrontMatter } from "./parse.js";
import { type Problem, problem } from "./problems.js";
import { renderMarkdown } from "./render.js";
import type { FrontMatter } from "./schema.js";

export interface Tip extends FrontMatter {
  /** Path of the source file (as joined from tipsDir). */
  file: string;
  body: string;
  bodyLine: number;
  /** The raw YAML front matter (for locating fields). */
  matter: string;
  /** sha256 of the source file, hex. */
  hash: string;
}

export interface CheckOptions {
  tipsDir: string;
  emailsDir: string;
  /** Check only these tip slugs (file names without .md); links may still point to any tip. */
  only?: readonly string[];
}

export interface CheckResult {
  problems: Problem[];
  /** Tips whose front matter is valid, sorted by order. */
  tips: Tip[];
  /** The compiled content; present only when there are no problems. */
  bundle?: ContentBundle;
}

export function listTipFiles(tipsDir: string): string[] {
  return readdirSync(tipsDir)
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => path.join(tipsDir, name));
}

/** Checks one tip file on its own (everything except cross-file uniqueness). */
export function checkTipFile(file: string, tipsDir: string): { tip?: Tip; problems: Problem[] } {
  const raw = readFileSync(file);
  const source = raw.toString("utf8");
  const hash = createHash("sha256").update(raw).digest("hex");
  const split = splitSource(file, source);
  if (!split.ok) return { problems: split.problems };
  const parsed = split.value;
  const problems: Problem[] = [];
  const tokens = lex(parsed.body);
  problems.push(...checkBody(file, parsed.body, parsed.bodyLine, tokens));
  problems.push(...checkLinks(file, parsed.body, parsed.bodyLine, tokens, tipsDir));
  const front = validateFrontMatter(file, parsed);
  if (!front.ok) return { problems: [...front.problems, ...problems] };
  const expected = path.basename(file, ".md");
  if (front.value.slug !== expected) {
    problems.push(
      problem(
        file,
        `slug "${front.value.slug}" does not match the file name "${expected}.md"`,
        `set slug: ${expected}, or rename the file to ${front.value.slug}.md`,
        lineOfKey(parsed.matter, "slug"),
      ),
    );
  }
  return {
    tip: {
      ...front.value,
      file,
      body: parsed.body,
      bodyLine: parsed.bodyLine,
      matter: parsed.matter,
      hash,
    },
    problems,
  };
}

function duplicates(tips: Tip[], key: "slug" | "order"): Problem[] {
  const seen = new Map<string | number, Tip>();
  const problems: Problem[] = [];
  for (const tip of tips) {
    const first = seen.get(tip[key]);
    if (!first) {
      seen.set(tip[key], tip);
      continue;
    }
    problems.push(
      problem(
        tip.file,
        `duplicate ${key} ${JSON.stringify(tip[key])}: already used by ${path.basename(first.file)}`,
        key === "order"
          ? "give each tip its own order number (the next free one is the highest + 1)"
          : "each tip needs a unique slug equal to its file name",
        lineOfKey(tip.matter, key),
      ),
    );
  }
  return problems;
}

export function compileTip(tip: Tip, template: CompiledMjml): CompiledTip {
  const subject = tipSubject(tip.order, tip.title);
  const email = renderEmail(template, {
    subject,
    preheader: tip.summary,
    order: String(tip.order),
    title: tip.title,
    body: renderMarkdown(tip.body),
  });
  return {
    slug: tip.slug,
    order: tip.order,
    title: tip.title,
    tags: [...tip.tags],
    subject,
    preheader: email.preheader,
    html: email.html,
    text: email.text,
    hash: tip.hash,
  };
}

export function compileSystemEmails(
  templates: Partial<Record<keyof SystemEmails, CompiledMjml>>,
): Partial<SystemEmails> {
  const emails: Partial<SystemEmails> = {};
  for (const name of ["confirm", "welcome", "goodbye"] as const) {
    const template = templates[name];
    if (template) emails[name] = renderEmail(template, SYSTEM_COPY[name]);
  }
  return emails;
}

function sizeProblem(file: string, html: string): Problem | undefined {
  const bytes = htmlBytes(html);
  if (bytes <= HTML_MAX_BYTES) return undefined;
  return problem(
    file,
    `compiled email is ${(bytes / 1024).toFixed(1)} KB of HTML (limit ${HTML_MAX_BYTES / 1024} KB; Gmail clips at ~102 KB)`,
    "shorten the tip (fewer lists, tables and links help most) or the template",
  );
}

export async function checkContent(options: CheckOptions): Promise<CheckResult> {
  const { tipsDir, emailsDir, only } = options;
  const problems: Problem[] = [];
  const tips: Tip[] = [];
  const cleanFiles = new Set<string>();

  if (!existsSync(tipsDir) || !statSync(tipsDir).isDirectory()) {
    problems.push(
      problem(tipsDir, "tips directory not found", "pass an existing directory with --tips"),
    );
  } else {
    let files = listTipFiles(tipsDir);
    if (only) files = files.filter((f) => only.includes(path.basename(f, ".md")));
    if (files.length === 0 && !only) {
      problems.push(
        problem(tipsDir, "no tips found (*.md)", 'add a tip with npm run new-tip -- "Title"'),
      );
    }
    for (const file of files) {
      const result = checkTipFile(file, tipsDir);
      problems.push(...result.problems);
      if (result.tip) tips.push(result.tip);
      if (result.tip && result.problems.length === 0) cleanFiles.add(file);
    }
  }
  tips.sort((a, b) => a.order - b.order || a.slug.localeCompare(b.slug));
  for (const p of [...duplicates(tips, "slug"), ...duplicates(tips, "order")]) {
    problems.push(p);
    cleanFiles.delete(p.file);
  }

  const { templates, problems: templateProblems } = await compileTemplates(emailsDir);
  problems.push(...templateProblems);

  const compiled: CompiledTip[] = [];
  if (templates.tip) {
    for (const tip of tips) {
      if (!cleanFiles.has(tip.file)) continue;
      const out = compileTip(tip, templates.tip);
      const tooBig = sizeProblem(tip.file, out.html);
      if (tooBig) problems.push(tooBig);
      else compiled.push(out);
    }
  }
  const emails = compileSystemEmails(templates);
  for (const name of ["confirm", "welcome", "goodbye"] as const) {
    const email = emails[name];
    const tooBig = email && sizeProblem(path.join(emailsDir, `${name}.mjml`), email.html);
    if (tooBig) problems.push(tooBig);
  }

  if (problems.length > 0 || !emails.confirm || !emails.welcome || !emails.goodbye) {
    return { problems, tips };
  }
  return {
    problems,
    tips,
    bundle: {
      tips: compiled,
      emails: { confirm: emails.confirm, welcome: emails.welcome, goodbye: emails.goodbye },
    },
  };
}
