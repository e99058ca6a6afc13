/**
 * The reader's preferences (GET/POST /manage, from the "Manage preferences" link): pause for 1–12
 * weeks, resume, change time zone or first name, or unsubscribe; and their rights (core/rights.ts):
 * download their data, delete it (after a confirm step), sign out every link. The link's token
 * (purpose "manage") never expires, but "sign out every link" revokes it. Reading changes nothing;
 * every change is one conditional write on the reader's own item, and moves their next due instant
 * so the hourly planner neither reads nor mails them before it.
 */
import { DateTime } from "luxon";
import { declinedUntil } from "./confirmations.js";
import { BadRequestError, InvalidTokenError } from "./errors.js";
import type { Clock, PreferenceChanges, Subscribers } from "./ports.js";
import { type ReaderData, readerData, signOutEveryLink } from "./rights.js";
import {
  type DeliverySlot,
  dayOf,
  deliveryInstant,
  localWeek,
  localWhen,
  nextTipAt,
  type Schedule,
  slotOf,
  zoneOf,
  zoneSpelling,
} from "./schedule.js";
import {
  cleanFirstName,
  parseDeliverySlot,
  parseTimeZone,
  readerOfLink,
  type SubscriptionDeps,
  unsubscribeReader,
} from "./subscriptions.js";
import type { Signer } from "./tokens.js";
import type { Subscriber } from "./types.js";

export const MAX_PAUSE_WEEKS = 12;

export type ManageAction =
  | { action: "pause"; weeks: number }
  | { action: "resume" }
  | { action: "timezone"; timeZone: string | undefined }
  /** When the tip comes: day and hour ("1-07"), and the zone they are taken in. */
  | { action: "when"; deliverySlot: string | undefined; timeZone: string | undefined }
  | { action: "name"; firstName: string | undefined }
  | { action: "unsubscribe" };

/** The reader's rights on /manage; "erase" only asks, "erase-confirmed" erases. */
export type RightsAction =
  | { action: "export" }
  | { action: "erase" }
  | { action: "erase-confirmed" }
  | { action: "signout" };

export const MANAGE_ACTIONS = [
  "pause",
  "resume",
  "timezone",
  "when",
  "name",
  "unsubscribe",
  "export",
  "erase",
  "erase-confirmed",
  "signout",
] as const;

/** What the page shows. */
export interface Preferences {
  email: string;
  firstName?: string;
  /** The zone in use, and whether it is the stage's default. */
  timeZone: string;
  defaultZone: boolean;
  /** The day (1 = Monday … 7 = Sunday) and local hour the tip comes at. */
  deliveryDay: number;
  deliveryHour: number;
  status: Subscriber["status"];
  /** When deliveries resume, if paused: e.g. "Monday 7 April". */
  pausedUntil?: string;
  /** The reader's next delivery, in their zone: e.g. "Monday 30 November, 07:00". */
  nextDelivery?: string;
  /** They have had every tip there is: the next comes at their slot once a new one is out. */
  caughtUp?: boolean;
  /** They left a signup unconfirmed: no confirmation reaches the address until this day. */
  declinedUntil?: string;
}

export interface PreferencesDeps {
  subscribers: Subscribers;
  signer: Pick<Signer, "read">;
  clock: Clock;
  schedule: Schedule;
  /** The tips there are (the series, without its end): to tell a reader who has had them all. */
  tips?: readonly { slug: string }[];
}

/** Parses the form of POST /manage; throws BadRequestError with what is expected. */
export function parseManageForm(
  form: Record<string, string | undefined>,
  stageSlot?: DeliverySlot,
): ManageAction | RightsAction {
  switch (form.action) {
    case "export":
    case "erase":
    case "erase-confirmed":
    case "signout":
      return { action: form.action };
    case "pause": {
      const weeks = Number(form.weeks);
      if (!/^\d{1,2}$/.test(form.weeks ?? "") || weeks < 1 || weeks > MAX_PAUSE_WEEKS) {
        throw new BadRequestError(
          `weeks must be a whole number from 1 to ${MAX_PAUSE_WEEKS}.`,
          "invalid_weeks",
        );
      }
      return { action: "pause", weeks };
    }
    case "resume":
    case "unsubscribe":
      return { action: form.action };
    case "timezone":
      return { action: "timezone", timeZone: parseTimeZone(form.timeZone) };
    case "when":
      return {
        action: "when",
        // Both fields are the form's: none left blank means the stage's day and hour.
        deliverySlot: parseDeliverySlot(form.deliveryDay, form.deliveryHour, stageSlot),
        timeZone: parseTimeZone(form.timeZone),
      };
    case "name":
      return { action: "name", firstName: cleanFirstName(form.firstName) };
    default:
      throw new BadRequestError(
        `action must be one of ${MANAGE_ACTIONS.join(", ")}.`,
        "invalid_action",
      );
  }
}

