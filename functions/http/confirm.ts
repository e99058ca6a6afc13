/**
 * GET /confirm?token= shows a button and changes nothing (mail scanners prefetch links), or says
 * the address is confirmed already, or why the link no longer works;
 * POST /confirm (form field token) activates and sends the welcome email once, then says when the
 * reader's first tip comes (their next delivery slot, core/schedule.ts) and links onward: the
 * tips so far and their preferences. The same link used again only says it is done. Errors are
 * mapped to pages by the router.
 */
import { BadRequestError } from "../core/errors.js";
import { manageUrl } from "../core/links.js";
import { localWhen, nextTipAt, slotOf, zoneOf } from "../core/schedule.js";
import {
  type ChoiceChanges,
  checkConfirmLink,
  confirm,
  parseChoices,
} from "../core/subscriptions.js";
import { parseConfirmSubject } from "../core/tokens.js";
import type { AppDeps } from "./deps.js";
import {
  alreadyConfirmedPage,
  type Confirmed,
  chosen,
  confirmedPage,
  confirmPromptPage,
} from "./pages.js";
import { type Event, formOrJsonBody, query, sourceIp } from "./request.js";
import { html, type Result } from "./respond.js";
import { FIELD_OF, inReadersWords, text } from "./subscribe.js";

export async function getConfirm(event: Event, deps: AppDeps): Promise<Result> {
  const token = query(event, "token") ?? "";
  // A bad or retired link gets the error page saying why; a used one says it is done. No button.
  const link = await checkConfirmLink(deps, token);
  if (link.state === "already-confirmed") return html(200, alreadyConfirmedPage());
  const { firstName, timeZone, deliverySlot } = link.choices;
  const slot = slotOf({ deliverySlot }, deps.schedule);
  const fields = { firstName, timeZone, day: slot.weekday, hour: slot.hour };
  return html(200, confirmPromptPage(token, fields, deps.schedule));
}

export async function postConfirm(event: Event, deps: AppDeps): Promise<Result> {
  const body = event.body ? formOrJsonBody(event) : {};
  const token = query(event, "token") ?? body.token;
  // The confirm page's choices (a post without them, such as an older page's, keeps the signup's).
  let choices: ChoiceChanges | undefined;
  try {
    choices = parseChoices(body, deps.schedule.slot);
  } catch (error) {
    return refused(deps, token, body, error);
  }
  // A link used before gives no new preferences link: a confirmation email forwarded, kept in a
  // scanner's log or history would otherwise open the reader's data for a week, even after they
  // signed out every link.
  if ((await confirm(deps, token, sourceIp(event), choices)) === "already-confirmed") {
    return html(200, alreadyConfirmedPage());
  }
  // confirm() verified the token: its subject names the reader.
  const { id } = parseConfirmSubject(deps.signer.verify(String(token), "confirm"));
  return html(200, confirmedPage(await confirmed(deps, id)));
}

/**
 * A choice the confirm post refused: the page again, as the reader left it, saying why (nothing
 * confirmed); a bad link gets the error page and a used one says it is done.
 */
async function refused(
  deps: AppDeps,
  token: unknown,
  body: Record<string, unknown>,
  error: unknown,
): Promise<Result> {
  const field = error instanceof BadRequestError ? FIELD_OF[error.code] : undefined;
  if (!field) throw error;
  if ((await checkConfirmLink(deps, token)).state === "already-confirmed") {
    return html(200, alreadyConfirmedPage());
  }
  const { slot } = deps.schedule;
  const fields = {
    firstName: text(body.firstName)?.slice(0, 200),
    timeZone: text(body.timeZone)?.slice(0, 64),
    day: chosen(text(body.deliveryDay), 1, 7, slot.weekday),
    hour: chosen(text(body.deliveryHour), 0, 23, slot.hour),
  };
  const problem = { message: inReadersWords((error as Error).message), field };
  return html(400, confirmPromptPage(String(token), fields, deps.schedule, problem));
}

/**
 * When the reader's tips come: their next delivery slot from now (the planner sends nothing for a
 * slot that passed before they confirmed), or the later instant they are due at; the end of a pause.
 */
async function confirmed(deps: AppDeps, id: string): Promise<Confirmed> {
  const reader = await deps.subscribers.get(id);
  const now = deps.clock.now();
  const zone = zoneOf(reader ?? {}, deps.schedule);
  const due =
    reader?.dueAt && reader.dueAt > now.toISOString() ? new Date(reader.dueAt) : undefined;
  const next = due ?? nextTipAt(reader ?? {}, now, zone, slotOf(reader ?? {}, deps.schedule));
  const paused = reader?.pausedUntil && reader.pausedUntil > now.toISOString();
  return {
    when: localWhen(next, zone, "cccc d LLLL 'at' HH:mm"),
    timeZone: zone,
    first: (reader?.sentTips.length ?? 0) === 0,
    ...(paused
      ? { pausedUntil: localWhen(new Date(reader.pausedUntil as string), zone, "cccc d LLLL") }
      : {}),
    manageUrl: manageUrl(deps.site.baseUrl, deps.signer.issue("manage", id)),
  };
}
