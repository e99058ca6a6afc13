/**
 * POST /subscribe — JSON or form body { email, firstName?, timeZone? (IANA), website? (honeypot) }. Always 202 with
 * the same body, and never faster than MIN_ANSWER_MS, whatever state the address is in.
 */
import { subscribe } from "../core/subscriptions.js";
import type { AppDeps } from "./deps.js";
import { checkInboxPage } from "./pages.js";
import { type Event, formOrJsonBody, isFormPost, sourceIp, userAgent } from "./request.js";
import { html, json, type Result } from "./respond.js";

/** Evens out the time a new signup (which sends an email) and a known address (which doesn't) take. */
export const MIN_ANSWER_MS = 300;

export const ACCEPTED = {
  status: "accepted",
  message:
    "If that address can receive email, a confirmation link is on its way. Check your inbox.",
} as const;

export async function postSubscribe(event: Event, deps: AppDeps): Promise<Result> {
  const started = Date.now();
  const asHtml = isFormPost(event);
  const body = formOrJsonBody(event);
  await subscribe(deps, {
    email: body.email,
    firstName: body.firstName,
    timeZone: body.timeZone,
    honeypot: body.website,
    ip: sourceIp(event),
    userAgent: userAgent(event),
    source: asHtml ? "signup-page" : "api",
  });
  const wait = started + MIN_ANSWER_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return asHtml ? html(202, checkInboxPage()) : json(202, ACCEPTED);
}
