/**
 * Markdown → email-safe HTML with marked. Raw HTML is never passed through (it is escaped;
 * the checker also rejects it), links are kept only for http(s)/mailto, and every element gets
 * inline styles in the brand's light colours, because many email clients ignore <style> blocks.
 * A relative link to another tip becomes its plain label text in an email (an email has no stable
 * address for it at build time) and a link to that tip's page on the web (`links: "web"`).
 */
import path from "node:path";
import { Marked, type Token, type Tokens } from "marked";
import { escapeHtml } from "../functions/core/fill.js";
import type { Palette } from "../functions/http/site-brand.js";
import { ASSET_PREFIX, assetUrl, type LocalImage } from "./images.js";
import { classifyHref, relativeTarget } from "./links.js";

/** The colours a body is drawn in (the brand's light scheme; dark clients restyle them). */
export type BodyColors = Pick<Palette, "text" | "muted" | "accent" | "rule" | "code">;

/** The inline style of each element, in the given colours. */
function styles(c: BodyColors): Record<string, string> {
  return {
    p: "margin:0 0 16px 0;",
    h2: `margin:28px 0 12px 0;font-size:21px;line-height:1.3;font-weight:700;color:${c.text};`,
    h3: `margin:24px 0 10px 0;font-size:18px;line-height:1.3;font-weight:700;color:${c.text};`,
    h4: `margin:20px 0 8px 0;font-size:16px;line-height:1.3;font-weight:700;color:${c.text};`,
    ul: "margin:0 0 16px 0;padding:0 0 0 24px;",
    ol: "margin:0 0 16px 0;padding:0 0 0 24px;",
    li: "margin:0 0 8px 0;",
    blockquote: `margin:0 0 16px 0;padding:4px 0 4px 16px;border-left:4px solid ${c.accent};color:${c.muted};`,
    pre: `margin:0 0 16px 0;padding:12px;background:${c.code};border-radius:4px;white-space:pre-wrap;font-size:14px;`,
    code: `font-family:Menlo,Consolas,monospace;font-size:14px;background:${c.code};`,
    hr: `border:none;border-top:1px solid ${c.rule};margin:24px 0;`,
    table: "border-collapse:collapse;margin:0 0 16px 0;",
    th: `border:1px solid ${c.rule};padding:6px 8px;text-align:left;`,
    td: `border:1px solid ${c.rule};padding:6px 8px;`,
  };
}

const IMAGE_STYLE =
  "display:block;width:100%;max-width:536px;height:auto;border:0;margin:0 0 16px 0;";

/** What the renderer needs while one body renders (set only for that synchronous call). */
let rendering:
  | {
      siteUrl: string;
      images: ReadonlyMap<string, LocalImage>;
      linkStyle: string;
      /** The tip's own file, when its links to other tips become links (the web). */
      webLinksFrom?: string;
    }
  | undefined;

export interface RenderOptions {
  /** The site's base URL: images of the repository are linked absolutely under it. */
  siteUrl: string;
  /** The tip's checked images (images.ts), by the href written in the tip. */
  images: readonly LocalImage[];
  /** The brand's light colours (content/newsletter.yml); the defaults are neutral greys. */
  colors?: BodyColors;
  /**
   * "web": a link to another tip becomes a link to its page (/tips/<slug>), resolved from `file`;
   * "email" (the default): it becomes its label.
   */
  links?: "email" | "web";
  /** The tip's own file (where its relative links start). */
  file?: string;
}

const NEUTRAL: BodyColors = {
  text: "#1f2933",
  muted: "#52606d",
  accent: "#1f2933",
  rule: "#d3d8de",
  code: "#f1f3f5",
};

function addStyles(html: string, style: Record<string, string>): string {
  return html.replace(
    /<(p|h2|h3|h4|ul|ol|li|blockquote|pre|code|hr|table|th|td)(\s[^>]*)?(\/?)>/g,
    (_m, tag: string, attrs: string | undefined, selfClose: string) => {
      const cls = tag === "table" ? ' class="data-table"' : "";
      return `<${tag}${attrs ?? ""}${cls} style="${style[tag] ?? ""}"${selfClose}>`;
    },
  );
}

/** The web address of the tip a relative link points to: its file name is its slug. */
export function tipLinkPath(fromFile: string, href: string): string {
  const slug = path.basename(relativeTarget(fromFile, href), ".md");
  return `/tips/${encodeURIComponent(slug)}`;
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
        const kind = classifyHref(href);
        const titleAttr = title ? ` title="${escapeHtml(title)}"` : "";
        if (kind === "relative" && rendering?.webLinksFrom && /\.md([#?].*)?$/i.test(href.trim())) {
          const to = tipLinkPath(rendering.webLinksFrom, href);
          return `<a href="${escapeHtml(to)}"${titleAttr}>${label}</a>`;
        }
        if (kind !== "external") return label;
        return `<a href="${escapeHtml(href.trim())}"${titleAttr} style="${rendering?.linkStyle ?? ""}">${label}</a>`;
      },
      image({ href, text }: Tokens.Image) {
        const kind = classifyHref(href);
        const local = kind === "relative" ? rendering?.images.get(href.trim()) : undefined;
        if (local && rendering?.siteUrl) {
          // An image of the repository: its PNG's absolute address (emails load nothing relative).
          const src = assetUrl(rendering.siteUrl, local.name);
          return `<img src="${escapeHtml(src)}" alt="${escapeHtml(text)}" width="${local.width}" height="${local.height}" style="${IMAGE_STYLE}">`;
        }
        // Never another site's image (the check refuses one): only its words.
        return escapeHtml(text);
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
  const colors = options?.colors ?? NEUTRAL;
  rendering = {
    siteUrl: options?.siteUrl ?? "",
    images: new Map((options?.images ?? []).map((i) => [i.href, i])),
    linkStyle: `color:${colors.accent};text-decoration:underline;`,
    ...(options?.links === "web" && options.file ? { webLinksFrom: options.file } : {}),
  };
  try {
    const html = tokens ? marked.parser(tokens) : marked.parse(body, { async: false });
    return addStyles(html, styleFor(colors)).trim();
  } finally {
    rendering = undefined;
  }
}

const styleCache = new Map<string, Record<string, string>>();
function styleFor(colors: BodyColors): Record<string, string> {
  const key = JSON.stringify(colors);
  let style = styleCache.get(key);
  if (!style) {
    style = styles(colors);
    styleCache.set(key, style);
  }
  return style;
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
