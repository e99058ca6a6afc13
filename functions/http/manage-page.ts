/** Where a reader who left stands (the page's one paragraph about it). */
function standing(p: Preferences): string {
  const address = escapeHtml(shownAddress(p.email));
  if (p.declinedUntil) {
    return `${address} gets no more tips from us, and no confirmation email until ${escapeHtml(p.declinedUntil)}, whoever signs it up.`;
  }
  return `${address} gets no more tips from us. You can <a href="/">sign up again</a> at any time.`;
}

/**
 * The preferences page (GET/POST /manage): the reader's settings, one section and form per change
 * under its own heading, and leaving apart at the end: Unsubscribe is the one destructive choice,
 * drawn as an outlined button unlike every Save.
 */
import { shownAddress } from "../core/email.js";
import { escapeHtml } from "../core/fill.js";
import { MAX_PAUSE_WEEKS, type Preferences } from "../core/preferences.js";
import { slotWords } from "../core/schedule.js";
import { MAX_FIRST_NAME_LENGTH } from "../core/subscriptions.js";
import { layout } from "./pages.js";
import { eraseChoice, rightsSection } from "./rights-pages.js";
import { deliverySelects, timeZoneSelect } from "./time-zones.js";

const form = (
  token: string,
  action: string,
  fields: string,
  button: string,
  kind: "save" | "destructive" = "save",
) =>
  `<form method="post" action="/manage">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<input type="hidden" name="action" value="${action}">
${fields}<button type="submit"${kind === "destructive" ? ' class="destructive"' : ""}>${button}</button>
</form>`;

export function managePage(token: string, p: Preferences, notice?: string): string {
  if (p.status === "pending") {
    return layout(
      "Your subscription",
      `<h1>Your subscription</h1>
<p>${escapeHtml(shownAddress(p.email))} is not confirmed yet: use the link in the confirmation email we sent. Once it is, your settings appear here.</p>
${rightsSection(token)}`,
    );
  }
  if (p.status !== "active") {
    return layout(
      "Your subscription",
      `<h1>Your subscription</h1>
${notice ? `<p role="status">${escapeHtml(notice)}</p>` : ""}
<p>${standing(p)}</p>
${rightsSection(token)}`,
    );
  }
  const weeks = Array.from({ length: MAX_PAUSE_WEEKS }, (_, i) => i + 1)
    .map((n) => `<option value="${n}">${n} week${n === 1 ? "" : "s"}</option>`)
    .join("");
  const pauseForm = form(
    token,
    "pause",
    `<label for="weeks">Pause for</label>\n<select id="weeks" name="weeks">${weeks}</select>\n`,
    "Pause",
  );
  // A reader who has had every tip is told so, not promised a tip that does not exist yet.
  const state = p.pausedUntil
    ? `<p><strong>Paused until ${escapeHtml(p.pausedUntil)}.</strong> Your tips start again by themselves then.</p>
${form(token, "resume", "", "Resume now")}`
    : p.caughtUp
      ? `<p><strong>You have had every tip so far.</strong> The next new one comes at your usual time, ${slotWords(p.deliveryDay, p.deliveryHour)} (${escapeHtml(p.timeZone)}), once it is published.</p>
${pauseForm}`
      : `<p>Your next tip: <strong>${escapeHtml(p.nextDelivery ?? "")}</strong> (${escapeHtml(p.timeZone)}).</p>
${pauseForm}`;
  return layout(
    "Your preferences",
    `<h1>Your preferences</h1>
${notice ? `<p role="status">${escapeHtml(notice)}</p>` : ""}
<p>Tips go to <strong>${escapeHtml(shownAddress(p.email))}</strong>.</p>
<h2>Your tips</h2>
${state}
<h2>When your tip comes</h2>
${form(token, "when", `<p>Your tip comes on <strong>${slotWords(p.deliveryDay, p.deliveryHour)}</strong>, ${escapeHtml(p.timeZone)} time.</p>\n${deliverySelects(p.deliveryDay, p.deliveryHour)}\n<label for="timeZone">In the time zone</label>\n${timeZoneSelect(p.timeZone)}\n`, "Save")}
<h2>Name</h2>
${form(token, "name", `<label for="firstName">First name <span class="optional">(optional)</span></label>\n<input id="firstName" name="firstName" type="text" maxlength="${MAX_FIRST_NAME_LENGTH}" autocomplete="given-name" value="${escapeHtml(p.firstName ?? "")}">\n`, "Save name")}
${rightsSection(token, { erase: false })}
<section class="leave" aria-labelledby="leave-title">
<h2 id="leave-title">Leave</h2>
<p>Unsubscribing stops every tip for good. ${p.pausedUntil ? "" : "To stop for a while instead, pause above. "}You can sign up again later.</p>
${form(token, "unsubscribe", "", "Unsubscribe", "destructive")}
${eraseChoice(token)}
</section>`,
  );
}
