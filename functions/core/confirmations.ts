/**
 * The confirmation outbox: each signup from the queue is written to its subscriber and gets its
 * confirmation email (an active reader's, the "already subscribed" one), at most MAILBOX_LIMITS
 * per real mailbox, none to a mailbox that declined one lately, and `confirmationsPerHour` for
 * the whole list, of which one network or one recipient domain gets at most its SHARES, and one
 * network at most UNCONFIRMED a day that nobody has confirmed yet. A failure throws and the
 * queue delivers the signup again; the record that the email went out keeps a redelivery from
 * sending it twice (docs/architecture.md has the steps).
 */
import type { KeyedHashes } from "./email.js";
import type { Clock, Limits, Log, MailboxWindow, Mailer, Subscribers } from "./ports.js";
import { isTimeZone, parseSlot } from "./schedule.js";
import { type SystemEmailContext, systemEmail } from "./subscriptions-emails.js";
import type { Consent, Subscriber } from "./types.js";
import * as z from "./zod.js";

/**
 * Confirmation (or "already subscribed") emails one real mailbox may get: two a day, and three a
 * week, so that a stranger's signups reach an owner who only ignores them three times a week.
 */
export const MAILBOX_LIMITS = [
  { windowSeconds: 24 * 60 * 60, limit: 2 },
  { windowSeconds: 7 * 24 * 60 * 60, limit: 3 },
] as const satisfies readonly MailboxWindow[];

/** One confirmation email's slot of a mailbox: when (ms), and for which signup. */
export interface MailboxSlot {
  at: number;
  signup: string;
}

/**
 * The rule both Limits adapters keep for reserveMailboxSlot: the slots a mailbox keeps (those
 * inside its longest window, `keepSeconds`), and whether `signupId` may have one: true (it holds
 * one already), false (a window has had its limit), or "new" (it takes one now).
 */
export function mailboxSlots(
  stored: readonly MailboxSlot[],
  signupId: string,
  now: Date,
  windows: readonly MailboxWindow[],
): { kept: MailboxSlot[]; allowed: boolean | "new"; keepSeconds: number } {
  const keepSeconds = Math.max(...windows.map((w) => w.windowSeconds));
  const kept = stored.filter((slot) => slot.at > now.getTime() - keepSeconds * 1000);
  if (kept.some((slot) => slot.signup === signupId)) return { kept, allowed: true, keepSeconds };
  const full = windows.some(
    (w) =>
      kept.filter((slot) => slot.at > now.getTime() - w.windowSeconds * 1000).length >= w.limit,
  );
  return { kept, allowed: full ? false : "new", keepSeconds };
}

const HOUR_MS = 60 * 60 * 1000;

/** The store key of the list-wide hourly budget counter. */
export const BUDGET_KEY = "confirmations";

/**
 * The most of the hourly budget one client network (IPv4 /24, IPv6 /48) and one recipient domain
 * may use, so that a flood from one place, or of made-up addresses at one domain, leaves the rest
 * for everyone else. At the default budget of 200: 20 per network, 50 per domain.
 */
export const SHARES = { network: 0.1, domain: 0.25 } as const;

/** A share of the hourly budget, as a count (at least 1). */
export const shareOf = (budget: number, share: number) => Math.max(1, Math.floor(budget * share));

/**
 * Confirmations one client network (IPv4 /24; IPv6 /32, a provider's: network.ts) may have out,
 * unconfirmed, from one UTC day's signups: a share
 * of the hourly budget (40 at the default 200). Each confirmed signup gives its unit back, so
 * readers who confirm never run out, while a stranger's signups for other people's addresses,
 * which nobody confirms, keep theirs: to hold the whole budget for a day a stranger would need a
 * network for every 40 of it, not one for every tenth of an hour's. Past it a signup is dropped
 * (nothing written or sent), as past its mailbox's limit. The operator's import is not a network.
 */
export const UNCONFIRMED = { share: 0.2, windowSeconds: 24 * 60 * 60 } as const;

