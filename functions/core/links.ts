/**
 * The public URLs carried by emails and pages. `baseUrl` comes from settings().baseUrl (no trailing
 * slash; one is tolerated). Tokens are URL-safe already, but are encoded anyway.
 */

function base(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}

/** The site itself, no trailing slash: emails' {{site_url}} (their images, the archive). */
export function siteUrl(baseUrl: string): string {
  return base(baseUrl);
}

/** The one-click unsubscribe URL (GET shows a button, POST unsubscribes; RFC 8058). */
export function unsubscribeUrl(baseUrl: string, token: string): string {
  return `${base(baseUrl)}/unsubscribe?token=${encodeURIComponent(token)}`;
}

/** The double opt-in link (GET shows a button, POST confirms). */
export function confirmUrl(baseUrl: string, token: string): string {
  return `${base(baseUrl)}/confirm?token=${encodeURIComponent(token)}`;
}

/**
 * The "view in browser" URL of a tip: its page in the public archive. `token` is the tip's view
 * token (core/tokens.ts), which shows the page before the tip's date and does nothing else.
 * (/view/{slug} redirects here.)
 */
export function viewUrl(baseUrl: string, slug: string, token?: string): string {
  const path = `${base(baseUrl)}/tips/${encodeURIComponent(slug)}`;
  return token === undefined ? path : `${path}?token=${encodeURIComponent(token)}`;
}

/** The reader's preferences page (GET /manage): its token never expires, like unsubscribe's. */
export function manageUrl(baseUrl: string, token: string): string {
  return `${base(baseUrl)}/manage?token=${encodeURIComponent(token)}`;
}

/** The first-party redirect of one link in a tip (core/clicks.ts): `/r/<click token>`. */
export function clickUrl(baseUrl: string, token: string): string {
  return `${base(baseUrl)}/r/${encodeURIComponent(token)}`;
}
