/**
 * GET /privacy: what is kept about a reader, why, and for how long (the periods from
 * core/retention.ts, the ones the table's TTL applies), and what is counted.
 */
import { HUMAN_AFTER_SECONDS } from "../core/clicks.js";
import { DECLINED_DAYS, MAILBOX_LIMITS, SHARES } from "../core/confirmations.js";
import { RETENTION } from "../core/retention.js";
import { SIGNUP_LIMIT } from "../core/subscriptions.js";
import { CONFIRM_TTL_SECONDS } from "../core/subscriptions-emails.js";
import type { AppDeps } from "./deps.js";
import { layout } from "./pages.js";
import type { Event } from "./request.js";
import { html, type Result } from "./respond.js";

const pct = (share: number) => `${Math.round(share * 100)} %`;

/** What the page says about the tips' links: counted through the redirect, or not at all. */
function clicksItem(trackClicks: boolean): string {
  if (!trackClicks) {
    return "<li>Nothing else: no tracking pixels, no redirected links, no record of opens or clicks. Mail providers tell us when an email bounces or is marked as spam, and we stop sending to that address.</li>";
  }
  return `<li><strong>Clicks on a tip's links.</strong> The links in a tip pass through this site on their way, so that we can count how many readers each tip sends on: one count per tip, for all readers together, and, on your record, only the week of your last click (no list of links, times or places). Clicks within ${HUMAN_AFTER_SECONDS} seconds of the email going out, and those of mail providers' link scanners, are not counted. The link leads where it says, and only there.</li>
<li>Nothing else: no tracking pixels, no record of opens. Mail providers tell us when an email bounces or is marked as spam, and we stop sending to that address.</li>`;
}

export function privacyPage(options: { trackClicks?: boolean } = {}): string {
  const confirmDays = CONFIRM_TTL_SECONDS / 86_400;
  return layout(
    "Privacy: what we keep",
    `<h1>What we keep, and for how long</h1>
<h2>What we keep, and why</h2>
<ul>
<li><strong>Your email address</strong>, to send you the tips; <strong>your first name</strong>, if you gave one, to greet you; <strong>the day, hour and time zone</strong> you chose and any <strong>pause</strong>, to send at your hour.</li>
<li><strong>Your consent</strong>, for each time you signed up: when, the IP address and browser (user agent) the signup came from, and the wording you agreed to; and when, and from which IP address, you confirmed. If your address came to us on a list you had agreed to elsewhere, where that agreement was given and when we took the list over. The law asks us to be able to show that you asked for these emails.</li>
<li><strong>The tips we sent you</strong>, each with its date, so that nobody gets a tip twice, and the week of the last one your mail provider told us it accepted.</li>
</ul>
<h2>For how long</h2>
<ul>
<li>A signup nobody confirmed (its link works ${confirmDays} days): deleted ${RETENTION.pendingDays} days after the signup.</li>
<li>While you are subscribed: for as long as you stay.</li>
<li>After you leave, or once your address has bounced or you have marked an email as spam: deleted ${RETENTION.leftDays} days later, consent record included.</li>
<li>When you delete your data (the "Manage preferences" link in every email): at once. What stays is a keyed fingerprint of your address, from which the address can't be read back: it keeps a signup made before the deletion from bringing your data back. Signing up again always takes a new confirmation.</li>
<li>Backups of the list: 35 days. A message that failed and waits for us to look at it: at most 14 days.</li>
</ul>
<h2>What we count</h2>
<ul>
<li>Signups from each network, per hour (${SIGNUP_LIMIT.perWindow} per address an hour), and confirmation emails: ${MAILBOX_LIMITS[0].limit} a day and ${MAILBOX_LIMITS[1].limit} a week per mailbox, and each hour at most ${pct(SHARES.network)} of them for one network and ${pct(SHARES.domain)} for one email domain. This stops anyone from flooding strangers' inboxes, or ours. Each counter is named by a keyed fingerprint, not by an address, and is deleted within two hours (a mailbox's within a week, or ${DECLINED_DAYS} days after its owner unsubscribed from a confirmation, which keeps further confirmations from it that long).</li>
<li>Totals for the list: how many readers signed up, confirmed, paused or left, and how many tips went out and were delivered, per week and per tip. No one is named in them.</li>
${clicksItem(options.trackClicks ?? true)}
<li>Our logs never hold your address, your name or your links, and are kept for a month.</li>
</ul>
<h2>Who handles it</h2>
<p>The list and the emails run on Amazon Web Services (storage, and email delivery through Amazon SES). Nobody else gets your data, and we never sell it.</p>
<h2>Your rights</h2>
<p>The "Manage preferences" link at the bottom of every email opens a page where you can download everything we keep about you, delete it, or sign out every link we have sent you. The "Unsubscribe" link leaves with one click.</p>`,
  );
}

export async function getPrivacy(_event: Event, deps: AppDeps): Promise<Result> {
  return html(200, privacyPage({ trackClicks: deps.trackClicks ?? true }), {
    headers: { "cache-control": "public, max-age=300" },
  });
}
