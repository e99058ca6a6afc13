/**
 * The brand of every page: the emails' header, colours and type scale, as one page layout that any
 * page (signup, confirm, archive, a tip, an error, pages still to come) wraps its content in. The
 * name, the words and the colours are the brand file's (content/newsletter.yml, compiled into
 * functions/generated/brand.ts).
 *
 * No JavaScript, one inline stylesheet (the CSP allows inline styles only). Both colour schemes are
 * written out in full: light by default, dark under `prefers-color-scheme: dark`; nothing is left
 * to the browser's defaults, so every pair of colours is a pair we chose (the build checks each
 * text colour reaches 4.5:1 on its backgrounds, and axe-core checks the pages in both schemes).
 * From 320 px up: one column, fluid, no fixed widths.
 */
import { escapeHtml } from "../core/fill.js";
import { brand } from "../generated/brand.js";
import { siteAssets } from "./site-assets.js";
import type { Palette } from "./site-brand.js";

export { brand };

/** The newsletter's name, as every page shows it. */
export const SITE_NAME = brand.name;

/** The page's custom properties: the palette, and the form fields drawn from it. */
const vars = (p: Palette) =>
  Object.entries({ ...p, field: p.card, fieldBorder: p.muted })
    .map(([name, value]) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:${value}`)
    .join(";");

/** The type scale of the emails: 16 px body (17 px on phones), 26–28 px titles, 13 px small print. */
const STYLE = `
:root{color-scheme:light;${vars(brand.colors.light)}}
@media (prefers-color-scheme:dark){:root{color-scheme:dark;${vars(brand.colors.dark)}}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--page);color:var(--text);font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.6}
.wrap{max-width:600px;margin:0 auto;padding:0 12px}
.site-header{text-align:center;padding:28px 12px 16px}
.brand{color:var(--accent);font-size:14px;font-weight:700;letter-spacing:1px;text-transform:uppercase;text-decoration:none}
.brand:hover{text-decoration:underline}
.brand img{display:inline-block;vertical-align:middle;width:32px;height:32px;margin:0 10px 2px 0;border:0}
.site-nav{margin-top:6px;font-size:14px}
.site-nav a{color:var(--muted);margin:0 8px}
main{background:var(--card);border-radius:8px;padding:32px}
h1{margin:0 0 16px;font-size:26px;line-height:1.25;font-weight:800;color:var(--text)}
h2{margin:28px 0 12px;font-size:21px;line-height:1.3;font-weight:700}
h3{margin:24px 0 10px;font-size:18px;line-height:1.3;font-weight:700}
h4{margin:20px 0 8px;font-size:16px;line-height:1.3;font-weight:700}
p,ul,ol,pre,table,blockquote{margin:0 0 16px}
ul,ol{padding:0 0 0 24px}
li{margin:0 0 8px}
a{color:var(--accent);text-decoration:underline}
img{display:block;max-width:100%;height:auto;border:0;margin:0 0 16px}
blockquote{padding:4px 0 4px 16px;border-left:4px solid var(--accent);color:var(--muted)}
code{font-family:Menlo,Consolas,monospace;font-size:14px;background:var(--code);color:var(--text)}
pre{padding:12px;background:var(--code);border-radius:4px;white-space:pre-wrap;font-size:14px}
hr{border:0;border-top:1px solid var(--rule);margin:24px 0}
table{border-collapse:collapse;display:block;overflow-x:auto}
th,td{border:1px solid var(--rule);padding:6px 8px;text-align:left}
.eyebrow{margin:0 0 8px;font-size:13px;font-weight:700;letter-spacing:1px;text-transform:uppercase;color:var(--accent)}
.meta,.small{font-size:13px;color:var(--muted)}
.byline{margin:0 0 8px;font-size:14px;color:var(--muted)}
.byline span{color:var(--text);font-weight:600}
label{display:block;font-weight:600;margin-top:16px}
.optional{font-weight:400;color:var(--muted)}
input[type=email],input[type=text],select{display:block;width:100%;padding:10px;font:inherit;margin-top:4px;border:1px solid var(--field-border);border-radius:6px;background:var(--field);color:var(--text)}
button,.button{display:inline-block;margin-top:20px;padding:14px 28px;font:inherit;font-size:17px;font-weight:700;line-height:1.2;border:0;border-radius:6px;background:var(--button);color:var(--button-text);text-decoration:none;cursor:pointer}
button.destructive,button.secondary{background:transparent;color:var(--text);border:2px solid var(--text);padding:12px 26px}
button.destructive:hover,button.secondary:hover{background:var(--code)}
.leave{margin-top:36px;padding-top:8px;border-top:1px solid var(--rule)}
button:focus-visible,input:focus-visible,select:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.consent{font-size:14px;color:var(--muted);margin-top:12px}
.form-problem{padding:12px 14px;border-left:4px solid var(--accent);background:var(--code);font-weight:600}
input[aria-invalid=true],select[aria-invalid=true]{border:2px solid var(--accent)}
form{margin-bottom:20px}
.hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
.tips{list-style:none;padding:0;margin:0}
.tips li{margin:0;padding:20px 0;border-top:1px solid var(--rule)}
.tips li:first-child{border-top:0;padding-top:4px}
.tips h2{margin:0 0 6px;font-size:20px}
.tips h2 a{color:var(--text);text-decoration:none}
.tips h2 a:hover{text-decoration:underline}
.tips p{margin:0 0 6px}
.tags{list-style:none;padding:0;margin:8px 0 0;display:flex;flex-wrap:wrap;gap:6px}
.tags li{margin:0;padding:2px 10px;border:1px solid var(--rule);border-radius:999px;font-size:13px;color:var(--muted)}
.cta{margin-top:32px;padding-top:24px;border-top:1px solid var(--rule)}
.cta h2{margin-top:0}
.pager{display:flex;justify-content:space-between;gap:16px;flex-wrap:wrap;margin-top:24px;font-size:15px}
.site-footer{text-align:center;padding:24px 12px 40px;font-size:13px;color:var(--muted)}
.site-footer a{color:var(--muted)}
@media (max-width:480px){body{font-size:17px}main{padding:24px 20px}h1{font-size:24px}.wrap{padding:0 8px}.brand{font-size:12px;letter-spacing:.5px}}
`
  .trim()
  .replace(/\n/g, "");

export interface PageOptions {
  /** The page's own title; the site name follows it in <title>. */
  title: string;
  /** The content of <main>. */
  body: string;
  /** The meta description (public pages). */
  description?: string;
  /** Public pages (the archive) may be indexed; every other page says noindex. */
  index?: boolean;
  /** A subscriber's own page (their copy of a tip): the header offers no signup. */
  reader?: boolean;
  /** The page's canonical absolute URL (a tip reached with a reader's token points at its plain one). */
  canonical?: string;
  /** Extra trusted markup for <head> (e.g. the feed's alternate link). */
  head?: string;
  /**
   * Open Graph and Twitter card tags (link previews): the site's absolute base URL and the card's
   * path under /assets/ (default: the site's own card), with its alt text.
   */
  social?: { baseUrl: string; image?: string; imageAlt?: string; type?: "website" | "article" };
}

/** The favicon in SVG, a 32 px PNG for browsers without SVG icons, and the iOS home-screen icon. */
function icons(): string {
  return [
    `<link rel="icon" href="${escapeHtml(siteAssets.favicon)}" type="image/svg+xml">`,
    `<link rel="icon" href="${escapeHtml(siteAssets.faviconPng)}" sizes="32x32" type="image/png">`,
    `<link rel="apple-touch-icon" href="${escapeHtml(siteAssets.appleTouchIcon)}">`,
  ].join("\n");
}

/** og:* and twitter:* tags of a public page; every URL absolute, as link previews need. */
function socialTags(options: PageOptions): string {
  const social = options.social;
  if (!social) return "";
  const base = social.baseUrl.replace(/\/+$/, "");
  const image = `${base}${social.image ?? siteAssets.card}`;
  const tags: [string, string][] = [
    ["og:type", social.type ?? "website"],
    ["og:site_name", SITE_NAME],
    ["og:title", options.title],
    ...(options.description
      ? ([["og:description", options.description]] as [string, string][])
      : []),
    ["og:url", options.canonical ?? `${base}/`],
    ["og:image", image],
    ["og:image:type", "image/png"],
    ["og:image:width", "1200"],
    ["og:image:height", "630"],
    ["og:image:alt", social.imageAlt ?? `${SITE_NAME}: ${options.title}`],
  ];
  return [
    ...tags.map(([p, c]) => `<meta property="${p}" content="${escapeHtml(c)}">`),
    '<meta name="twitter:card" content="summary_large_image">',
  ].join("\n");
}

/** The one page layout: header, <main>, footer, in the brand. */
export function page(options: PageOptions): string {
  const head = [
    options.description
      ? `<meta name="description" content="${escapeHtml(options.description)}">`
      : "",
    options.index ? "" : '<meta name="robots" content="noindex">',
    options.canonical ? `<link rel="canonical" href="${escapeHtml(options.canonical)}">` : "",
    `<link rel="alternate" type="application/rss+xml" title="${escapeHtml(SITE_NAME)}" href="/feed.xml">`,
    icons(),
    socialTags(options),
    options.head ?? "",
  ]
    .filter((line) => line !== "")
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(options.title)} · ${escapeHtml(SITE_NAME)}</title>
${head}
<style>${STYLE}</style>
</head>
<body>
<div class="wrap">
<header class="site-header">
<a class="brand" href="/"><img src="${escapeHtml(siteAssets.logo)}" alt="" width="32" height="32">${escapeHtml(SITE_NAME)}</a>
<nav class="site-nav" aria-label="Site"><a href="/tips">All tips</a>${options.reader ? "" : '<a href="/">Sign up</a>'}<a href="/feed.xml">RSS feed</a></nav>
</header>
<main>
${options.body}
</main>
<footer class="site-footer">
<p>${escapeHtml(brand.tagline)} Free, and one click to leave.</p>
<p><a href="/privacy">Privacy: what we keep and why</a></p>
</footer>
</div>
</body>
</html>
`;
}