/**
 * Days the mailbox of an address whose owner unsubscribed from a confirmation email (a signup
 * they did not confirm) gets no other, whoever signs it up and however they spell it: the
 * confirmation's footer promises it, so a stranger cannot go on mailing it through the signup
 * form (core/subscriptions.ts unsubscribeReader, Limits.declineMailbox).
 */
export const DECLINED_DAYS = 30;

/** Whether the reader confirmed their last signup (one who left after it is free to come back). */
export function confirmedSinceSignup(reader: Pick<Subscriber, "confirmedAt" | "consent">): boolean {
  return reader.confirmedAt !== undefined && reader.confirmedAt >= reader.consent.at;
}

/** When a decline made at `left` ends: DECLINED_DAYS later. */
export const declineEnd = (left: Date) => new Date(left.getTime() + DECLINED_DAYS * 24 * HOUR_MS);

/**
 * Until when a reader who left their last signup unconfirmed gets no confirmation (declineEnd of
 * their leaving), if that is after `now`; else undefined.
 */
export function declinedUntil(current: Subscriber | undefined, now: Date): Date | undefined {
  if (current?.status !== "unsubscribed" || current.unsubscribedAt === undefined) return undefined;
  if (confirmedSinceSignup(current)) return undefined;
  const until = declineEnd(new Date(current.unsubscribedAt));
  return until > now ? until : undefined;
}

/** The consent `ip` of the operator's imported invitations (core/import.ts). */
export const IMPORT_IP = "import";

/** The start of the fixed window of `windowSeconds` (Limits' counters) that holds `instant`. */
export function windowStart(instant: number, windowSeconds: number): Date {
  const ms = windowSeconds * 1000;
  return new Date(Math.floor(instant / ms) * ms);
}

/** The counter of a network's unconfirmed confirmations, and the UTC day of the signup's consent. */
export function unconfirmedCounter(
  hashes: Pick<KeyedHashes, "providerKey">,
  consent: Pick<Consent, "ip" | "at">,
): { key: string; windowStart: Date } | undefined {
  if (consent.ip === IMPORT_IP) return undefined;
  const at = Date.parse(consent.at);
  return {
    key: `${BUDGET_KEY}:unconfirmed:${hashes.providerKey(consent.ip)}`,
    windowStart: windowStart(Number.isFinite(at) ? at : 0, UNCONFIRMED.windowSeconds),
  };
}

/** A signup on the outbox: everything the consent record and the confirmation need. */
export interface SignupRequest {
  /** Random, 16 hex characters: becomes the subscriber's generation. */
  signupId: string;
  /** Normalized (core/email.ts normalizeEmail). */
  email: string;
  firstName?: string;
  /** IANA zone the reader chose (core/schedule.ts isTimeZone); absent: the stage default. */
  timeZone?: string;
  /** The day and hour the reader chose, "1-07" (core/schedule.ts); absent: the stage's. */
  deliverySlot?: string;
  consent: Consent;
}

/** A signup as the outbox carries it (functions/events/sqs.ts checks each message with it). */
export const signupRequestSchema = z.object({
  signupId: z.string().check(z.regex(/^[0-9a-f]{16}$/)),
  email: z.string().check(z.minLength(3), z.maxLength(254)),
  firstName: z.optional(z.string().check(z.maxLength(100))),
  timeZone: z.optional(z.string().check(z.refine(isTimeZone))),
  deliverySlot: z.optional(z.string().check(z.refine((s) => parseSlot(s) !== undefined))),
  consent: z.object({
    at: z.string(),
    ip: z.string(),
    userAgent: z.string(),
    source: z.string(),
    textVersion: z.string(),
  }),
});

/** The hourly budget is spent: the signup waits until the next hour. */
export class ConfirmationDeferredError extends Error {
  override name = "ConfirmationDeferredError";
  constructor(readonly retryAfterSeconds: number) {
    super(`the hourly confirmation budget is spent; retry in ${retryAfterSeconds} s`);
  }
}

/** Another signup for the same subscriber was written between our read and our write. */
export class SignupConflictError extends Error {
  override name = "SignupConflictError";
}

