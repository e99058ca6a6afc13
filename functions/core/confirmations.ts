/**
 * The confirmation outbox: each signup from the queue is written to its subscriber and gets its
 * confirmation email, at most MAILBOX_LIMIT per real mailbox a day and `confirmationsPerHour` for
 * the whole list. A failure throws and the queue delivers the signup again; the record that the
 * email went out keeps a redelivery from sending it twice (docs/architecture.md has the steps).
 */
import { mailboxKey, subscriberId } from "./email.js";
import type { Clock, Limits, Log, Mailer, Subscribers } from "./ports.js";
import { isTimeZone } from "./schedule.js";
import { type SystemEmailContext, systemEmail } from "./subscriptions-emails.js";
import type { Consent } from "./types.js";
import * as z from "./zod.js";

/** One confirmation email per real mailbox at most this often. */
export const MAILBOX_LIMIT = { perWindow: 2, windowSeconds: 24 * 60 * 60 } as const;

/** The store key of the list-wide hourly budget counter. */
export const BUDGET_KEY = "confirmations";

const HOUR_MS = 60 * 60 * 1000;

/** A signup on the outbox: everything the consent record and the confirmation need. */
export interface SignupRequest {
  /** Random, 16 hex characters: becomes the subscriber's generation. */
  signupId: string;
  /** Normalized (core/email.ts normalizeEmail). */
  email: string;
  firstName?: string;
  /** IANA zone the reader chose (core/schedule.ts isTimeZone); absent: the stage default. */
  timeZone?: string;
  consent: Consent;
}

/** A signup as the outbox carries it (functions/events/sqs.ts checks each message with it). */
export const signupRequestSchema = z.object({
  signupId: z.string().check(z.regex(/^[0-9a-f]{16}$/)),
  email: z.string().check(z.minLength(3), z.maxLength(254)),
  firstName: z.optional(z.string().check(z.maxLength(100))),
  timeZone: z.optional(z.string().check(z.refine(isTimeZone))),
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
  limits: Pick<Limits, "hit" | "reserveMailboxSlot">;
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
  /** Active, bounced or complained: no confirmation. */
  | "not-needed"
  /** The mailbox had its confirmations for the last 24 h: nothing written, nothing sent. */
  | "mailbox-limit";

/** Delivers one signup (see the top of this file). Throws when it should be tried again. */
export async function deliverConfirmation(
  deps: ConfirmationDeps,
  request: SignupRequest,
): Promise<DeliveryOutcome> {
  const { subscribers, limits, clock } = deps;
  const now = clock.now();
  const id = subscriberId(request.email);
  const current = await subscribers.get(id);
  if (current && current.status !== "pending" && current.status !== "unsubscribed") {
    return "not-needed";
  }
  const generation = request.signupId;
  if (current?.generation === generation) {
    if (current.confirmSentFor === generation) return "already-sent";
  } else {
    const mailbox = mailboxKey(request.email);
    const { perWindow, windowSeconds } = MAILBOX_LIMIT;
    if (!(await limits.reserveMailboxSlot(mailbox, generation, now, windowSeconds, perWindow))) {
      return "mailbox-limit";
    }
    const hourStart = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
    if (await limits.hit(BUDGET_KEY, new Date(hourStart), 3600, deps.confirmationsPerHour)) {
      throw new ConfirmationDeferredError(
        Math.max(1, Math.ceil((hourStart + HOUR_MS - now.getTime()) / 1000)),
      );
    }
    const { firstName, timeZone, consent } = request;
    const record = {
      generation,
      firstName,
      timeZone,
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
          status: "pending",
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
          consent,
          consentHistory: [consent],
          generation,
          sentTips: [],
        });
    if (!written) throw new SignupConflictError(`subscriber ${id} changed during the signup`);
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
 * Delivers one signup from the outbox and logs what came of it; throws when the queue should
 * deliver it again (a failed send, a failed store, a spent budget).
 */
export async function deliverQueuedSignup(
  deps: ConfirmationDeps & { log: Log },
  request: SignupRequest,
): Promise<void> {
  const subscriber = subscriberId(request.email);
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
