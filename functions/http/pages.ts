/**
 * Server-rendered HTML pages in the brand's one layout (brand.ts): no JavaScript, labels on every
 * field. Every dynamic value goes through escapeHtml.
 */
import { escapeHtml } from "../core/fill.js";
import { isTimeZone } from "../core/schedule.js";
import { CONSENT, MAX_FIRST_NAME_LENGTH } from "../core/subscriptions.js";
import { brand, page, SITE_NAME } from "./brand.js";
import { timeZoneSelect } from "./time-zones.js";

export { SITE_NAME };

/** A page in the brand (brand.ts): a title and the content of its <main>. */
export function layout(title: string, body: string): string {
  return page({ title, body });
}

/** The signup form's fields, as the reader typed them. */
export type SignupField = "email" | "firstName" | "timeZone";

/** A signup sent back: what was wrong, with which field, and what the reader had typed. */
export interface SignupProblem {
  message: string;
  field: SignupField;
  values: Partial<Record<SignupField, string>>;
}

/** `value="…"` for a field, and the marks that tie it to the problem when it is the one. */
function fieldState(name: SignupField, problem: SignupProblem | undefined): string {
  const value = problem?.values[name];
  const filled = value ? ` value="${escapeHtml(value)}"` : "";
  const invalid =
    problem?.field === name ? ' aria-invalid="true" aria-describedby="signup-problem"' : "";
  return `${filled}${invalid}`;
}

/**
 * GET /, and a form signup sent back with what was wrong: the form again, filled in as the reader
 * left it, the problem said above it and tied to its field.
 */
export function signupPage(problem?: SignupProblem, baseUrl?: string): string {
  const zone = problem?.values.timeZone;
  const said = problem
    ? `<p class="form-problem" id="signup-problem" role="alert">${escapeHtml(problem.message)}</p>\n`
    : "";
  return page({
    title: problem ? "Sign up: check the form" : "Sign up",
    index: !problem,
    // Link previews of the home page show the site's card.
    ...(baseUrl && !problem ? { social: { baseUrl } } : {}),
    description: brand.topic.pitch,
    body: `<h1 id="signup">${escapeHtml(brand.topic.promise)}</h1>
<p>${escapeHtml(brand.topic.pitch)}</p>
${said}<form method="post" action="/subscribe">
<label for="email">Email address</label>
<input id="email" name="email" type="email" required autocomplete="email" maxlength="254" inputmode="email"${fieldState("email", problem)}>
<label for="firstName">First name <span class="optional">(optional)</span></label>
<input id="firstName" name="firstName" type="text" autocomplete="given-name" maxlength="${MAX_FIRST_NAME_LENGTH}"${fieldState("firstName", problem)}>
<label for="timeZone">Your time zone <span class="optional">(your tip comes on Monday at 07:00 there)</span></label>
${timeZoneSelect(zone && isTimeZone(zone) ? zone : undefined, "Not sure: UTC", problem?.field === "timeZone" ? "signup-problem" : undefined)}
<div class="hp" aria-hidden="true">
<label for="website">Leave this field empty</label>
<input id="website" name="website" type="text" tabindex="-1" autocomplete="off">
</div>
<p class="consent" id="consent">${escapeHtml(CONSENT.text)}</p>
<input type="hidden" name="consentVersion" value="${escapeHtml(CONSENT.version)}">
<button type="submit" aria-describedby="consent">Subscribe</button>
</form>
<p>We'll email you a link to confirm first. Nothing is sent until you click it.</p>
<p><a href="/tips">Read the tips so far</a> before you decide.</p>`,
  });
}

export function checkInboxPage(): string {
  return layout(
    "Check your inbox",
    `<h1>Check your inbox</h1>
<p>If that address can receive email, a confirmation link is on its way. Click it to start getting a tip each week.</p>
<p>Nothing there? Look in your spam folder. The link works for 7 days.</p>`,
  );
}

export function confirmPromptPage(token: string): string {
  return layout(
    "Confirm your subscription",
    `<h1>Confirm your subscription</h1>
<p>One more step: confirm below to start getting a tip each week.</p>
<form method="post" action="/confirm">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">Confirm my subscription</button>
</form>`,
  );
}

export function confirmedPage(): string {
  return layout(
    "You're in",
    `<h1>You're in</h1>
<p>Your subscription is confirmed. Your first tip arrives with the next weekly send, and a welcome email is on its way now.</p>`,
  );
}

export function unsubscribePromptPage(token: string): string {
  return layout(
    "Unsubscribe",
    `<h1>Unsubscribe</h1>
<p>Unsubscribe below and you won't get any more tips from us.</p>
<form method="post" action="/unsubscribe?token=${encodeURIComponent(token)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

/** GET /unsubscribe without a token: how to leave (the web view links here without a token). */
export function unsubscribeHelpPage(): string {
  return layout(
    "Unsubscribe",
    `<h1>Unsubscribe</h1>
<p>To stop getting tips, use the “Unsubscribe” link at the bottom of any email from us. It works with one click, and it never expires.</p>`,
  );
}

export function unsubscribedPage(): string {
  return layout(
    "You're unsubscribed",
    `<h1>You're unsubscribed</h1>
<p>You won't get any more tips. Changed your mind? You can <a href="/">sign up again</a> at any time.</p>`,
  );
}

export function errorPage(status: number, message: string): string {
  const title =
    status === 404 ? "Page not found" : status >= 500 ? "Something went wrong" : "That didn't work";
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<p><a href="/tips">See all tips</a> or <a href="/">go to the signup page</a>.</p>`,
  );
}
