/**
 * Compile: one tip's email. Its Markdown is rendered (render.ts) into the tip template, and its
 * text part is made from the Markdown tokens (text.ts), or from the body's HTML for the rarer
 * constructs that does not cover.
 */
import type { Token } from "marked";
import type { CompiledTip } from "../functions/core/types.js";
import { renderEmail, tipSubject } from "./email.js";
import { lex } from "./links.js";
import { renderMarkdown } from "./render.js";
import type { Tip } from "./schema.js";
import type { CompiledMjml } from "./templates.js";
import { htmlToText, markdownText } from "./text.js";

/** A tip's email, with the HTML of its own body (what the email-client checks look at). */
export type CompiledTipEmail = CompiledTip & { bodyHtml: string };

/** One tip's email: its Markdown rendered into the tip template. */
export function compileTip(tip: Tip, template: CompiledMjml, tokens?: Token[]): CompiledTipEmail {
  const subject = tipSubject(tip.order, tip.title);
  const lexed = tokens ?? lex(tip.body);
  const bodyHtml = renderMarkdown(tip.body, lexed);
  const email = renderEmail(
    template,
    { subject, preheader: tip.summary, order: String(tip.order), title: tip.title, body: bodyHtml },
    markdownText(lexed) ?? htmlToText(bodyHtml),
  );
  return {
    bodyHtml,
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