function view(subscriber: Subscriber, deps: PreferencesDeps): Preferences {
  const zone = zoneOf(subscriber, deps.schedule);
  const now = deps.clock.now();
  const paused = subscriber.pausedUntil && subscriber.pausedUntil > now.toISOString();
  const next = paused
    ? new Date(subscriber.pausedUntil as string)
    : subscriber.dueAt && subscriber.dueAt > now.toISOString()
      ? new Date(subscriber.dueAt)
      : nextTipAt(subscriber, now, zone, slotOf(subscriber, deps.schedule));
  const slot = slotOf(subscriber, deps.schedule);
  const declined = declinedUntil(subscriber, now);
  return {
    email: subscriber.email,
    ...(subscriber.firstName ? { firstName: subscriber.firstName } : {}),
    timeZone: zoneSpelling(zone),
    defaultZone: subscriber.timeZone === undefined,
    deliveryDay: slot.weekday,
    deliveryHour: slot.hour,
    status: subscriber.status,
    ...(paused ? { pausedUntil: localWhen(next, zone, "cccc d LLLL") } : {}),
    ...(subscriber.status === "active"
      ? { nextDelivery: localWhen(next, zone, "cccc d LLLL, HH:mm") }
      : {}),
    ...(subscriber.status === "active" && hasEveryTip(subscriber, deps.tips)
      ? { caughtUp: true }
      : {}),
    ...(declined ? { declinedUntil: dayOf(declined) } : {}),
  };
}

/** Whether a reader has had every one of `tips` (none known: not said). */
function hasEveryTip(subscriber: Subscriber, tips: readonly { slug: string }[] | undefined) {
  if (!tips || tips.length === 0) return false;
  const had = new Set(subscriber.sentTips);
  return tips.every((tip) => had.has(tip.slug));
}

async function reader(deps: PreferencesDeps, token: unknown): Promise<Subscriber> {
  const { subscriber } = await readerOfLink(deps, token, "manage");
  // A reader who no longer exists gets the same answer as a bad link.
  if (!subscriber) throw new InvalidTokenError("This link is invalid or has expired.");
  return subscriber;
}

/** GET /manage: the reader's settings; changes nothing. */
export async function showPreferences(deps: PreferencesDeps, token: unknown) {
  return view(await reader(deps, token), deps);
}

/** POST /manage: applies one action and returns the settings as they now are. */
export async function applyPreferences(
  deps: PreferencesDeps & SubscriptionDeps,
  token: unknown,
  change: ManageAction,
): Promise<Preferences> {
  return applyTo(deps, await reader(deps, token), change);
}

/**
 * The pause the unsubscribe page offers, by the unsubscribe link itself: that link travels in
 * forwarded emails, so it never opens the preferences page or the reader's data, only this.
 */
export async function pauseByUnsubscribeLink(
  deps: PreferencesDeps & SubscriptionDeps,
  token: unknown,
  weeks: number,
): Promise<Preferences> {
  const { subscriber, signedOut } = await readerOfLink(deps, token, "unsubscribe");
  if (!subscriber || signedOut) throw new InvalidTokenError("This link is invalid or has expired.");
  return applyTo(deps, subscriber, { action: "pause", weeks });
}

