/**
 * The review report (`npm run preview -- --all`): one static page, <out>/index.html, with every
 * tip's email and each system email at desktop, mobile and dark (screenshots from Chromium), the
 * inbox row, the text part, the size and the checks, so whoever reviews a pull request sees what
 * subscribers will get. Each email's files are in <out>/<name>/. Without Chromium, the page
 * shows the emails in frames instead of screenshots and says why.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CheckResult } from "../compiler/check.js";
import { SYSTEM_EMAIL_NAMES } from "../compiler/templates.js";
import { escapeHtml as esc } from "../functions/core/fill.js";
import type { CompiledTemplate } from "../functions/core/types.js";
import { emailMain, indexMain, layout, type ViewKind } from "./page.js";
import { BUILT_SITE_URL, type FilledEmail, sampleEmail } from "./sample.js";
import { drawnOrBuilt, screenshotEmails } from "./screenshots.js";

const SHOT_FOR: Partial<Record<ViewKind, string>> = {
  desktop: "desktop-600.png",
  mobile: "mobile-375.png",
  "desktop-dark": "dark-600.png",
};

/** One email of the report: what emailMain shows, and its name. */
type Entry = { name: string } & Omit<Parameters<typeof emailMain>[0], "view" | "root" | "from">;

/** A system email (confirm, welcome, goodbye) as the report and the studio show it. */
export function templateEntry(
  result: CheckResult,
  emailsDir: string,
  name: (typeof SYSTEM_EMAIL_NAMES)[number],
): Entry {
  const compiled: CompiledTemplate | undefined = result.emails[name];
  const file = path.join(emailsDir, `${name}.mjml`);
  return {
    name,
    heading: `${name} email (emails/${name}.mjml)`,
    ...(compiled ? { email: sampleEmail(compiled, name, BUILT_SITE_URL) } : {}),
    problems: result.problems.filter((p) => p.file.endsWith(".mjml")),
    warnings: result.warnings.filter((p) => p.file === file),
    ...(compiled
      ? { size: { html: Buffer.byteLength(compiled.html), text: Buffer.byteLength(compiled.text) } }
      : {}),
  };
}

/** Writes <out>/<name>/email.html and email.txt for one filled email. */
export function writeEmailFiles(out: string, name: string, email: FilledEmail): string[] {
  const dir = path.join(out, name);
  mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, "email.html"), path.join(dir, "email.txt")];
  writeFileSync(files[0] as string, email.html);
  writeFileSync(files[1] as string, `Subject: ${email.subject}\n\n${email.text}`);
  return files;
}

export async function writeReview(options: {
  result: CheckResult;
  out: string;
  emailsDir: string;
  root: string;
  /** Chromium to take the screenshots with, or why there is none. */
  chromium: { path: string } | { reason: string };
}): Promise<{ index: string; files: string[] }> {
  const { result, out, root } = options;
  const entries: Entry[] = result.reports.map((r) => ({
    name: r.name,
    heading: r.tip ? `#${r.tip.order} ${r.tip.title}` : `${r.name}.md`,
    // What ships: a tip with errors shows them alone here (the studio previews drafts).
    email:
      r.problems.length === 0 && r.email
        ? sampleEmail(r.email, r.tip?.slug ?? r.name, BUILT_SITE_URL)
        : undefined,
    problems: r.problems,
    warnings: r.warnings,
    reading: r.reading,
    size: r.size,
  }));
  for (const name of SYSTEM_EMAIL_NAMES) {
    entries.push(templateEntry(result, options.emailsDir, name));
  }
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  const built = entries.filter((e) => e.email && e.problems.length === 0);
  for (const e of built) files.push(...writeEmailFiles(out, e.name, e.email as FilledEmail));
  const shots = "path" in options.chromium;
  if ("path" in options.chromium) {
    files.push(
      ...(await screenshotEmails(
        options.chromium.path,
        built.map((e) => ({ html: (e.email as FilledEmail).html, dir: path.join(out, e.name) })),
        drawnOrBuilt(result.assets),
      )),
    );
  }
  const sections = entries.map((e) => {
    const view = (kind: ViewKind) => {
      const shot = SHOT_FOR[kind];
      if (!shot) return "";
      const src = `${encodeURIComponent(e.name)}/${shot}`;
      const width = kind.startsWith("mobile") ? 375 : 600;
      return shots
        ? `<a href="${src}"><img src="${src}" width="${width}" alt="${esc(`${e.heading}, ${kind}`)}" loading="lazy"></a>`
        : kind.endsWith("dark")
          ? ""
          : `<iframe src="${encodeURIComponent(e.name)}/email.html" width="${width}" title="${esc(kind)}" sandbox></iframe>`;
    };
    return `<section id="${esc(e.name)}">${emailMain({ ...e, view, root, from: result.brand.sender })}</section>`;
  });
  const summary = indexMain({
    reports: result.reports,
    templates: SYSTEM_EMAIL_NAMES.map((name) => ({
      name,
      problems: 0,
      warnings: result.warnings.filter(
        (p) => p.file === path.join(options.emailsDir, `${name}.mjml`),
      ).length,
    })),
    href: (name) => `#${name}`,
    general: result.problems.filter((p) => !p.file.endsWith(".md")),
    root,
  });
  const note = shots
    ? ""
    : `<p class="warn">No screenshots: ${esc((options.chromium as { reason: string }).reason)}. The emails are shown in frames instead.</p>`;
  const index = path.join(out, "index.html");
  writeFileSync(
    index,
    layout({
      title: "Review report",
      page: "report",
      main: `${note}${summary}${sections.join("\n")}`,
      live: false,
    }),
  );
  files.push(index);
  return { index, files };
}
