/**
 * GET /confirm?token= shows a button and changes nothing (mail scanners prefetch links), or says
 * the address is confirmed already, or why the link no longer works;
 * POST /confirm (form field token) activates and sends the welcome email once, then says when the
 * reader's first tip comes (their next delivery slot, core/schedule.ts) and links onward: the
 * tips so far and their preferences. The same link used again only says it is done. Errors are
 * mapped to pages by the router.
 */
import { DateTime } from "luxon";
import { BadRequestError } from "../core/errors.js";
import { manageUrl } from "../core/links.js";
import { nextTipAt, slotOf, zoneOf } from "../core/schedule.js";
import {
  checkConfirmLink,
  confirm,
  parseChoices,
  type SignupChoices,
} from "../core/subscriptions.js";
import { parseConfirmSubject } from "../core/tokens.js";
import type { AppDeps } from "./deps.js";
import { alreadyConfirmedPage, type Confirmed, confirmedPage, confirmPromptPage } from "./pages.js";
import { bodyText, type Event, formBody, isFormPost, query, sourceIp } from "./request.js";
import { html, type Result } from "./respond.js";
import { tokenOf } from "./token.js";

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
  const token = tokenOf(event, query(event, "token"));
  const form = isFormPost(event) ? formBody(bodyText(event)) : {};
  // The confirm page's choices (a post without them, such as an older page's, keeps the signup's).
  let choices: SignupChoices | undefined;
  if (form.timeZone !== undefined) {
    try {
      choices = parseChoices(form, deps.schedule.slot);
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error;
      // A bad link still gets the error page, and a used one says it is done.
      if ((await checkConfirmLink(deps, token)).state === "already-confirmed") {
        return html(200, alreadyConfirmedPage());
      }
      const day = Number(form.deliveryDay) || deps.schedule.slot.weekday;
      const hour = Number(form.deliveryHour);
      const fields = {
        firstName: form.firstName,
        timeZone: form.timeZone,
        day: day >= 1 && day <= 7 ? day : deps.schedule.slot.weekday,
        hour: Number.isInteger(hour) && hour >= 0 && hour <= 23 ? hour : deps.schedule.slot.hour,
      };
      return html(400, confirmPromptPage(String(token), fields, deps.schedule, error.message));
    }
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

const when = (instant: Date, zone: string, format: string) =>
  DateTime.fromJSDate(instant, { zone }).setLocale("en-GB").toFormat(format);

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
    when: when(next, zone, "cccc d LLLL 'at' HH:mm"),
    timeZone: zone,
    first: (reader?.sentTips.length ?? 0) === 0,
    ...(paused
      ? { pausedUntil: when(new Date(reader.pausedUntil as string), zone, "cccc d LLLL") }
      : {}),
    manageUrl: manageUrl(deps.site.baseUrl, deps.signer.issue("manage", id)),
  };
}
