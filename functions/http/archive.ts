/**
 * The public archive and feed, GET only:
 *
 *   GET /tips               every tip that is out (publishedAt today or earlier, or none)
 *   GET /tips/{slug}        one tip as a page; ?token=<view token> (the emails' "view in browser"
 *                           link) shows it before its date too, and is never cached
 *   GET /feed.xml           RSS 2.0 of the same tips, absolute links
 *   GET /view/{slug}        the address of emails already sent: 301 to /tips/{slug}, query kept
 *
 * A tip held back (dated after today) is a 404 for everyone but the holder of its view token, which
 * only the email of that tip carries: the token names the tip, not the reader, and can do nothing
 * but show it. Public answers may be cached for 5 minutes; a page with a token never is.
 */
import { isPublished, publishedTips, rssFeed, tipPath, utcDay } from "../core/archive.js";
import { NotFoundError } from "../core/errors.js";
import { archivePage, tipPage } from "./archive-pages.js";
import { SITE_NAME } from "./brand.js";
import type { AppDeps } from "./deps.js";
import { type Event, query } from "./request.js";
import { HSTS, html, type Result } from "./respond.js";

const PUBLIC_CACHE = "public, max-age=300";

export async function getTips(_event: Event, deps: AppDeps): Promise<Result> {
  const tips = publishedTips(deps.content.archive, deps.clock.now());
  return html(200, archivePage(tips, deps.site.baseUrl), {
    headers: { "cache-control": PUBLIC_CACHE },
  });
}

export async function getTip(event: Event, deps: AppDeps, slug: string): Promise<Result> {
  const tip = deps.content.archive.find((candidate) => candidate.slug === slug);
  const token = validViewToken(deps, query(event, "token"), slug);
  const today = utcDay(deps.clock.now());
  if (!tip || (!isPublished(tip, today) && token === undefined)) {
    throw new NotFoundError("There is no tip at this address.");
  }
  const out = publishedTips(deps.content.archive, deps.clock.now());
  const at = out.findIndex((t) => t.slug === tip.slug);
  const { baseUrl } = deps.site;
  const body = tipPage(tip, {
    baseUrl,
    ...(at > 0 ? { previous: out[at - 1] } : {}),
    ...(at >= 0 && at < out.length - 1 ? { next: out[at + 1] } : {}),
  });
  return html(200, body, {
    imgSrc: "https:",
    ...(token ? {} : { headers: { "cache-control": PUBLIC_CACHE } }),
  });
}

export async function getFeed(_event: Event, deps: AppDeps): Promise<Result> {
  const tips = publishedTips(deps.content.archive, deps.clock.now());
  const body = rssFeed(
    {
      baseUrl: deps.site.baseUrl,
      title: SITE_NAME,
      description: "One strength-training tip for runners, every week.",
    },
    tips,
  );
  return {
    statusCode: 200,
    headers: {
      "content-type": "application/rss+xml; charset=utf-8",
      "x-content-type-options": "nosniff",
      "cache-control": PUBLIC_CACHE,
      "strict-transport-security": HSTS,
    },
    body,
  };
}

/** The emails' old "view in browser" address: a permanent redirect, the query (token) kept. */
export async function getView(event: Event, deps: AppDeps, slug: string): Promise<Result> {
  if (!deps.content.archive.some((tip) => tip.slug === slug)) {
    throw new NotFoundError("There is no tip at this address.");
  }
  const search = event.rawQueryString ? `?${event.rawQueryString}` : "";
  return {
    statusCode: 301,
    headers: {
      location: `${deps.site.baseUrl}${tipPath(slug)}${search}`,
      "cache-control": "no-store",
      "referrer-policy": "same-origin",
      "strict-transport-security": HSTS,
    },
    body: "",
  };
}

/** The token when it is the view token of this tip; a bad one just means the public page. */
function validViewToken(deps: AppDeps, token: string | undefined, slug: string) {
  if (token === undefined) return undefined;
  try {
    return deps.signer.verify(token, "view") === slug ? token : undefined;
  } catch {
    return undefined;
  }
}