export interface ConfirmationDeps extends SystemEmailContext {
  subscribers: Subscribers;
  limits: Pick<Limits, "take" | "giveBack" | "reserveMailboxSlot" | "releaseMailboxSlot">;
  hashes: KeyedHashes;
  mailer: Mailer;
  clock: Clock;
  /** The list-wide budget of confirmation emails per clock hour (Settings). */
  confirmationsPerHour: number;
}

export type DeliveryOutcome =
  /** The confirmation went out. */
  | "sent"
  /** A redelivery of a signup whose confirmation went out already. */
  | "already-sent"
  /** Already active: no confirmation; the reader was told so (the "already" email). */
  | "reminded"
  /** Already active, and its mailbox had its emails of the day: nothing sent. */
  | "not-needed"
  /** The address was erased after this signup was made: the signup is dropped. */
  | "erased"
  /**
   * The address's owner unsubscribed from a confirmation within DECLINED_DAYS: dropped, nothing
   * sent (another spelling of its mailbox is dropped as "mailbox-limit").
   */
  | "declined"
  /** The mailbox had its confirmations for the last 24 h: nothing written, nothing sent. */
  | "mailbox-limit"
  /** The client's network has UNCONFIRMED confirmations out from the day: dropped likewise. */
  | "network-limit";

/**
 * Takes the signup's unit of the hour's budget, its network's share and its domain's share, or
 * none of them: ConfirmationDeferredError when any is used up (the signup waits on the queue).
 */
async function takeBudget(
  deps: ConfirmationDeps,
  request: SignupRequest,
  now: Date,
): Promise<void> {
  const hourStart = windowStart(now.getTime(), HOUR_MS / 1000);
  const budget = deps.confirmationsPerHour;
  const counters = [
    [
      `${BUDGET_KEY}:network:${deps.hashes.networkKey(request.consent.ip)}`,
      shareOf(budget, SHARES.network),
    ],
    [
      `${BUDGET_KEY}:domain:${deps.hashes.domainKey(request.email)}`,
      shareOf(budget, SHARES.domain),
    ],
    [BUDGET_KEY, budget],
  ] as const;
  const taken: string[] = [];
  for (const [key, limit] of counters) {
    if (await deps.limits.take(key, hourStart, 3600, limit)) {
      taken.push(key);
      continue;
    }
    for (const earlier of taken) await deps.limits.giveBack(earlier, hourStart);
    throw new ConfirmationDeferredError(
      Math.max(1, Math.ceil((hourStart.getTime() + HOUR_MS - now.getTime()) / 1000)),
    );
  }
}