async function applyTo(
  deps: PreferencesDeps & SubscriptionDeps,
  subscriber: Subscriber,
  change: ManageAction,
): Promise<Preferences> {
  if (change.action === "unsubscribe") {
    await unsubscribeReader(deps, subscriber);
    return view((await deps.subscribers.get(subscriber.id)) ?? subscriber, deps);
  }
  if (subscriber.status !== "active") {
    throw new BadRequestError(
      "Only a current subscription has settings to change: sign up again to come back.",
      "not_subscribed",
    );
  }
  const now = deps.clock.now();
  const zone =
    change.action === "timezone" || change.action === "when"
      ? (change.timeZone ?? deps.schedule.defaultTimeZone)
      : zoneOf(subscriber, deps.schedule);
  const resumeAt = (weeks: number) => {
    const first = nextTipAt(subscriber, now, zone, slotOf(subscriber, deps.schedule));
    return DateTime.fromJSDate(first, { zone }).plus({ weeks }).toJSDate();
  };
  const pausedUntil = subscriber.pausedUntil ? new Date(subscriber.pausedUntil) : undefined;
  const paused = pausedUntil && pausedUntil > now ? pausedUntil : undefined;
  // A pause ends in a week of the reader's: moved to a new day, hour or zone, it ends at the new
  // slot of that week where they now live (or the next one from now, should that have passed),
  // and that is when they are due.
  const movedPause = (deliverySlot: string | undefined) => {
    if (!paused) return null;
    const week = localWeek(paused, zoneOf(subscriber, deps.schedule));
    const slot = slotOf({ deliverySlot }, deps.schedule);
    const end = deliveryInstant(week, zone, slot);
    return nextTipAt(subscriber, new Date(Math.max(end.getTime() - 1, now.getTime())), zone, slot);
  };
  const changes = ((): PreferenceChanges => {
    switch (change.action) {
      case "pause": {
        const end = resumeAt(change.weeks);
        return { pausedUntil: end, dueAt: end };
      }
      case "resume":
        return { pausedUntil: null, dueAt: null };
      // A new zone, or a new day, hour and zone: due at once (unless paused), so that the next
      // pass judges this week by them.
      case "timezone": {
        const end = movedPause(subscriber.deliverySlot);
        return { timeZone: change.timeZone ?? null, dueAt: end, ...(end && { pausedUntil: end }) };
      }
      case "when": {
        const end = movedPause(change.deliverySlot);
        return {
          deliverySlot: change.deliverySlot ?? null,
          timeZone: change.timeZone ?? null,
          dueAt: end,
          ...(end && { pausedUntil: end }),
        };
      }
      case "name":
        return { firstName: change.firstName ?? null };
    }
  })();
  if (!(await deps.subscribers.updatePreferences(subscriber.id, { ...changes, at: now }))) {
    throw new BadRequestError("This subscription changed meanwhile: please try again.", "conflict");
  }
  return view((await deps.subscribers.get(subscriber.id)) ?? subscriber, deps);
}

export type RightsOutcome =
  | { kind: "data"; data: ReaderData }
  | { kind: "confirm-erase"; email: string }
  | { kind: "erased" }
  | { kind: "signed-out"; token: string; preferences: Preferences };

/**
 * POST /manage, the reader's rights: their data as JSON; the erase step that only asks; the
 * erasure itself; or every link signed out, with a new link for this page.
 */
export async function applyRights(
  deps: PreferencesDeps & { titles: ReadonlyMap<string, string> } & Pick<
      SubscriptionDeps,
      "signer"
    >,
  token: unknown,
  change: RightsAction,
): Promise<RightsOutcome> {
  const subscriber = await reader(deps, token);
  const now = deps.clock.now();
  switch (change.action) {
    case "export":
      return { kind: "data", data: readerData(subscriber, deps.titles, now) };
    case "erase":
      return { kind: "confirm-erase", email: subscriber.email };
    case "erase-confirmed":
      await deps.subscribers.erase(subscriber.id, now);
      return { kind: "erased" };
    case "signout": {
      const fresh = await signOutEveryLink(deps, subscriber.id);
      if (!fresh) throw new InvalidTokenError("This link is invalid or has expired.");
      const current = (await deps.subscribers.get(subscriber.id)) ?? subscriber;
      return { kind: "signed-out", token: fresh, preferences: view(current, deps) };
    }
  }
}
