/**
 * The ports the core takes as plain arguments. Adapters in functions/adapters implement them,
 * each with an in-memory twin; test/adapters/*.contract.ts runs one suite against both.
 */
import type { Verdict } from "./eligibility.js";
import type { StopReason } from "./errors.js";
import type { Consent, Subscriber } from "./types.js";

/** Time, as the core sees it (functions/adapters/system.ts has the real one). */
export interface Clock {
  now(): Date;
}

/** Waits; tests pass one that moves a fake clock instead. */
export type Sleep = (ms: number) => Promise<void>;

/** A number in [0, 1), for jitter; tests pass a fixed one. */
export type Random = () => number;

/* ------------------------------------------------------------------ store */

export type ActivateResult = "activated" | "already-active" | "not-pending" | "missing";
export type UnsubscribeResult = "unsubscribed" | "already" | "missing";
/** "claimed": the caller now holds the claim and may send; otherwise why not (eligibility.ts). */
export type ClaimResult = "claimed" | Exclude<Verdict["kind"], "eligible">;

export interface ClaimRequest {
  week: string;
  tip: string;
  runId: string;
  now: Date;
  /** A pending claim taken before this instant is stale and may be taken over. */
  staleBefore: Date;
  /**
   * The subscriber's send revision (Subscriber.rev) when the planner judged them eligible. A store
   * may claim without reading again while the revision is unchanged; any other value (or none)
   * makes it read the subscriber and judge afresh.
   */
  seenRev?: number;
}

export interface ActivePage {
  items: Subscriber[];
  /** Opaque; absent on the last page. */
  cursor?: string;
}

export interface SubscriberStore {
  /** How many shards the active set is spread over (keys ACTIVE#0..shards-1). */
  readonly shards: number;

  get(id: string): Promise<Subscriber | undefined>;

  /** Inserts a new subscriber; false (and nothing written) if the id exists already. */
  create(subscriber: Subscriber): Promise<boolean>;

  /**
   * Takes an unsubscribed subscriber back to pending with fresh consent (a new signup).
   * False if the subscriber is not unsubscribed (bounced and complained stay as they are).
   */
  resubscribe(
    id: string,
    consent: Consent,
    firstName: string | undefined,
    now: Date,
  ): Promise<boolean>;

  /**
   * Reserves the right to send a confirmation email now: sets confirmEmailSentAt = now when it is
   * absent or earlier than `notBefore`, and the subscriber is still pending. False otherwise.
   */
  reserveConfirmationEmail(id: string, now: Date, notBefore: Date): Promise<boolean>;

  /**
   * Gives back a reservation whose email could not be sent, so the next signup attempt sends one.
   * Only the reservation made at `reservedAt` is removed (a newer one stays).
   */
  releaseConfirmationEmail(id: string, reservedAt: Date): Promise<void>;

  /** pending → active (joins the active set), recording confirmation time and IP. */
  activate(id: string, now: Date, ip: string): Promise<ActivateResult>;

  /** Any status except unsubscribed → unsubscribed (leaves the active set). Idempotent. */
  unsubscribe(id: string, now: Date): Promise<UnsubscribeResult>;

  /** Marks a subscriber bounced or complained (leaves the active set). False if missing or unchanged. */
  suppress(id: string, status: "bounced" | "complained", now: Date): Promise<boolean>;

  /** One page of the active subscribers of one shard. */
  listActive(shard: number, cursor: string | undefined, limit: number): Promise<ActivePage>;

  /**
   * Conditional claim for (week, tip, subscriber) before the SES call: succeeds only when
   * core/eligibility.ts `verdict` says eligible at the moment of the write.
   */
  claim(id: string, request: ClaimRequest): Promise<ClaimResult>;

  /** After SES accepted: records the MessageId, adds the tip to sentTips, sets lastWeekSent. */
  markSent(
    id: string,
    week: string,
    tip: string,
    runId: string,
    messageId: string,
    now: Date,
  ): Promise<void>;

  /** The send failed for this recipient only: record why; the claim stays (no retry this week). */
  markFailed(id: string, week: string, runId: string, error: string, now: Date): Promise<void>;

  /** Gives a pending claim back (the run stopped before sending): the next run may take it. */
  releaseClaim(id: string, week: string, runId: string): Promise<void>;

  /**
   * Counts one hit for `key` in the fixed window starting at `windowStart`; true when the count
   * after this hit exceeds `limit`.
   */
  hit(key: string, windowStart: Date, windowSeconds: number, limit: number): Promise<boolean>;
}

/* ----------------------------------------------------------------- mailer */

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers, e.g. List-Unsubscribe; each name at most once. */
  headers?: ReadonlyArray<{ name: string; value: string }>;
  /** Message tags for SES event publishing (e.g. { kind: "tip", week: "2026-W48" }). */
  tags?: Readonly<Record<string, string>>;
}

export interface SendQuota {
  /** Emails per second. */
  maxSendRate: number;
  max24HourSend: number;
  sentLast24Hours: number;
}

/** What SES says before a run starts. */
export interface SendingStatus {
  /** The account's sending quota; absent when the endpoint cannot tell (local stand-ins). */
  quota?: SendQuota;
  /** Set when SES would refuse every send (paused, suspended): the run sends nothing. */
  stopped?: { reason: StopReason; message: string };
}

export interface Mailer {
  /**
   * Sends one email (one SES call, never retried here: the sender's loop is the only retry
   * layer) and returns SES's MessageId. Throws MailThrottledError, MailRejectedError or
   * MailStoppedError (core/errors.ts) for the failures the send engine treats differently.
   */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  /** The account's quota and whether sending is possible at all. */
  status(): Promise<SendingStatus>;
}

/* ------------------------------------------------------------------ queue */

export interface Queue<T> {
  /** Enqueues messages; resolves once every one is durably accepted. */
  sendAll(messages: readonly T[]): Promise<void>;
}

/** A queue this process consumes itself (in place of SQS and its event source). */
export interface DrainableQueue<T> extends Queue<T> {
  /**
   * Hands every message to `consumer`, `concurrency` at a time; with `untilClosed` it waits for
   * more until close(). Rejects with the first error a consumer throws.
   */
  drain(
    consumer: (message: T) => Promise<void>,
    options: { concurrency: number; untilClosed: boolean },
  ): Promise<void>;
  /** No more messages will come. */
  close(): void;
}

/* -------------------------------------------------------------------- log */

/** The structured logger the core reports to (Powertools' Logger fits it). */
export interface Log {
  info(message: string, data: Record<string, unknown>): void;
  warn(message: string, data: Record<string, unknown>): void;
  error(message: string, data: Record<string, unknown>): void;
}
