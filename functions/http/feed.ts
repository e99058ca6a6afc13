/**
 * The feed: RSS 2.0 of the tips that are out (GET /feed.xml), and the XSL stylesheet that makes it
 * read as a page of the site in a browser (GET /feed.xsl, referenced by `<?xml-stylesheet?>`; a
 * feed reader ignores it). Every item has its date (`pubDate`: the tip's `publishedAt`, else the
 * day the newsletter launched, from the brand file); every address in it is absolute, the
 * images and links of the tips' bodies too. The name, words and colours are the brand's.
 */
import { type PlacedTip, rfc822, tipPath } from "../core/archive.js";
import { escapeHtml } from "../core/fill.js";
import type { ArchiveTip } from "../core/types.js";
import { brand } from "../generated/brand.js";
import { tipLabel } from "./site-brand.js";

/** The stylesheet's address on the site. */
export const FEED_STYLESHEET = "/feed.xsl";

/** Text for XML: the five predefined entities (escapeHtml writes `'` as &#39;, also valid XML). */
const xml = escapeHtml;

/** Characters XML 1.0 does not allow, even escaped. */
function xmlChars(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    const allowed =
      c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c !== 0xfffe && c !== 0xffff);
    if (allowed) out += ch;
  }
  return out;
}

/** The day a tip went out: its own date, else the newsletter's launch. */
export const dayOf = (tip: Pick<ArchiveTip, "publishedAt">) => tip.publishedAt ?? brand.launched;

/** A body's site-relative addresses (`/assets/…`, `/tips/…`) made absolute under `base`. */
export function absoluteUrls(html: string, base: string): string {
  return html.replace(/(\s(?:src|href)=")\/(?!\/)/g, `$1${escapeHtml(base)}/`);
}

/**
 * The RSS 2.0 feed (with Atom's self link and the full text in content:encoded) of `tips`, which
 * are out already: newest first, by date, then by order.
 */
export function rssFeed(baseUrl: string, tips: readonly PlacedTip[]): string {
  const base = baseUrl.replace(/\/+$/, "");
  const newest = [...tips].sort((a, b) => dayOf(b).localeCompare(dayOf(a)) || b.order - a.order);
  const latest = newest[0];
  const items = newest.map((tip) => {
    const link = `${base}${tipPath(tip.slug)}`;
    return [
      "    <item>",
      `      <title>${xml(`${tipLabel(brand, tip.place)}: ${tip.title}`)}</title>`,
      `      <link>${xml(link)}</link>`,
      `      <guid isPermaLink="true">${xml(link)}</guid>`,
      `      <description>${xml(tip.summary)}</description>`,
      `      <content:encoded>${xml(absoluteUrls(tip.html, base))}</content:encoded>`,
      `      <pubDate>${rfc822(dayOf(tip))}</pubDate>`,
      ...tip.tags.map((tag) => `      <category>${xml(tag)}</category>`),
      "    </item>",
    ].join("\n");
  });
  return xmlChars(`<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="${FEED_STYLESHEET}"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>${xml(brand.name)}</title>
    <link>${xml(`${base}/tips`)}</link>
    <description>${xml(brand.tagline)}</description>
    <language>en</language>
    <atom:link href="${xml(`${base}/feed.xml`)}" rel="self" type="application/rss+xml"/>
${latest ? `    <lastBuildDate>${rfc822(dayOf(latest))}</lastBuildDate>\n` : ""}${items.join("\n")}
  </channel>
</rss>
`);
}

let stylesheet: string | undefined;

/**
 * The feed as a page: the brand's header and colours (light and dark), what a feed is and how to
 * follow it, then each tip with its date, summary and a link to its page. XSLT 1.0, which
 * browsers run; no script.
 */
export function feedStylesheet(): string {
  if (stylesheet) return stylesheet;
  const { light, dark } = brand.colors;
  const css = `
:root{color-scheme:light dark}
body{margin:0;background:${light.page};color:${light.text};font:16px/1.6 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
.wrap{max-width:600px;margin:0 auto;padding:0 12px}
header{text-align:center;padding:28px 12px 16px}
.brand{color:${light.accent};font-size:14px;font-weight:700;letter-spacing:1px;text-transform:uppercase;text-decoration:none}
main{background:${light.card};border-radius:8px;padding:32px}
h1{margin:0 0 16px;font-size:26px;line-height:1.25}
h2{margin:0 0 6px;font-size:20px;line-height:1.3}
a{color:${light.accent}}
h2 a{color:${light.text};text-decoration:none}
h2 a:hover{text-decoration:underline}
.about{padding:12px 14px;border-left:4px solid ${light.accent};background:${light.code};margin:0 0 24px}
.about p{margin:0 0 8px}.about p:last-child{margin:0}
code{font-family:Menlo,Consolas,monospace;font-size:14px;overflow-wrap:anywhere}
ol{list-style:none;padding:0;margin:0}
li{padding:20px 0;border-top:1px solid ${light.rule}}
li:first-child{border-top:0;padding-top:4px}
.eyebrow{margin:0 0 6px;font-size:13px;font-weight:700;letter-spacing:1px;text-transform:uppercase;color:${light.accent}}
.meta{font-size:13px;color:${light.muted};margin:6px 0 0}
p{margin:0}
footer{text-align:center;padding:24px 12px 40px;font-size:13px;color:${light.muted}}
@media (prefers-color-scheme:dark){body{background:${dark.page};color:${dark.text}}main{background:${dark.card}}.brand,a,.eyebrow{color:${dark.accent}}h2 a{color:${dark.text}}.about{background:${dark.code};border-color:${dark.accent}}li{border-color:${dark.rule}}.meta,footer{color:${dark.muted}}}
@media (max-width:480px){body{font-size:17px}main{padding:24px 20px}h1{font-size:24px}.wrap{padding:0 8px}.brand{font-size:12px}}
`
    .trim()
    .replace(/\n/g, "");
  stylesheet = `<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat"/>
  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <meta name="robots" content="noindex"/>
        <title>RSS feed · <xsl:value-of select="/rss/channel/title"/></title>
        <style>${xml(css)}</style>
      </head>
      <body>
        <div class="wrap">
          <header><a class="brand" href="/"><xsl:value-of select="/rss/channel/title"/></a></header>
          <main>
            <h1>The RSS feed</h1>
            <div class="about">
              <p>This is the RSS feed of <xsl:value-of select="/rss/channel/title"/>. Copy its address into a feed reader to get each new tip there.</p>
              <p><code><xsl:value-of select="/rss/channel/atom:link/@href" xmlns:atom="http://www.w3.org/2005/Atom"/></code></p>
              <p>Rather have them by email? <a href="/">Sign up</a>, or <a href="/tips">read every tip so far</a>.</p>
            </div>
            <ol>
              <xsl:for-each select="/rss/channel/item">
                <li>
                  <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
                  <p><xsl:value-of select="description"/></p>
                  <p class="meta"><xsl:value-of select="substring(pubDate, 6, 11)"/></p>
                </li>
              </xsl:for-each>
            </ol>
          </main>
          <footer><xsl:value-of select="/rss/channel/description"/></footer>
        </div>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
`;
  return stylesheet;
}
