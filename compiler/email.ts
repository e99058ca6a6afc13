/**
 * Email: one email from a compiled template and its values. The build-time tokens of the
 * template's HTML are filled (escaped, except the already rendered body), and the text part is
 * the template's precomputed text with the same values, the body's own text in place of
 * `%%body%%`. Also the subjects, the system emails, and the size limit. Light on purpose (no
 * Markdown or HTML libraries), so a check whose tips are all cached never loads them.
 */
import { escapeHtml } from "../functions/core/fill.js";
import type { CompiledTemplate, CompiledTip, SystemEmails } from "../functions/core/types.js";
import { type SiteBrand, tipLabel } from "../functions/http/site-brand.js";
import { type Problem, problem } from "./problems.js";
import {
  type CompiledMjml,
  fillTokens,
  SYSTEM_EMAIL_NAMES,
  type SystemEmailName,
} from "./templates.js";

/**
 * The compiled HTML of one email may be at most this many bytes. Gmail clips messages over
 * ~102 KB ("[Message clipped]"), which would also hide the unsubscribe link; 40 KB keeps an
 * email quick to load on a phone, with room for filled placeholders and the headers SES adds.
 */
export const HTML_MAX_BYTES = 40 * 1024;

/** The subjects and preheaders of the system emails, with the newsletter's name and tagline. */
export function systemCopy(
  brand: Pick<SiteBrand, "name" | "tagline">,
): Record<SystemEmailName, { subject: string; preheader: string }> {
  return {
    confirm: {
      subject: `Confirm your subscription to ${brand.name}`,
      preheader: "One tap to start getting a tip every week. The link expires in 7 days.",
    },
    welcome: {
      subject: `Welcome to ${brand.name}`,
      preheader: `You're confirmed. ${brand.tagline}`,
    },
    already: {
      subject: `You're already subscribed to ${brand.name}`,
      preheader: "Nothing to confirm, nothing changed. Your preferences are one tap away.",
    },
    goodbye: {
      subject: `You're unsubscribed from ${brand.name}`,
      preheader: "You won't get any more emails from us. Thanks for training with us.",
    },
    finished: {
      subject: `You've finished ${brand.name}`,
      preheader: "Every tip so far, in one list, and what happens next.",
    },
  };
}

/**
 * A tip's subject as a reader reads it: "<topic.tip> #3: <title>", 3 being their own place in the
 * series (the longest a subject gets is with the highest number: the tip's order or more).
 */
export function tipSubject(number: number, title: string, brand: Pick<SiteBrand, "topic">): string {
  return `${tipLabel(brand, number)}: ${title}`;
}

/** The subject as compiled: the number is the reader's, filled at send time. */
export function tipSubjectTemplate(title: string, brand: Pick<SiteBrand, "topic">): string {
  return `${brand.topic.tip} #{{tip_number}}: ${title}`;
}

/**
 * Fills the build-time tokens. `body` is HTML already (rendered Markdown); every other value is
 * plain text, escaped for the HTML and written as is in the text part.
 */
export function renderEmail(
  template: CompiledMjml,
  values: { subject: string; preheader: string } & Record<string, string>,
  /** The body's text part, required with a `body` (compile.ts makes it from the Markdown). */
  bodyText?: string,
): CompiledTemplate {
  const escaped: Record<string, string> = {};
  const plain: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === "body" && bodyText === undefined)
      throw new Error("renderEmail: a body needs its text");
    escaped[key] = key === "body" ? value : escapeHtml(value);
    plain[key] = key === "body" ? (bodyText ?? "").trimEnd() : value;
  }
  const html = fillTokens(template.html, escaped);
  const text = fillTokens(template.text, plain);
  return { subject: values.subject, preheader: values.preheader, html, text };
}

export function htmlBytes(html: string): number {
  return Buffer.byteLength(html, "utf8");
}

export function sizeProblem(file: string, html: string): Problem | undefined {
  const bytes = htmlBytes(html);
  if (bytes <= HTML_MAX_BYTES) return undefined;
  return problem(
    file,
    `compiled email is ${(bytes / 1024).toFixed(1)} KB of HTML (limit ${HTML_MAX_BYTES / 1024} KB; Gmail clips at ~102 KB)`,
    "shorten the tip (fewer lists, tables and links help most) or the template",
  );
}

/** The most tips the finished email lists: a year of them keeps the email well under the size limit. */
export const SERIES_LIST_MAX = 52;

/**
 * The finished email's list of the tips a reader had, each linking to its page; of a longer
 * series, the last SERIES_LIST_MAX (the archive has them all).
 */
function seriesList(
  tips: readonly Pick<CompiledTip, "slug" | "title">[],
  brand: Pick<SiteBrand, "colors">,
) {
  const style = `color:${brand.colors.light.accent};text-decoration:underline;`;
  const first = Math.max(0, tips.length - SERIES_LIST_MAX);
  const shown = tips.slice(first);
  const lead =
    first === 0
      ? "Here is everything you have worked through, week by week:"
      : `You have worked through all ${tips.length} tips. Here are the last ${shown.length}, week by week:`;
  const items = shown
    .map(
      (t) =>
        `<li style="margin:0 0 6px 0;"><a href="{{site_url}}/tips/${encodeURIComponent(t.slug)}" style="${style}">${escapeHtml(t.title)}</a></li>`,
    )
    .join("");
  const start = first === 0 ? "" : ` start="${first + 1}"`;
  const html = `<p style="margin:0 0 16px 0;">${lead}</p><ol${start} style="margin:0 0 16px 0;padding:0 0 0 24px;">${items}</ol>`;
  const text = [lead, "", ...shown.map((t, i) => `${first + i + 1}. ${t.title}`)].join("\n");
  return { html, text };
}

export function compileSystemEmails(
  templates: Partial<Record<SystemEmailName, CompiledMjml>>,
  brand: Pick<SiteBrand, "name" | "tagline" | "colors">,
  tips: readonly Pick<CompiledTip, "slug" | "title">[] = [],
): Partial<SystemEmails> {
  const emails: Partial<SystemEmails> = {};
  const copy = systemCopy(brand);
  for (const name of SYSTEM_EMAIL_NAMES) {
    const template = templates[name];
    if (!template) continue;
    if (name === "finished") {
      const list = seriesList(tips, brand);
      emails[name] = renderEmail(template, { ...copy[name], body: list.html }, list.text);
    } else {
      emails[name] = renderEmail(template, copy[name]);
    }
  }
  return emails;
}
