/**
 * The public archive's pages, in the brand's layout (brand.ts): the list of tips (GET /tips) and
 * one tip as a web page (GET /tips/{slug}). A tip page is a page, not the email: a <main>, no
 * preheader, no "view in browser" link to itself, its links to other tips as links, and a call to
 * subscribe; a reader's own copy (from their email) has their preferences and unsubscribe links
 * instead, and no signup.
 */
import { type PlacedTip, tipPath } from "../core/archive.js";
import { escapeHtml } from "../core/fill.js";
import { dayOf } from "../core/schedule.js";
import type { ArchiveTip } from "../core/types.js";
import { brand, page } from "./brand.js";
import { tipLabel } from "./site-brand.js";

/**
 * An archive tip as the build writes it (compiler/check.ts): also who wrote it and the expert
 * whose point it rests on (front matter `author`, `expert`), and its social card's path.
 */
export type CreditedTip = ArchiveTip & {
  author?: string;
  expert?: string;
  /** The tip's Open Graph card, a path under /assets/. */
  card?: string;
};

/** "Written by …" and "Expert: …", when the tip names them. */
export function byline(tip: ArchiveTip): string {
  const { author, expert } = tip as CreditedTip;
  const parts = [
    author ? `Written by <span class="author">${escapeHtml(author)}</span>` : "",
    expert ? `Expert: <span class="expert">${escapeHtml(expert)}</span>` : "",
  ].filter((p) => p !== "");
  return parts.length === 0 ? "" : `<p class="byline">${parts.join(" · ")}</p>`;
}

function date(day: string): string {
  return `<time datetime="${escapeHtml(day)}">${escapeHtml(dayOf(new Date(`${day}T00:00:00Z`)))}</time>`;
}

function tags(tip: ArchiveTip): string {
  return `<ul class="tags" aria-label="Tags">${tip.tags.map((t) => `<li>${escapeHtml(t)}</li>`).join("")}</ul>`;
}

function meta(tip: ArchiveTip): string {
  const parts = [
    tip.publishedAt ? date(tip.publishedAt) : "",
    `${tip.readingMinutes || 1} min read`,
  ].filter((p) => p !== "");
  return parts.join(" · ");
}

const SUBSCRIBE_CALL = `<section class="cta" aria-labelledby="cta-title">
<h2 id="cta-title">Get a tip like this every week</h2>
<p>${escapeHtml(brand.tagline)} Free, and one click to leave.</p>
<a class="button" href="/#signup">Sign up for the weekly tip</a>
</section>`;

export function archivePage(tips: readonly PlacedTip[], baseUrl?: string): string {
  const list =
    tips.length === 0
      ? "<p>The first tip is on its way. Sign up and it comes straight to your inbox.</p>"
      : `<ol class="tips">
${tips
  .map(
    (tip) => `<li>
<p class="eyebrow">${escapeHtml(tipLabel(brand, tip.place))}</p>
<h2><a href="${escapeHtml(tipPath(tip.slug))}">${escapeHtml(tip.title)}</a></h2>
<p>${escapeHtml(tip.summary)}</p>
<p class="meta">${meta(tip)}</p>
${tags(tip)}
</li>`,
  )
  .join("\n")}
</ol>`;
  return page({
    title: "All tips",
    index: true,
    ...(baseUrl ? { canonical: `${baseUrl}/tips`, social: { baseUrl } } : {}),
    description: `Every tip of ${brand.name} so far, in the order subscribers get them.`,
    body: `<h1>All tips</h1>
<p>Every tip so far, in the order subscribers get them: one a week, each with one small action. Follow along by email, or in a feed reader with the <a href="/feed.xml">RSS feed</a>.</p>
${list}
${SUBSCRIBE_CALL}`,
  });
}

export interface TipPageOptions {
  /** Absolute base URL, for the canonical link. */
  baseUrl: string;
  /** Opened from the tip's own email (its view token): the reader's copy, no signup. */
  readerCopy?: boolean;
  previous?: PlacedTip;
  next?: PlacedTip;
}

export function tipPage(tip: PlacedTip, options: TipPageOptions): string {
  const pager = [
    options.previous
      ? `<a href="${escapeHtml(tipPath(options.previous.slug))}" rel="prev">← #${options.previous.place}: ${escapeHtml(options.previous.title)}</a>`
      : "<span></span>",
    options.next
      ? `<a href="${escapeHtml(tipPath(options.next.slug))}" rel="next">#${options.next.place}: ${escapeHtml(options.next.title)} →</a>`
      : "",
  ].join("\n");
  const reader = options.readerCopy
    ? `<section class="cta" aria-labelledby="yours-title">
<h2 id="yours-title">Your copy</h2>
<p>You get these tips by email. The email itself has your own links to pause, change your preferences or unsubscribe with one click.</p>
</section>`
    : "";
  return page({
    title: tip.title,
    // A reader's copy (with their token) is theirs alone: only the plain address is indexed.
    index: !options.readerCopy,
    reader: options.readerCopy === true,
    canonical: `${options.baseUrl}${tipPath(tip.slug)}`,
    description: tip.summary,
    social: {
      baseUrl: options.baseUrl,
      type: "article",
      ...((tip as CreditedTip).card ? { image: (tip as CreditedTip).card } : {}),
      imageAlt: `${tipLabel(brand, tip.place)}: ${tip.title}`,
    },
    body: `<article>
<p class="eyebrow">${escapeHtml(tipLabel(brand, tip.place))}</p>
<h1>${escapeHtml(tip.title)}</h1>
${byline(tip)}
<p class="meta">${meta(tip)}</p>
${tip.html}
${tags(tip)}
</article>
<nav class="pager" aria-label="More tips">
${pager}
</nav>
${reader || SUBSCRIBE_CALL}`,
  });
}
