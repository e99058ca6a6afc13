/**
 * The subscriber lifecycle: double opt-in signup, confirmation, one-click unsubscribe.
 * Pure: the ports come in as plain arguments; no environment, no AWS SDK.
 *
 *   (none) ──subscribe──▶ pending ──confirm──▶ active ──unsubscribe──▶ unsubscribed
 *                            ▲                                             │
 *                            └───────────────subscribe (fresh consent)─────┘
 *   subscribe only queues the signup; core/confirmations.ts writes it and sends the confirmation.
 *   bounced / complained (functions/core/feedback.ts) take a reader off the list; a new signup
 *   brings them back to pending, through a new confirmation. Leaving sends nothing: the page says it.
 */

import type { WeekdayNumbers } from "luxon";
import {
  confirmedSinceSignup,
  declinedUntil,
  declineEnd,
  type SignupRequest,
  unconfirmedCounter,
  windowStart,
} from "./confirmations.js";
import { type KeyedHashes, normalizeEmail } from "./email.js";
import { BadRequestError, InvalidTokenError, TooManyRequestsError } from "./errors.js";
import type { Clock, Limits, Log, Mailer, Queue, Subscribers } from "./ports.js";
import {
  DEFAULT_SLOT,
  type DeliverySlot,
  dayOf,
  formatSlot,
  isTimeZone,
  type Schedule,
  zoneSpelling,
} from "./schedule.js";
import { type Site, systemEmail } from "./subscriptions-emails.js";
import { parseConfirmSubject, type Signer } from "./tokens.js";
import type { Subscriber, SystemEmails } from "./types.js";

export type { Site } from "./subscriptions-emails.js";

/** The consent wording's version, stored with every signup (consentText is its wording). */
export const CONSENT = { version: "2025-11-25" } as const;

/**
 * The consent wording on the signup page, in the brand's words (content/newsletter.yml): "Send
 * me one tip a week on strength work for runners by email…".
 */
export function consentText(topic: { practice: string; audience: string }): string {
  return (
    `Send me one tip a week on ${topic.practice} for ${topic.audience} by email. ` +
    "I can unsubscribe at any time with the link in every email."
  );
}

/** Per-client signup limit (an IPv4 address, an IPv6 /64): this many POSTs per fixed window. */
export const SIGNUP_LIMIT = { perWindow: 10, windowSeconds: 60 * 60 } as const;

/** A first name: at most this many characters and words. */
export const MAX_FIRST_NAME_LENGTH = 40;
export const MAX_FIRST_NAME_WORDS = 4;

/** What the signup itself needs: the per-client counter and the outbox. */
export interface SignupDeps {
  limits: Pick<Limits, "hit">;
  /** The stage's keyed hashes: the counter names a client by one, never by its address. */
  hashes: Pick<KeyedHashes, "clientKey">;
  clock: Clock;
  /** The durable confirmation outbox (SQS in AWS). */
  outbox: Queue<SignupRequest>;
  /** A fresh signup id, 16 random hex characters (adapters/system.ts): randomness is a port. */
  newSignupId: () => string;
  /** The stage's day and hour, whence a day or an hour given alone takes the other (Monday 07:00). */
  schedule?: Pick<Schedule, "slot">;
}

export interface SubscriptionDeps extends SignupDeps {
  /**
   * A confirmation gives back its network's unit of the day (core/confirmations.ts UNCONFIRMED);
   * leaving a signup never confirmed declines its mailbox (unsubscribeReader).
   */
  limits: Pick<Limits, "hit" | "giveBack" | "declineMailbox">;
  subscribers: Subscribers;
  mailer: Mailer;
  signer: Signer;
  emails: SystemEmails;
  site: Site;
  /** Optional: the lifecycle logs only failures of emails it does not retry. */
  log?: Pick<Log, "warn" | "error">;
  /** The full set of keyed hashes (/manage's erasure needs the mailbox's). */
  hashes: KeyedHashes;
}

export interface SubscribeInput {
  email: unknown;
  firstName?: unknown;
  /** An IANA time zone (their Monday 07:00 is taken there); absent or empty: the stage default. */
  timeZone?: unknown;
  /** The day of the week they want their tip, 1 = Monday … 7 = Sunday; absent: Monday. */
  deliveryDay?: unknown;
  /** The hour of that day, 0–23, in their zone; absent: 7. */
  deliveryHour?: unknown;
  ip: string;
  userAgent: string;
  /** Where the signup came from, e.g. "signup-page" or "api". */
  source: string;
  /** The honeypot field: a person never fills it in. */
  honeypot?: unknown;
}

