/**
 * POST /subscribe — JSON or form body { email, firstName?, timeZone? (IANA), website? (honeypot) }. Always 202 with
 * the same body, and never faster than MIN_ANSWER_MS, whatever state the address is in.
 */
import { BadRequestError } from "../core/errors.js";
import { subscribe } from "../core/subscriptions.js";
import type { AppDeps } from "./deps.js";
import { checkInboxPage, type SignupField, signupPage } from "./pages.js";
import { type Event, formOrJsonBody, isFormPost, sourceIp, userAgent } from "./request.js";
import { html, json, type Result } from "./respond.js";

/** Evens out the time a new signup (which sends an email) and a known address (which doesn't) take. */
export const MIN_ANSWER_MS = 300;

export const ACCEPTED = {
  status: "accepted",
  message:
    "If that address can receive email, a confirmation link is on its way. Check your inbox.",
} as const;

/** The form field each of parseSignup's (and parseChoices') refusals is about. */
export const FIELD_OF: Record<string, SignupField> = {
  missing_email: "email",
  invalid_email: "email",
  invalid_first_name: "firstName",
  invalid_time_zone: "timeZone",
  invalid_delivery_slot: "deliveryDay",
};

export const text = (value: unknown) => (typeof value === "string" ? value : undefined);

/** A refusal in a reader's words: without the API's field name in brackets. */
export const inReadersWords = (message: string) =>
  message.replace(/ \((?:email|firstName|timeZone|deliveryDay|deliveryHour)\)/g, "");

export async function postSubscribe(event: Event, deps: AppDeps): Promise<Result> {
  const started = Date.now();
  const asHtml = isFormPost(event);
  const body = formOrJsonBody(event);
  try {
    await subscribe(deps, {
      email: body.email,
      firstName: body.firstName,
      timeZone: body.timeZone,
      deliveryDay: body.deliveryDay,
      deliveryHour: body.deliveryHour,
      honeypot: body.website,
      ip: sourceIp(event),
      userAgent: userAgent(event),
      source: asHtml ? "signup-page" : "api",
    });
  } catch (error) {
    const field = error instanceof BadRequestError ? FIELD_OF[error.code] : undefined;
    if (!asHtml || !field) throw error;
    // A reader's form comes back filled in as they left it, the problem said in their words
    // (without the API's field name in brackets).
    return html(
      400,
      signupPage(
        {
          message: inReadersWords((error as Error).message),
          field,
          values: {
            email: text(body.email)?.slice(0, 254),
            firstName: text(body.firstName)?.slice(0, 200),
            timeZone: text(body.timeZone)?.slice(0, 64),
            deliveryDay: text(body.deliveryDay)?.slice(0, 2),
            deliveryHour: text(body.deliveryHour)?.slice(0, 2),
          },
        },
        undefined,
        deps.schedule,
      ),
    );
  }
  const wait = started + MIN_ANSWER_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return asHtml ? html(202, checkInboxPage()) : json(202, ACCEPTED);
}
