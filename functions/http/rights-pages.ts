/**
 * The reader's rights on /manage (core/rights.ts): the section every version of the page ends
 * with, the page that asks before deleting, and the page after it; and GET /privacy.
 */
import { shownAddress } from "../core/email.js";
import { escapeHtml } from "../core/fill.js";
import { layout } from "./pages.js";

const form = (token: string, action: string, button: string, destructive = false) =>
  `<form method="post" action="/manage">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<input type="hidden" name="action" value="${action}">
<button type="submit"${destructive ? ' class="destructive"' : ""}>${button}</button>
</form>`;

/** "Delete my data", a destructive choice (the next page asks first). */
export function eraseChoice(token: string): string {
  return `<p>Delete everything we keep about you. You'll get nothing more from us.</p>
${form(token, "erase", "Delete my data", true)}`;
}

/**
 * The rights section of /manage: download, delete (unless the page offers it with the other
 * ways to leave), sign out every link.
 */
export function rightsSection(token: string, options: { erase?: boolean } = {}): string {
  return `<h2>Your data</h2>
<p>Everything we keep about you, as a file: your subscription, each consent you gave and every tip we sent, with dates. <a href="/privacy">What we keep, and for how long</a>.</p>
${form(token, "export", "Download my data")}
${options.erase === false ? "" : eraseChoice(token)}
<h2>Links</h2>
<p>Forwarded an email, or shared a link? Sign out every link we have sent you: this page's address and the preferences links in your emails stop working, and your next email brings new ones. An unsubscribe link still unsubscribes (leaving always works), and does nothing else.</p>
${form(token, "signout", "Sign out every link")}`;
}

/** POST /manage action=erase: the confirm step; nothing is deleted yet. */
export function confirmErasePage(token: string, email: string): string {
  return layout(
    "Delete your data?",
    `<h1>Delete your data?</h1>
<p>This deletes your subscription for <strong>${escapeHtml(shownAddress(email))}</strong>: your name, your settings, the record of your consent and of the tips we sent. You'll get no more emails from us, and it can't be undone. You can always sign up again.</p>
${form(token, "erase-confirmed", "Yes, delete my data")}
<p><a href="/manage?token=${encodeURIComponent(token)}">No, keep it</a></p>`,
  );
}

export function erasedPage(): string {
  return layout(
    "Your data is deleted",
    `<h1>Your data is deleted</h1>
<p>We have deleted your subscription and everything we kept with it. You'll get no more emails from us. Backups hold a copy for at most 35 days, then it is gone from them too.</p>
<p>Changed your mind? You can <a href="/">sign up again</a> at any time.</p>`,
  );
}