/** The per-IP limit was hit; the client may try again after `retryAfterSeconds`. */
export class RateLimitedError extends TooManyRequestsError {
  override name = "RateLimitedError";
  constructor(readonly retryAfterSeconds: number) {
    const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
    super(
      `Too many signups from your connection this hour. Please try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
    );
  }
}

/**
 * Characters a name never needs and an attacker uses to disguise text: controls (CR/LF included,
 * never in a subject line), format characters (bidi overrides such as U+202E, zero-width
 * spaces and joiners, the BOM, soft hyphens) and line and paragraph separators. Controls and
 * separators become a space; format characters disappear.
 */
const NAME_SPACES = /[\p{Cc}\p{Zl}\p{Zp}\p{Zs}]+/gu;
const NAME_INVISIBLE = /\p{Cf}/gu;
/** A letter of any script, with its combining marks (accents, vowel signs). */
const LETTER = "\\p{L}\\p{M}*";
/**
 * A run of letters; initials each followed by a period ("J.", "J.R.R."); or a short abbreviation
 * with its period ("St.", "Dr.", "Jr."): a capital and one or two small letters.
 */
const PART = `(?:(?:${LETTER}\\.)+|\\p{Lu}\\p{M}*(?:\\p{Ll}\\p{M}*){1,2}\\.|(?:${LETTER})+)`;
/**
 * One word of a name: parts joined by a hyphen or an apostrophe ("Jean-Luc", "O’Brien", "J.-P.").
 * A period only ends an initial or a short abbreviation, so no word is a host name
 * ("evil.example", "evil. com": a period after four small letters) and
 * digits, "@", ":", "/", fullwidth and ideographic dots (。｡．) are not letters at all.
 */
const NAME_WORD = new RegExp(`^${PART}(?:[-\u2010\u2011'\u2019\u02BC]${PART})*$`, "u");

export const FIRST_NAME_RULE =
  "The first name (firstName) may have letters of any script, spaces, hyphens, apostrophes and " +
  `periods after initials and short titles (as in “J. R.” or “St. John”), at most ${MAX_FIRST_NAME_LENGTH} characters and ` +
  `${MAX_FIRST_NAME_WORDS} words: no digits, web addresses or email addresses.`;

/** The cleaned first name, or undefined when none was given; throws BadRequestError. */
export function cleanFirstName(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new BadRequestError("The first name (firstName) must be text.", "invalid_first_name");
  }
  const name = value.normalize("NFC").replace(NAME_INVISIBLE, "").replace(NAME_SPACES, " ").trim();
  if (name === "") return undefined;
  const words = name.split(" ");
  if (
    [...name].length > MAX_FIRST_NAME_LENGTH ||
    words.length > MAX_FIRST_NAME_WORDS ||
    !words.every((word) => NAME_WORD.test(word))
  ) {
    throw new BadRequestError(FIRST_NAME_RULE, "invalid_first_name");
  }
  return name;
}

/** Validates and normalizes the signup fields; throws BadRequestError before anything is written. */
export function parseSignup(
  input: Pick<SubscribeInput, "email" | "firstName" | "timeZone" | "deliveryDay" | "deliveryHour">,
  stageSlot: DeliverySlot = DEFAULT_SLOT,
): {
  email: string;
  firstName: string | undefined;
  timeZone: string | undefined;
  deliverySlot: string | undefined;
} {
  if (input.email === undefined || input.email === null || input.email === "") {
    throw new BadRequestError("An email address is required.", "missing_email");
  }
  const email = typeof input.email === "string" ? normalizeEmail(input.email) : undefined;
  if (!email) {
    throw new BadRequestError("That doesn't look like a valid email address.", "invalid_email");
  }
  return {
    email,
    firstName: cleanFirstName(input.firstName),
    timeZone: parseTimeZone(input.timeZone),
    deliverySlot: parseDeliverySlot(input.deliveryDay, input.deliveryHour, stageSlot),
  };
}

/**
 * What a reader chooses at signup, and again on the confirm page before confirming: whoever
 * signed the address up chose them, so the mailbox's owner sees and may change them first.
 */
export interface SignupChoices {
  firstName: string | undefined;
  timeZone: string | undefined;
  deliverySlot: string | undefined;
}

/** The choices a confirm post changes: a value to set, null for none (the stage's), absent: kept. */
export type ChoiceChanges = { [K in keyof SignupChoices]?: string | null };

/**
 * The confirm page's fields, checked as the signup's are (BadRequestError): each one sent
 * replaces the signup's (empty: none); one not sent keeps it; undefined when none was sent.
 */
export function parseChoices(
  body: Record<string, unknown>,
  stageSlot: DeliverySlot = DEFAULT_SLOT,
): ChoiceChanges | undefined {
  const sent = (key: string) => body[key] !== undefined;
  if (!["firstName", "timeZone", "deliveryDay", "deliveryHour"].some(sent)) return undefined;
  const slot = () => parseDeliverySlot(body.deliveryDay, body.deliveryHour, stageSlot) ?? null;
  return {
    ...(sent("firstName") ? { firstName: cleanFirstName(body.firstName) ?? null } : {}),
    ...(sent("timeZone") ? { timeZone: parseTimeZone(body.timeZone) ?? null } : {}),
    ...(sent("deliveryDay") || sent("deliveryHour") ? { deliverySlot: slot() } : {}),
  };
}

const blank = (value: unknown) => value === undefined || value === null || value === "";

/**
 * The day and hour a reader chose ("3-18": Wednesday 18:00), or undefined when they chose
 * neither; one of them alone takes the other from the stage's slot. Anything else is a 400.
 */
export function parseDeliverySlot(
  day: unknown,
  hour: unknown,
  stageSlot: DeliverySlot = DEFAULT_SLOT,
): string | undefined {
  if (blank(day) && blank(hour)) return undefined;
  const number = (value: unknown, min: number, max: number, fallback: number) => {
    if (blank(value)) return fallback;
    if (typeof value !== "number" && typeof value !== "string") return undefined;
    const n = typeof value === "number" ? value : Number(value.trim());
    return Number.isInteger(n) && n >= min && n <= max && /^\s*\d+\s*$/.test(String(value))
      ? n
      : undefined;
  };
  const weekday = number(day, 1, 7, stageSlot.weekday);
  const h = number(hour, 0, 23, stageSlot.hour);
  if (weekday === undefined || h === undefined) {
    throw new BadRequestError(
      "The delivery day (deliveryDay) must be 1 (Monday) to 7 (Sunday), and the hour (deliveryHour) a whole hour from 0 to 23.",
      "invalid_delivery_slot",
    );
  }
  return formatSlot({ weekday: weekday as WeekdayNumbers, hour: h });
}

/** An IANA zone, or undefined for none; anything else is a 400 that says what is expected. */
export function parseTimeZone(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const zone = typeof value === "string" ? zoneSpelling(value.trim()) : undefined;
  if (zone === undefined || !isTimeZone(zone)) {
    throw new BadRequestError(
      "The time zone (timeZone) must be an IANA time zone such as Europe/London or America/New_York.",
      "invalid_time_zone",
    );
  }
  return zone;
}

/**
 * Signs an address up (double opt-in): validates, counts the per-IP limit, and puts the signup on
 * the durable outbox (core/confirmations.ts delivers it). Nothing about the address is read or
 * written here, so the answer is the same in status, body and timing whether the address is new,
 * pending, active, unsubscribed or suppressed, and whether SES is up or not.
 */
export async function subscribe(deps: SignupDeps, input: SubscribeInput): Promise<void> {
  const { email, firstName, timeZone, deliverySlot } = parseSignup(input, deps.schedule?.slot);
  if (input.honeypot !== undefined && input.honeypot !== null && input.honeypot !== "") return;

  const { limits, clock } = deps;
  const now = clock.now();
  const window = windowStart(now.getTime(), SIGNUP_LIMIT.windowSeconds);
  if (
    await limits.hit(
      `subscribe:${deps.hashes.clientKey(input.ip)}`,
      window,
      SIGNUP_LIMIT.windowSeconds,
      SIGNUP_LIMIT.perWindow,
    )
  ) {
    const end = window.getTime() + SIGNUP_LIMIT.windowSeconds * 1000;
    const retryAfter = Math.ceil((end - now.getTime()) / 1000);
    throw new RateLimitedError(Math.max(1, retryAfter));
  }

  const request: SignupRequest = {
    signupId: deps.newSignupId(),
    email,
    ...(firstName === undefined ? {} : { firstName }),
    ...(timeZone === undefined ? {} : { timeZone }),
    ...(deliverySlot === undefined ? {} : { deliverySlot }),
    consent: {
      at: now.toISOString(),
      ip: input.ip,
      userAgent: input.userAgent.slice(0, 512),
      source: input.source,
      textVersion: CONSENT.version,
    },
  };
  await deps.outbox.sendAll([request]);
}

/**
 * Sends the welcome email after a confirmation that has already happened: a failure is logged,
 * never thrown, since the subscription stands either way.
 */
async function sendWelcome(deps: SubscriptionDeps, subscriber: Subscriber | undefined) {
  if (subscriber?.status !== "active") return;
  const id = subscriber.id;
  try {
    await deps.mailer.send(systemEmail(deps, "welcome", subscriber));
  } catch (error) {
    deps.log?.error("welcome email failed", { subscriberId: id, error: String(error) });
  }
}

/**
 * The reader an unsubscribe or manage link names, else InvalidTokenError: the link must be signed
 * for `purpose` and issued to this record (not before it was made: an erased namesake's links
 * never act on a new reader). A manage link must also be issued after the reader last signed out
 * every link (Subscriber.linksNotBefore); an unsubscribe link still unsubscribes then (a mailbox
 * provider's one-click on an old email must work) and says so in `signedOut`, so that it changes
 * nothing else. `subscriber` is undefined when the reader no longer exists (erased, or expired
 * after leaving).
 */
export async function readerOfLink(
  deps: { signer: Pick<Signer, "read">; subscribers: Pick<Subscribers, "get"> },
  token: unknown,
  purpose: "unsubscribe" | "manage",
): Promise<{ id: string; subscriber: Subscriber | undefined; signedOut: boolean }> {
  const { subject: id, issuedAt } = deps.signer.read(
    typeof token === "string" ? token : "",
    purpose,
  );
  const subscriber = await deps.subscribers.get(id);
  const made = subscriber ? Math.floor(Date.parse(subscriber.createdAt) / 1000) : 0;
  const signedOut = subscriber !== undefined && issuedAt < (subscriber.linksNotBefore ?? 0);
  if (issuedAt < made || (signedOut && purpose === "manage")) {
    throw new InvalidTokenError("This link is invalid or has expired.");
  }
  return { id, subscriber, signedOut };
}

/**
 * Why a confirm link no longer confirms, in the words of whoever opened it: a later signup of the
 * address sent a newer link, or the address left since; otherwise (bounced, complained, erased,
 * or not our link) that it is invalid.
 */
function retiredLink(
  subscriber: Subscriber | undefined,
  generation: string,
  now: Date,
): InvalidTokenError {
  const declined = declinedUntil(subscriber, now);
  if (declined) {
    return new InvalidTokenError(
      `This signup was declined: the address was unsubscribed from its confirmation email, so no confirmation can reach it until ${dayOf(declined)}, whoever signs it up.`,
    );
  }
  if (subscriber?.status === "pending" && subscriber.generation !== generation) {
    return new InvalidTokenError(
      "This confirmation link was replaced by a newer one: the address was signed up again, and a new email went out. Use the link in the newest email from us.",
    );
  }
  if (subscriber?.status === "unsubscribed") {
    return new InvalidTokenError(
      "This address left the list after this link was sent, so the link no longer confirms it. To get the tips, sign up again.",
    );
  }
  return new InvalidTokenError("This link is invalid or has expired.");
}

/** What a confirm link's page shows (GET, which changes nothing). */
export type ConfirmLinkState =
  /** The link can confirm its signup: the button, under the signup's choices to check. */
  | { state: "prompt"; choices: SignupChoices }
  /** The address is on the list (this link or a later one confirmed it): nothing to press. */
  | { state: "already-confirmed" };

/**
 * For the page a confirm link opens: what it shows; else InvalidTokenError saying why the link
 * no longer works (retiredLink), so that no page shows a button that can only fail.
 */
export async function checkConfirmLink(
  deps: Pick<SubscriptionDeps, "signer" | "subscribers" | "clock">,
  token: unknown,
): Promise<ConfirmLinkState> {
  const subject = deps.signer.verify(typeof token === "string" ? token : "", "confirm");
  const { id, generation } = parseConfirmSubject(subject);
  const subscriber = await deps.subscribers.get(id);
  if (subscriber?.status === "active") return { state: "already-confirmed" };
  if (subscriber?.status === "pending" && subscriber.generation === generation) {
    const { firstName, timeZone, deliverySlot } = subscriber;
    return { state: "prompt", choices: { firstName, timeZone, deliverySlot } };
  }
  throw retiredLink(subscriber, generation, deps.clock.now());
}

export type ConfirmResult = "confirmed" | "already-confirmed";

/**
 * Confirms a signup from the token in the confirmation email, with the choices the confirm page
 * sent (the owner's, in place of the signup's). Only the call that actually moves pending →
 * active sends the welcome email, so it is sent once however often the link is used.
 */
export async function confirm(
  deps: SubscriptionDeps,
  token: unknown,
  ip: string,
  choices?: ChoiceChanges,
): Promise<ConfirmResult> {
  const subject = deps.signer.verify(typeof token === "string" ? token : "", "confirm");
  const { id, generation } = parseConfirmSubject(subject);
  // Bound to the signup it was issued for: a later signup or an unsubscribe retired it.
  const result = await deps.subscribers.activate(id, deps.clock.now(), ip, generation);
  if (result === "already-active") return "already-confirmed";
  if (result !== "activated") {
    // On the list through a later signup's link; or retired by a later signup, or unsubscribed,
    // bounced, complained or gone.
    const current = await deps.subscribers.get(id);
    if (current?.status === "active") return "already-confirmed";
    throw retiredLink(current, generation, deps.clock.now());
  }
  if (choices) {
    // A second write: should it fail, the reader is in with the signup's choices, and the page
    // that answers shows those, to change on /manage.
    const saved = await deps.subscribers
      .updatePreferences(id, { ...choices, at: deps.clock.now() })
      .catch(() => false);
    if (!saved) deps.log?.warn("confirmed with the signup's choices", { subscriberId: id });
  }
  const subscriber = await deps.subscribers.get(id);
  const counter = subscriber && unconfirmedCounter(deps.hashes, subscriber.consent);
  // Best effort: a unit not given back only lowers that network's day until it ends.
  if (counter) {
    await deps.limits.giveBack(counter.key, counter.windowStart).catch((error: unknown) => {
      deps.log?.warn("network's confirmation unit not given back", {
        subscriberId: id,
        error: String(error),
      });
    });
  }
  // The subscription stands; a lost welcome is not worth failing the confirmation for.
  await sendWelcome(deps, subscriber);
  return "confirmed";
}

export type UnsubscribeOutcome = "unsubscribed" | "already-unsubscribed";

/** What unsubscribing needs: the reader, and the mailbox a never-confirmed signup declines. */
export interface UnsubscribeDeps {
  subscribers: Pick<Subscribers, "unsubscribe">;
  clock: Clock;
  limits: Pick<Limits, "declineMailbox">;
  hashes: Pick<KeyedHashes, "mailboxKey">;
}

/**
 * Unsubscribes the holder of an unsubscribe token (they never expire, and still work after "sign
 * out every link"). Idempotent. Nothing is emailed: the page that answers says it is done. A reader
 * who no longer exists gets the same answer as one who left already.
 */
export async function unsubscribe(
  deps: UnsubscribeDeps & {
    signer: Pick<Signer, "read">;
    subscribers: Pick<Subscribers, "get" | "unsubscribe">;
  },
  token: unknown,
): Promise<UnsubscribeOutcome> {
  const { subscriber } = await readerOfLink(deps, token, "unsubscribe");
  if (!subscriber) return "already-unsubscribed";
  return unsubscribeReader(deps, subscriber);
}

/**
 * Unsubscribes a reader already read (by a link, an authenticated email). Leaving a signup never
 * confirmed declines it: its mailbox gets no other confirmation for DECLINED_DAYS, whoever signs
 * it up (the confirmation's footer promises it). That is written first, so that a failure leaves
 * both to the retry.
 */
export async function unsubscribeReader(
  deps: UnsubscribeDeps,
  reader: Pick<Subscriber, "id" | "email" | "status" | "confirmedAt" | "consent">,
): Promise<UnsubscribeOutcome> {
  const now = deps.clock.now();
  if (reader.status === "pending" && !confirmedSinceSignup(reader)) {
    await deps.limits.declineMailbox(deps.hashes.mailboxKey(reader.email), declineEnd(now));
  }
  const result = await deps.subscribers.unsubscribe(reader.id, now);
  return result === "unsubscribed" ? "unsubscribed" : "already-unsubscribed";
}
