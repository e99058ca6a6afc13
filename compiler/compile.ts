/**
 * Compile: one tip's email. Its Markdown is rendered (render.ts) into the tip template, and its
 * text part is made from the Markdown tokens (text.ts), or from the body's HTML for the rarer
 * constructs that does not cover.
 */
import type { Token } from "marked";
import type { CompiledTip } from "../functions/core/types.js";
import type { SiteBrand } from "../functions/http/site-brand.js";
import { renderEmail, tipSubjectTemplate } from "./email.js";
import type { LocalImage } from "./images.js";
import { lex } from "./links.js";
import { renderMarkdown } from "./render.js";
import type { Tip } from "./schema.js";
import type { CompiledMjml } from "./templates.js";
import { htmlToText, markdownText } from "./text.js";

/**
 * A tip's email, with the HTML of its own body (what the email-client checks look at) and the
 * body as the web shows it (its links to other tips are links there).
 */
export type CompiledTipEmail = CompiledTip & { bodyHtml: string; webBodyHtml: string };

export interface CompileOptions {
  /** The site's base URL, for the absolute addresses of the tip's images. */
  siteUrl: string;
  /** The tip's checked images of the repository (images.ts). */
  images: readonly LocalImage[];
  /** The newsletter's brand: the subject's topic phrase, the body's colours. */
  brand: SiteBrand;
}

/** "Written by …" and "Expert: …" from the front matter, joined; empty when it names neither. */
export function byline(tip: Pick<Tip, "author" | "expert">): string {
  return [tip.author ? `Written by ${tip.author}` : "", tip.expert ? `Expert: ${tip.expert}` : ""]
    .filter((part) => part !== "")
    .join(" · ");
}

/** One tip's email: its Markdown rendered into the tip template. */
export function compileTip(
  tip: Tip,
  template: CompiledMjml,
  tokens: Token[] | undefined,
  options: CompileOptions,
): CompiledTipEmail {
  const subject = tipSubjectTemplate(tip.title, options.brand);
  const lexed = tokens ?? lex(tip.body);
  const render = { siteUrl: options.siteUrl, images: options.images, file: tip.file };
  const bodyHtml = renderMarkdown(tip.body, lexed, {
    ...render,
    colors: options.brand.colors.light,
  });
  const webBodyHtml = renderMarkdown(tip.body, lexed, { ...render, links: "web" });
  const email = renderEmail(
    template,
    {
      subject,
      preheader: tip.summary,
      title: tip.title,
      byline: byline(tip),
      body: bodyHtml,
    },
    markdownText(lexed) ?? htmlToText(bodyHtml),
  );
  return {
    bodyHtml,
    webBodyHtml,
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
