/**
 * The public archive: which tips are out (a `publishedAt` of today or earlier, or none), and the
 * RSS 2.0 feed of them. Dates are calendar days in UTC: a tip dated 2026-03-02 appears from
 * 2026-03-02T00:00Z, in the Lambda and locally alike. The tips themselves were compiled at build
 * time (functions/generated/content.ts); only the date is looked at per request.
 */
import { escapeHtml } from "./fill.js";
import type { ArchiveTip } from "./types.js";

/** Today's date in UTC, YYYY-MM-DD. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Whether a tip is out on `today` (YYYY-MM-DD): no date, or a date of today or earlier. */
export function isPublished(tip: Pick<ArchiveTip, "publishedAt">, today: string): boolean {
  return tip.publishedAt === undefined || tip.publishedAt <= today;
}

/** The tips that are out, in the weekly sequence (by `order`). */
export function publishedTips(archive: readonly ArchiveTip[], now: Date): ArchiveTip[] {
  const today = utcDay(now);
  return archive.filter((tip) => isPublished(tip, today)).sort((a, b) => a.order - b.order);
}

export function tipPath(slug: string): string {
  return `/tips/${encodeURIComponent(slug)}`;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** RFC 822 date (RSS 2.0's format) of a YYYY-MM-DD day, at 00:00 GMT. */
export function rfc822(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  const dd = String(d.getUTCDate()).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]}, ${dd} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} 00:00:00 GMT`;
}

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

export interface FeedSite {
  /** Absolute base URL, no trailing slash. */
  baseUrl: string;
  title: string;
  description: string;
}

/**
 * The RSS 2.0 feed (with Atom's self link and the full text in content:encoded): newest first,
 * i.e. by date, then by order; every link absolute.
 */
export function rssFeed(site: FeedSite, tips: readonly ArchiveTip[]): string {
  const base = site.baseUrl.replace(/\/+$/, "");
  const newest = [...tips].sort(
    (a, b) => (b.publishedAt ?? "").localeCompare(a.publishedAt ?? "") || b.order - a.order,
  );
  const latest = newest.map((t) => t.publishedAt).find((d) => d !== undefined);
  const items = newest.map((tip) => {
    const link = `${base}${tipPath(tip.slug)}`;
    return [
      "    <item>",
      `      <title>${xml(`#${tip.order}: ${tip.title}`)}</title>`,
      `      <link>${xml(link)}</link>`,
      `      <guid isPermaLink="true">${xml(link)}</guid>`,
      `      <description>${xml(tip.summary)}</description>`,
      `      <content:encoded>${xml(tip.html)}</content:encoded>`,
      ...(tip.publishedAt ? [`      <pubDate>${rfc822(tip.publishedAt)}</pubDate>`] : []),
      ...tip.tags.map((tag) => `      <category>${xml(tag)}</category>`),
      "    </item>",
    ].join("\n");
  });
  return xmlChars(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>${xml(site.title)}</title>
    <link>${xml(`${base}/tips`)}</link>
    <description>${xml(site.description)}</description>
    <language>en</language>
    <atom:link href="${xml(`${base}/feed.xml`)}" rel="self" type="application/rss+xml"/>
${latest ? `    <lastBuildDate>${rfc822(latest)}</lastBuildDate>\n` : ""}${items.join("\n")}
  </channel>
</rss>
`);
}
