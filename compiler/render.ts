/**
 * Markdown → email-safe HTML with marked. Raw HTML is never passed through (it is escaped;
 * the checker also rejects it), links are kept only for http(s)/mailto, relative links to other
 * tips become their plain label text, and every element gets inline styles because many email
 * clients ignore <style> blocks.
 */
import { Marked, type Token, type Tokens } from "marked";
import { escapeHtml } from "../functions/core/fill.js";
import { ASSET_PREFIX, assetUrl, type LocalImage } from "./images.js";
import { classifyHref } from "./links.js";

export const COLORS = {
  text: "#1f2933",
  muted: "#52606d",
  accent: "#c2410c",
  rule: "#e4e7eb",
  codeBg: "#f5f7fa",
} as const;

const STYLE: Record<string, string> = {
  p: "margin:0 0 16px 0;",
  h2: `margin:28px 0 12px 0;font-size:21px;line-height:1.3;font-weight:700;color:${COLORS.text};`,
  h3: `margin:24px 0 10px 0;font-size:18px;line-height:1.3;font-weight:700;color:${COLORS.text};`,
  h4: `margin:20px 0 8px 0;font-size:16px;line-height:1.3;font-weight:700;color:${COLORS.text};`,
  ul: "margin:0 0 16px 0;padding:0 0 0 24px;",
  ol: "margin:0 0 16px 0;padding:0 0 0 24px;",
  li: "margin:0 0 8px 0;",
  blockquote: `margin:0 0 16px 0;padding:4px 0 4px 16px;border-left:4px solid ${COLORS.accent};color:${COLORS.muted};`,
  pre: `margin:0 0 16px 0;padding:12px;background:${COLORS.codeBg};border-radius:4px;white-space:pre-wrap;font-size:14px;`,
  code: `font-family:Menlo,Consolas,monospace;font-size:14px;background:${COLORS.codeBg};`,
  hr: `border:none;border-top:1px solid ${COLORS.rule};margin:24px 0;`,
  table: "border-collapse:collapse;margin:0 0 16px 0;",
  th: `border:1px solid ${COLORS.rule};padding:6px 8px;text-align:left;`,
  td: `border:1px solid ${COLORS.rule};padding:6px 8px;`,
};

const LINK_STYLE = `color:${COLORS.accent};text-decoration:underline;`;
const IMAGE_STYLE =
  "display:block;width:100%;max-width:536px;height:auto;border:0;margin:0 0 16px 0;";

/** What the image renderer needs while one body renders (set only for that synchronous call). */
let rendering: { siteUrl: string; images: ReadonlyMap<string, LocalImage> } | undefined;

export interface RenderOptions {
  /** The site's base URL: images of the repository are linked absolutely under it. */
  siteUrl: string;
  /** The tip's checked images (images.ts), by the href written in the tip. */
  images: readonly LocalImage[];
}

function addStyles(html: string): string {
  return html.replace(
    /<(p|h2|h3|h4|ul|ol|li|blockquote|pre|code|hr|table|th|td)(\s[^>]*)?(\/?)>/g,
    (_m, tag: string, attrs: string | undefined, selfClose: string) => {
      const style = STYLE[tag] ?? "";
      const cls = tag === "table" ? ' class="data-table"' : "";
      return `<${tag}${attrs ?? ""}${cls} style="${style}"${selfClose}>`;
    },
  );
}

function createMarked(): Marked {
  return new Marked({
    gfm: true,
    async: false,
    renderer: {
      html({ text }: Tokens.HTML | Tokens.Tag) {
        return escapeHtml(text);
      },
      heading({ tokens, depth }: Tokens.Heading) {
        // The tip title is the email's only h1; body headings start at h2.
        const level = Math.min(Math.max(depth, 2), 4);
        return `<h${level}>${this.parser.parseInline(tokens)}</h${level}>\n`;
      },
      link({ href, title, tokens }: Tokens.Link) {
        const label = this.parser.parseInline(tokens);
        if (classifyHref(href) !== "external") return label;
        const titleAttr = title ? ` title="${escapeHtml(title)}"` : "";
        return `<a href="${escapeHtml(href.trim())}"${titleAttr} style="${LINK_STYLE}">${label}</a>`;
      },
      image({ href, text }: Tokens.Image) {
        const kind = classifyHref(href);
        const local = kind === "relative" ? rendering?.images.get(href.trim()) : undefined;
        if (local && rendering) {
          // An image of the repository: its PNG's absolute address (emails load nothing relative).
          const src = assetUrl(rendering.siteUrl, local.name);
          return `<img src="${escapeHtml(src)}" alt="${escapeHtml(text)}" width="${local.width}" height="${local.height}" style="${IMAGE_STYLE}">`;
        }
        if (kind !== "external") return escapeHtml(text);
        return `<img src="${escapeHtml(href.trim())}" alt="${escapeHtml(text)}" width="536" style="${IMAGE_STYLE}">`;
      },
    },
  });
}

const marked = createMarked();

/**
 * Renders a tip body (already validated) to inline-styled HTML. `tokens`, when given, are the
 * body already lexed by links.ts's lex() (the checks lex it first), so it is not lexed twice.
 */
export function renderMarkdown(body: string, tokens?: Token[], options?: RenderOptions): string {
  rendering = options
    ? { siteUrl: options.siteUrl, images: new Map(options.images.map((i) => [i.href, i])) }
    : undefined;
  try {
    const html = tokens ? marked.parser(tokens) : marked.parse(body, { async: false });
    return addStyles(html).trim();
  } finally {
    rendering = undefined;
  }
}

/**
 * A rendered body for the web (the archive's tip pages): the same HTML without the inline styles
 * the email needs, so the page's stylesheet (light and dark) styles it. Every attribute value was
 * escaped when rendered, so a style attribute ends at its first `"`.
 */
export function webHtml(emailHtml: string, siteUrl?: string): string {
  const html = emailHtml.replace(/ style="[^"]*"/g, "");
  // Images of the repository: the page loads them from its own site, wherever that is served.
  if (!siteUrl) return html;
  const absolute = escapeHtml(assetUrl(siteUrl, ""));
  return html.replaceAll(`src="${absolute}`, `src="${ASSET_PREFIX}`);
}
