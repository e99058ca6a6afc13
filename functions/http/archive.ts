/**
 * The public archive and feed, GET only:
 *
 *   GET /tips               every tip that is out (publishedAt today or earlier, or none)
 *   GET /tips/{slug}        one tip as a page; ?token=<view token> (the emails' "view in browser"
 *                           link) makes it the reader's copy: no signup, never cached
 *   GET /feed.xml           RSS 2.0 of the same tips, dated, absolute links (feed.ts)
 *   GET /feed.xsl           the stylesheet that shows the feed as a page in a browser
 *   GET /view/{slug}        the address of emails already sent: 301 to /tips/{slug}, query kept
 *
 * A tip held back (dated after today) answers exactly as a slug that does not exist (404, the
 * same page) at every path, except to the holder of its view token, which only the email of that
 * tip carries: the token names the tip, not the reader, and can do nothing but show it. Public
 * answers may be cached for 5 minutes; a page with a token never is.
 */
import { isPublished, placedTips, placeIn, tipPath, utcDay } from "../core/archive.js";
import { NotFoundError } from "../core/errors.js";
import type { ArchiveTip } from "../core/types.js";
import { archivePage, tipPage } from "./archive-pages.js";
import type { AppDeps } from "./deps.js";
import { FEED_STYLESHEET, feedStylesheet, rssFeed } from "./feed.js";
import { type Event, query } from "./request.js";
import { HSTS, html, type Result, redirect } from "./respond.js";

const PUBLIC_CACHE = "public, max-age=300";

/** What every path says for a tip it does not show: the same as for a slug that never existed. */
const notFound = () => new NotFoundError("There is no tip at this address.");

export async function getTips(_event: Event, deps: AppDeps): Promise<Result> {
  const tips = placedTips(deps.content.archive, deps.clock.now()).map((tip) =>
    withHeldLinks(tip, deps),
  );
  return html(200, archivePage(tips, deps.site.baseUrl), {
    headers: { "cache-control": PUBLIC_CACHE },
  });
}

/** Whether `token` is the view token of this tip; a bad one just means the public page. */
function isViewToken(deps: AppDeps, token: string | undefined, slug: string): boolean {
  if (token === undefined) return false;
  try {
    return deps.signer.verify(token, "view") === slug;
  } catch {
    return false;
  }
}

/**
 * The tip at `slug` if this request may see it: out already, or held back and asked for with its
 * view token. Anything else is the unknown slug's answer.
 */
function visibleTip(deps: AppDeps, slug: string, token: string | undefined) {
  const tip = deps.content.archive.find((candidate) => candidate.slug === slug);
  if (!tip) throw notFound();
  const readerCopy = isViewToken(deps, token, slug);
  if (readerCopy || isPublished(tip, utcDay(deps.clock.now()))) return { tip, readerCopy };
  throw notFound();
}

export async function getTip(event: Event, deps: AppDeps, slug: string): Promise<Result> {
  const token = query(event, "token");
  // A slug in other letters (/tips/Squats) of a tip this request may see: 301 to its address.
  // One it may not see answers as an unknown slug does.
  const lower = slug.toLowerCase();
  if (lower !== slug && seen(() => visibleTip(deps, lower, token))) {
    const search = event.rawQueryString ? `?${event.rawQueryString}` : "";
    return redirect(301, `/tips/${encodeURIComponent(lower)}${search}`, {});
  }
  const { tip, readerCopy } = visibleTip(deps, slug, token);
  const out = placedTips(deps.content.archive, deps.clock.now());
  const at = out.findIndex((t) => t.slug === tip.slug);
  const place = at >= 0 ? at + 1 : placeIn(out, tip.order);
  const body = tipPage(withHeldLinks({ ...tip, place }, deps), {
    baseUrl: deps.site.baseUrl,
    readerCopy,
    ...(at > 0 ? { previous: out[at - 1] } : {}),
    ...(at >= 0 && at < out.length - 1 ? { next: out[at + 1] } : {}),
  });
  return html(200, body, {
    imgSrc: "https:",
    ...(readerCopy ? {} : { headers: { "cache-control": PUBLIC_CACHE } }),
  });
}

/** Whether `find` finds what it looks for (it throws when not). */
function seen(find: () => unknown): boolean {
  try {
    find();
    return true;
  } catch {
    return false;
  }
}

/**
 * A tip whose links to other tips that are still held back are their plain words: a page never
 * points at a tip that is not out (the link would only find the unknown slug's answer).
 */
function withHeldLinks<T extends ArchiveTip>(tip: T, deps: AppDeps): T {
  const today = utcDay(deps.clock.now());
  const held = new Set(
    deps.content.archive.filter((t) => !isPublished(t, today)).map((t) => tipPath(t.slug)),
  );
  if (held.size === 0 || !tip.html.includes('href="/tips/')) return tip;
  const html = tip.html.replace(
    /<a href="(\/tips\/[^"#?]+)"[^>]*>([\s\S]*?)<\/a>/g,
    (link, path: string, label: string) => (held.has(path) ? label : link),
  );
  return { ...tip, html };
}

export async function getFeed(_event: Event, deps: AppDeps): Promise<Result> {
  const tips = placedTips(deps.content.archive, deps.clock.now()).map((tip) =>
    withHeldLinks(tip, deps),
  );
  return {
    statusCode: 200,
    headers: {
      // application/xml, not application/rss+xml: browsers show the latter as plain text and
      // never apply its stylesheet; feed readers read either.
      "content-type": "application/xml; charset=utf-8",
      "x-content-type-options": "nosniff",
      "cache-control": PUBLIC_CACHE,
      "strict-transport-security": HSTS,
      // As a page: its own stylesheet (browsers load XSLT as a script) and the styles that
      // stylesheet writes, nothing else; never framed.
      "content-security-policy": `default-src 'none'; script-src ${deps.site.baseUrl.replace(/\/+$/, "")}${FEED_STYLESHEET}; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'`,
    },
    body: rssFeed(deps.site.baseUrl, tips),
  };
}

/** The feed's stylesheet (feed.ts): what makes /feed.xml a page in a browser. */
export async function getFeedStylesheet(): Promise<Result> {
  return {
    statusCode: 200,
    headers: {
      "content-type": "text/xsl; charset=utf-8",
      "x-content-type-options": "nosniff",
      "cache-control": PUBLIC_CACHE,
      "strict-transport-security": HSTS,
    },
    body: feedStylesheet(),
  };
}

/** The emails' old "view in browser" address: a permanent redirect, the query (token) kept. */
export async function getView(event: Event, deps: AppDeps, slug: string): Promise<Result> {
  visibleTip(deps, slug, query(event, "token"));
  const search = event.rawQueryString ? `?${event.rawQueryString}` : "";
  return redirect(301, `${deps.site.baseUrl}${tipPath(slug)}${search}`, {
    "referrer-policy": "same-origin",
  });
}
