/**
 * GET /unsubscribe?token= shows a one-button form, and to an active reader a pause instead (a
 * form back to /unsubscribe with action=pause and the same unsubscribe token: a link that travels
 * in forwarded emails never gets a preferences token, which would open the reader's data); to a
 * reader who has left it says so, with nothing to press. POST /unsubscribe?token= unsubscribes
 * (or, with action=pause, pauses), and the page it answers with is the only confirmation (no
 * email follows). The POST is also the RFC 8058 one-click target (body
 * List-Unsubscribe=One-Click): 200, never a redirect, and 200 again when repeated. Any content
 * type is accepted there, as mailbox providers differ.
 * Errors are mapped to pages by the router.
 */

import { declinedUntil } from "../core/confirmations.js";
import { MAX_PAUSE_WEEKS, parseManageForm, pauseByUnsubscribeLink } from "../core/preferences.js";
import { dayOf } from "../core/schedule.js";
import { readerOfLink, unsubscribe } from "../core/subscriptions.js";
import type { Subscriber } from "../core/types.js";
import type { AppDeps } from "./deps.js";
import {
  pausedPage,
  pauseInstead,
  unsubscribedPage,
  unsubscribeHelpPage,
  unsubscribePromptPage,
} from "./pages.js";
import { bodyText, type Event, formBody, isFormPost, query } from "./request.js";
import { html, type Result } from "./respond.js";

export async function getUnsubscribe(event: Event, deps: AppDeps): Promise<Result> {
  const token = query(event, "token");
  if (token === undefined) return html(200, unsubscribeHelpPage());
  // A bad link: the error page. A signed-out one still unsubscribes, and offers nothing else.
  const { subscriber: reader, signedOut } = await readerOfLink(deps, token, "unsubscribe");
  // Left already (or bounced, complained, erased): nothing to press, it is done.
  if (reader?.status !== "active" && reader?.status !== "pending") {
    return html(200, unsubscribedPage(declinedDay(reader, deps)));
  }
  const now = deps.clock.now().toISOString();
  const pausable =
    !signedOut && reader?.status === "active" && !(reader.pausedUntil && reader.pausedUntil > now);
  const pause = pausable ? pauseInstead(token, MAX_PAUSE_WEEKS) : undefined;
  return html(200, unsubscribePromptPage(token, pause));
}

export async function postUnsubscribe(event: Event, deps: AppDeps): Promise<Result> {
  const text = bodyText(event); // size-capped even when the token is in the query
  const form = isFormPost(event) ? formBody(text) : {};
  const token = query(event, "token") ?? form.token;
  // The unsubscribe page's pause; a one-click POST (List-Unsubscribe=One-Click) never has this.
  if (form.action === "pause") {
    const change = parseManageForm({ action: "pause", weeks: form.weeks });
    const weeks = change.action === "pause" ? change.weeks : 0;
    const settings = await pauseByUnsubscribeLink(deps, token, weeks);
    return html(200, pausedPage(token ?? "", settings.pausedUntil ?? ""));
  }
  await unsubscribe(deps, token);
  const { subscriber } = await readerOfLink(deps, token, "unsubscribe");
  return html(200, unsubscribedPage(declinedDay(subscriber, deps)));
}

/** The day until which no confirmation reaches a reader who left a signup unconfirmed. */
function declinedDay(reader: Subscriber | undefined, deps: AppDeps): string | undefined {
  const until = declinedUntil(reader, deps.clock.now());
  return until && dayOf(until);
}