/** Delivers one signup (see the top of this file). Throws when it should be tried again. */
export async function deliverConfirmation(
  deps: ConfirmationDeps,
  request: SignupRequest,
): Promise<DeliveryOutcome> {
  const { subscribers, limits, clock, hashes } = deps;
  const now = clock.now();
  const id = hashes.subscriberId(request.email);
  const current = await subscribers.get(id);
  // Anyone but an active reader may sign up (again): pending, left, bounced or complained.
  if (current?.status === "active") return remind(deps, request, current, now);
  if (declinedUntil(current, now)) return "declined";
  const generation = request.signupId;
  if (current?.generation === generation) {
    if (current.confirmSentFor === generation) return "already-sent";
  } else {
    const mailbox = hashes.mailboxKey(request.email);
    if (!(await limits.reserveMailboxSlot(mailbox, generation, now, MAILBOX_LIMITS))) {
      return "mailbox-limit";
    }
    const unconfirmed = unconfirmedCounter(hashes, request.consent);
    const limit = shareOf(deps.confirmationsPerHour, UNCONFIRMED.share);
    if (
      unconfirmed &&
      !(await limits.take(
        unconfirmed.key,
        unconfirmed.windowStart,
        UNCONFIRMED.windowSeconds,
        limit,
      ))
    ) {
      await limits.releaseMailboxSlot(mailbox, generation);
      return "network-limit";
    }
    try {
      await takeBudget(deps, request, now);
    } catch (error) {
      // Waiting for the budget holds none of the mailbox's slots nor its network's day: a flood
      // of signups for one address while the budget is spent must not use up its owner's own.
      if (unconfirmed) await limits.giveBack(unconfirmed.key, unconfirmed.windowStart);
      await limits.releaseMailboxSlot(mailbox, generation);
      throw error;
    }
    const { firstName, timeZone, deliverySlot, consent } = request;
    const record = {
      generation,
      firstName,
      timeZone,
      deliverySlot,
      consent,
      now,
      // An item from before consentHistory existed keeps its one consent as the first entry.
      ...(current && !current.consentHistory ? { earlierConsents: [current.consent] } : {}),
    };
    const written = current
      ? await subscribers.beginSignup(id, record, current.generation)
      : await subscribers.create({
          id,
          email: request.email,
          ...(firstName === undefined ? {} : { firstName }),
          ...(timeZone === undefined ? {} : { timeZone }),
          ...(deliverySlot === undefined ? {} : { deliverySlot }),
          status: "pending",
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
          consent,
          consentHistory: [consent],
          generation,
          sentTips: [],
          // Links of anyone who had this address before (and was erased) never work for this one.
          linksNotBefore: Math.floor(now.getTime() / 1000),
        });
    if (!written) {
      // No record, and none could be made: the address was erased after this signup was given.
      if (!current && !(await subscribers.get(id))) return "erased";
      throw new SignupConflictError(`subscriber ${id} changed during the signup`);
    }
  }
  const recipient = {
    id,
    email: current?.email ?? request.email,
    firstName: request.firstName,
    generation,
  };
  await deps.mailer.send(systemEmail(deps, "confirm", recipient));
  await subscribers.markConfirmationSent(id, generation, now);
  return "sent";
}

/**
 * An active reader's address signed up again: the "already" email says there is nothing to
 * confirm and links their preferences, under the same limits as a confirmation (the mailbox's
 * slots, the hour's budget and its shares), so it mails no one more than a signup could. A unit
 * of its own per signup keeps a redelivered signup from sending it twice.
 */
async function remind(
  deps: ConfirmationDeps,
  request: SignupRequest,
  reader: Subscriber,
  now: Date,
): Promise<DeliveryOutcome> {
  const { limits, hashes } = deps;
  const mailbox = hashes.mailboxKey(request.email);
  if (!(await limits.reserveMailboxSlot(mailbox, request.signupId, now, MAILBOX_LIMITS))) {
    return "not-needed";
  }
  // The signup's own day, the same on every delivery of it.
  const day = windowStart(Date.parse(request.consent.at) || 0, 24 * 60 * 60);
  const once = `${BUDGET_KEY}:already:${request.signupId}`;
  if (!(await limits.take(once, day, 2 * 24 * 60 * 60, 1))) return "already-sent";
  try {
    await takeBudget(deps, request, now);
    await deps.mailer.send(systemEmail(deps, "already", reader));
  } catch (error) {
    await limits.giveBack(once, day);
    // As for a confirmation: waiting for the budget holds none of the mailbox's slots.
    if (error instanceof ConfirmationDeferredError) {
      await limits.releaseMailboxSlot(mailbox, request.signupId);
    }
    throw error;
  }
  return "reminded";
}

/**
 * Delivers one signup from the outbox and logs what came of it; throws when the queue should
 * deliver it again (a failed send, a failed store, a spent budget).
 */
export async function deliverQueuedSignup(
  deps: ConfirmationDeps & { log: Log },
  request: SignupRequest,
): Promise<void> {
  const subscriber = deps.hashes.subscriberId(request.email);
  try {
    const outcome = await deliverConfirmation(deps, request);
    deps.log.info("confirmation", { outcome, subscriberId: subscriber });
  } catch (error) {
    const level = error instanceof ConfirmationDeferredError ? "info" : "warn";
    deps.log[level]("confirmation will be retried", {
      subscriberId: subscriber,
      error: String(error),
    });
    throw error;
  }
}
