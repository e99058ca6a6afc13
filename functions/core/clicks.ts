/**
 * Click counts, privacy-first: each link of a tip's body goes through the site's own redirect,
 * `/r/<token>`, whose signed token names the reader, the tip and the link's place in that tip, so
 * it can only ever lead to a link the tip has (never an open redirect). A click counts once per
 * request on the tip's counter and sets only the reader's last click week; a HEAD, a known link
 * scanner (isbot's list) and a click within HUMAN_AFTER_SECONDS of the email's sending are
 * redirected all the same and not counted. There is no open pixel.
 */
import { isbot } from "isbot";
import { InvalidTokenError, NotFoundError } from "./errors.js";
import { escapeHtml } from "./fill.js";
import { clickUrl } from "./links.js";
import type { Clicks, Clock, Log } from "./ports.js";
import type { Signer } from "./tokens.js";
import type { CompiledTip } from "./types.js";
import { isoWeek } from "./week.js";

/** A click this soon after the email was made is a scanner's, not the reader's. */
export const HUMAN_AFTER_SECONDS = 10;

/** The subject of a click token: `<reader id>-<link index>-<tip slug>`. */
export const clickSubject = (id: string, index: number, slug: string) => `${id}-${index}-${slug}`;

const CLICK_SUBJECT = /^([0-9a-f]{32})-(\d{1,3})-([a-z0-9]+(?:-[a-z0-9]+)*)$/;

export function parseClickSubject(
  subject: string,
): { id: string; index: number; slug: string } | undefined {
  const match = CLICK_SUBJECT.exec(subject);
  if (!match) return undefined;
  return { id: match[1] as string, index: Number(match[2]), slug: match[3] as string };
}

/** Token subjects longer than this are refused (tokens.ts): such a link goes out untracked. */
const MAX_SUBJECT = 120;

const HREF = /href="(https?:\/\/[^"]+)"/g;
const unescapeHref = (href: string) =>
  href
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

const linksOf = new WeakMap<CompiledTip, string[]>();

/**
 * The links of a tip's body: every distinct http(s) target in its HTML, in order (the email's
 * own links, which are placeholders until filled, are not among them). Index i is link i.
 */
export function tipLinks(tip: CompiledTip): string[] {
  const known = linksOf.get(tip);
  if (known) return known;
  const links = [...new Set([...tip.html.matchAll(HREF)].map((m) => unescapeHref(m[1] as string)))];
  linksOf.set(tip, links);
  return links;
}

/**
 * The email's parts with each of the tip's links replaced by the reader's own redirect link
 * (HTML hrefs, and the same URLs in the text part). The tokens never expire.
 */
export function trackLinks(
  parts: { html: string; text: string },
  tip: CompiledTip,
  readerId: string,
  signer: Pick<Signer, "issue">,
  baseUrl: string,
): { html: string; text: string } {
  const links = tipLinks(tip);
  if (links.length === 0) return parts;
  const redirect = new Map<string, string>();
  links.forEach((target, index) => {
    const subject = clickSubject(readerId, index, tip.slug);
    if (subject.length > MAX_SUBJECT || index > 999) return;
    redirect.set(target, clickUrl(baseUrl, signer.issue("click", subject)));
  });
  const html = parts.html.replace(HREF, (whole, href: string) => {
    const to = redirect.get(unescapeHref(href));
    return to === undefined ? whole : `href="${escapeHtml(to)}"`;
  });
  // In the text part a URL ends at white space or a closing bracket; the longest target first.
  const targets = [...redirect.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(
    `(${targets.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})(?=$|[\\s)>\\]])`,
    "g",
  );
  const text = parts.text.replace(pattern, (target) => redirect.get(target) ?? target);
  return { html, text };
}

/**
 * Mail security gateways that follow every link of an incoming email, by the names they put in
 * their user agents, beside isbot's list of crawlers and HTTP clients.
 */
const MAIL_SCANNERS =
  /proofpoint|mimecast|barracuda|ironport|messagelabs|symantec|trend ?micro|fireeye|trellix|forcepoint|sophos|safelinks|avanan|check ?point|zscaler|mailscanner|bitdefender|kaspersky|spamtitan|hornetsecurity/i;

/**
 * Whether a request comes from a program rather than a person: a known bot (isbot), a mail
 * security scanner, or no user agent at all.
 */
export function isScanner(userAgent: string): boolean {
  return userAgent.trim() === "" || isbot(userAgent) || MAIL_SCANNERS.test(userAgent);
}

export interface ClickDeps {
  signer: Pick<Signer, "read">;
  clock: Clock;
  /** The tips, by slug, as the emails were sent (the content bundle). */
  tips: ReadonlyMap<string, CompiledTip>;
  /** Absent, or `counting` false (the stage's off switch): redirect, count nothing. */
  clicks?: Pick<Clicks, "count">;
  counting: boolean;
  log?: Pick<Log, "warn">;
}

export interface ClickRequest {
  method: string;
  userAgent: string;
}

export interface ClickOutcome {
  location: string;
  counted: boolean;
}

/**
 * Where a redirect link leads, and whether the click was counted. InvalidTokenError for a forged,
 * tampered or foreign token; NotFoundError for a tip or a link that does not exist.
 */
export async function followClick(
  deps: ClickDeps,
  token: string,
  request: ClickRequest,
): Promise<ClickOutcome> {
  const { subject, issuedAt } = deps.signer.read(token, "click");
  const click = parseClickSubject(subject);
  if (!click) throw new InvalidTokenError("This link is invalid.");
  const tip = deps.tips.get(click.slug);
  const location = tip ? tipLinks(tip)[click.index] : undefined;
  if (location === undefined) throw new NotFoundError("This link no longer leads anywhere.");
  const now = deps.clock.now();
  const human =
    request.method === "GET" &&
    !isScanner(request.userAgent) &&
    now.getTime() / 1000 - issuedAt >= HUMAN_AFTER_SECONDS;
  if (!human || !deps.counting || !deps.clicks) return { location, counted: false };
  try {
    await deps.clicks.count(click.id, click.slug, isoWeek(now));
    return { location, counted: true };
  } catch (error) {
    // The reader gets where they were going; a lost count is only a number.
    deps.log?.warn("click not counted", { tip: click.slug, error: String(error) });
    return { location, counted: false };
  }
}
