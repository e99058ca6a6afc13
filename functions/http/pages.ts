/**
 * Server-rendered HTML pages in the brand's one layout (brand.ts): no JavaScript, labels on every
 * field. Every dynamic value goes through escapeHtml.
 */
import { escapeHtml } from "../core/fill.js";
import { DEFAULT_SCHEDULE, isTimeZone, type Schedule } from "../core/schedule.js";
import { CONSENT, consentText, MAX_FIRST_NAME_LENGTH } from "../core/subscriptions.js";
import { brand, page, SITE_NAME } from "./brand.js";
import { deliverySelects, timeZoneSelect } from "./time-zones.js";

export { SITE_NAME };

/** A page in the brand (brand.ts): a title and the content of its <main>. */
export function layout(title: string, body: string): string {
  return page({ title, body });
}

/** The signup form's fields, as the reader typed them. */
export type SignupField = "email" | "firstName" | "timeZone" | "deliveryDay" | "deliveryHour";

/** A signup sent back: what was wrong, with which field, and what the reader had typed. */
export interface SignupProblem {
  message: string;
  field: SignupField;
  values: Partial<Record<SignupField, string>>;
}

/** A select's value as the reader left it, if it is one of its options. */
export function chosen(
  value: string | undefined,
  min: number,
  max: number,
  fallback: number,
): number {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= min && n <= max ? n : fallback;
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
export function signupPage(
  problem?: SignupProblem,
  baseUrl?: string,
  schedule: Schedule = DEFAULT_SCHEDULE,
): string {
  const zone = problem?.values.timeZone;
  const { slot } = schedule;
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
<fieldset>
<legend>When your tip comes <span class="optional">(you can change it later)</span></legend>
${deliverySelects(chosen(problem?.values.deliveryDay, 1, 7, slot.weekday), chosen(problem?.values.deliveryHour, 0, 23, slot.hour))}
<label for="timeZone">In your time zone</label>
${timeZoneSelect(zone && isTimeZone(zone) ? zone : undefined, `Not sure: ${schedule.defaultTimeZone}`, problem?.field === "timeZone" ? "signup-problem" : undefined)}
</fieldset>
<div class="hp" aria-hidden="true">
<label for="website">Leave this field empty</label>
<input id="website" name="website" type="text" tabindex="-1" autocomplete="off">
</div>
<p class="consent" id="consent">${escapeHtml(consentText(brand.topic))} <a href="/privacy">How we use your data</a>.</p>
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

/** The confirm page's fields as they stand: the signup's choices, or the form sent back. */
export interface ConfirmFields {
  firstName?: string | undefined;
  timeZone?: string | undefined;
  day: number;
  hour: number;
}

/**
 * GET /confirm: the signup's choices, to check and change, and the button; with a problem, the
 * form sent back as the reader left it. Whoever signed the address up chose them.
 */
export function confirmPromptPage(
  token: string,
  fields: ConfirmFields,
  schedule: Schedule = DEFAULT_SCHEDULE,
  problem?: { message: string; field: SignupField },
): string {
  const said = problem
    ? `<p class="form-problem" id="confirm-problem" role="alert">Not confirmed: ${escapeHtml(problem.message)}</p>\n`
    : "";
  const invalid = (field: SignupField) =>
    problem?.field === field ? ' aria-invalid="true" aria-describedby="confirm-problem"' : "";
  const name = `${fields.firstName ? ` value="${escapeHtml(fields.firstName)}"` : ""}${invalid("firstName")}`;
  const zone = fields.timeZone && isTimeZone(fields.timeZone) ? fields.timeZone : undefined;
  return layout(
    problem ? "Confirm your subscription: check the form" : "Confirm your subscription",
    `<h1>Confirm your subscription</h1>
<p>One more step: check your name and when your tip comes, then confirm to start getting a tip each week.</p>
${said}<form method="post" action="/confirm">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<label for="firstName">First name <span class="optional">(optional)</span></label>
<input id="firstName" name="firstName" type="text" autocomplete="given-name" maxlength="${MAX_FIRST_NAME_LENGTH}"${name}>
<fieldset>
<legend>When your tip comes <span class="optional">(you can change it later)</span></legend>
${deliverySelects(fields.day, fields.hour)}
<label for="timeZone">In your time zone</label>
${timeZoneSelect(zone, `Not sure: ${schedule.defaultTimeZone}`, problem?.field === "timeZone" ? "confirm-problem" : undefined)}
</fieldset>
<button type="submit">Confirm my subscription</button>
</form>`,
  );
}

/** What "You're in" tells a reader: when their tips come, and their preferences page. */
export interface Confirmed {
  /** "Monday 7 December at 07:00", in their zone. */
  when: string;
  timeZone: string;
  /** Their first tip (none sent yet), or the next one (they confirmed before). */
  first: boolean;
  /** The date their pause ends, when paused. */
  pausedUntil?: string;
  manageUrl: string;
}

export function confirmedPage(c: Confirmed): string {
  const when = c.pausedUntil
    ? `<p>Your tips are paused until <strong>${escapeHtml(c.pausedUntil)}</strong>; they start again by themselves then.</p>`
    : `<p>Your ${c.first ? "first" : "next"} tip arrives on <strong>${escapeHtml(c.when)}</strong> (${escapeHtml(c.timeZone)}).${c.first ? " A welcome email is on its way now." : ""}</p>`;
  return layout(
    "You're in",
    `<h1>You're in</h1>
<p>Your subscription is confirmed.</p>
${when}
<h2>While you wait</h2>
<ul>
<li><a href="/tips">Read the tips so far</a>: every tip subscribers have had, in order.</li>
<li><a href="${escapeHtml(c.manageUrl)}">Your preferences</a>: change your time zone or name, or pause the tips.</li>
</ul>`,
  );
}

/** A confirm link used again: done before, and nothing about the reader shown. */
export function alreadyConfirmedPage(): string {
  return layout(
    "Already confirmed",
    `<h1>Already confirmed</h1>
<p>This subscription was confirmed earlier: nothing more to do.</p>
<p>Every tip email ends with links to your preferences and to unsubscribe.</p>
<p><a href="/tips">Read the tips so far</a></p>`,
  );
}

/** The pause offered instead of leaving: a form to /manage with the reader's preferences token. */
/** The pause offered on the unsubscribe page: posts back there with the unsubscribe token only. */
export function pauseInstead(unsubscribeToken: string, maxWeeks: number): string {
  const weeks = Array.from({ length: maxWeeks }, (_, i) => i + 1)
    .map(
      (n) =>
        `<option value="${n}"${n === 4 ? " selected" : ""}>${n} week${n === 1 ? "" : "s"}</option>`,
    )
    .join("");
  return `<section aria-labelledby="pause-title">
<h2 id="pause-title">Need a break instead?</h2>
<p>Pause the tips for a while: nothing comes until the pause ends, then they start again by themselves.</p>
<form method="post" action="/unsubscribe">
<input type="hidden" name="token" value="${escapeHtml(unsubscribeToken)}">
<input type="hidden" name="action" value="pause">
<label for="weeks">Pause for</label>
<select id="weeks" name="weeks">${weeks}</select>
<button type="submit" class="secondary">Pause the tips</button>
</form>
</section>`;
}

/** After the unsubscribe page's pause: until when, and leaving still one button away. */
export function pausedPage(unsubscribeToken: string, until: string): string {
  return layout(
    "Tips paused",
    `<h1>Tips paused</h1>
<p>Nothing comes until ${escapeHtml(until)}; then the tips start again by themselves.</p>
<p>Your preferences page (linked in every email) can end the pause sooner or change your day and time.</p>
<form method="post" action="/unsubscribe">
<input type="hidden" name="token" value="${escapeHtml(unsubscribeToken)}">
<button type="submit" class="secondary">Unsubscribe instead</button>
</form>`,
  );
}

/**
 * GET /unsubscribe?token=: the one-click form first (what the reader came for), then, for an
 * active reader, a pause as the quieter alternative.
 */
export function unsubscribePromptPage(token: string, pause?: string): string {
  return layout(
    "Unsubscribe",
    `<h1>Unsubscribe</h1>
<p>Unsubscribe below and you won't get any more tips from us.</p>
<form method="post" action="/unsubscribe?token=${encodeURIComponent(token)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>
${pause ? `<div class="leave">\n${pause}\n</div>` : ""}`,
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

/** GET /manage without a link's token: where the link is. */
export function manageHelpPage(): string {
  return layout(
    "Your preferences",
    `<h1>Your preferences</h1>
<p>Your preferences page opens from the “Manage preferences” link at the bottom of any email from us: there you can pause the tips, change their day, time and time zone or your name, download or delete your data, or leave.</p>
<p>No email from us at hand? <a href="/">Sign up with your address again</a>: if it is on the list already, we email you a link to this page.</p>`,
  );
}

/**
 * The unsubscribe link's answer; `declinedUntil` when the signup was never confirmed, and no
 * confirmation reaches the address until then.
 */
export function unsubscribedPage(declinedUntil?: string): string {
  const after = declinedUntil
    ? `Nor will any other confirmation email reach this address until ${escapeHtml(declinedUntil)}, whoever signs it up.`
    : `Changed your mind? You can <a href="/">sign up again</a> at any time.`;
  return layout(
    "You're unsubscribed",
    `<h1>You're unsubscribed</h1>
<p>You won't get any more emails from us. ${after}</p>`,
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
