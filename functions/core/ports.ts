/**
 * The ports the core takes as plain arguments. Adapters in functions/adapters implement them,
 * each with an in-memory twin; test/adapters/*.contract.ts runs one suite against both.
 */
import type { Verdict } from "./eligibility.js";
import type { StopReason } from "./errors.js";
import type { DomainEvent } from "./events.js";
import type { StatsReport } from "./stats.js";
import type { Consent, Reader, Subscriber, SubscriberStatus } from "./types.js";

/** What a signup that gets a confirmation email writes on the subscriber. */
export interface SignupRecord {
  /** The signup's id: its confirm link carries it, and only the latest one works. */
  generation: string;
  firstName: string | undefined;
  /** The zone chosen at this signup; undefined: the stage default (a previous choice is dropped). */
  timeZone: string | undefined;
  /** The day and hour chosen at this signup ("1-07"); undefined: the stage's (likewise). */
  deliverySlot?: string | undefined;
  consent: Consent;
  now: Date;
  /**
   * The history to start from when the item has none (written before consentHistory existed):
   * its one `consent`, so that it is kept rather than overwritten.
   */
  earlierConsents?: readonly Consent[];
}

/** Time, as the core sees it (functions/adapters/system.ts has the real one). */
export interface Clock {
  now(): Date;
}

/** Waits; tests pass one that moves a fake clock instead. */
export type Sleep = (ms: number) => Promise<void>;

/** A number in [0, 1), for jitter; tests pass a fixed one. */
export type Random = () => number;

/* ------------------------------------------------------------ the table */

export type ActivateResult = "activated" | "already-active" | "not-pending" | "missing";
export type UnsubscribeResult = "unsubscribed" | "already" | "missing";
/** "claimed": the caller now holds the claim and may send; otherwise why not (eligibility.ts). */
export type ClaimResult = "claimed" | Exclude<Verdict["kind"], "eligible">;

export interface ClaimRequest {
  week: string;
  tip: string;
  runId: string;
  /** The moment of the claim: a reader paused beyond it is not claimed ("paused"). */
  now: Date;
  /** A pending claim taken before this instant is stale and may be taken over. */
  staleBefore: Date;
  /** The address the email will go to: claimed only while it is the subscriber's. */
  email?: string;
  /**
   * The subscriber's send revision (Subscriber.rev) when the planner judged them eligible. A store
   * may claim without reading again while the revision is unchanged; any other value (or none)
   * makes it read the subscriber and judge afresh.
   */
  seenRev?: number;
}

export interface PreferenceChanges {
  timeZone?: string | null;
  /** "1-07" (core/schedule.ts formatSlot); null: back to the stage's day and hour. */
  deliverySlot?: string | null;
  firstName?: string | null;
  pausedUntil?: Date | null;
  dueAt?: Date | null;
  /** The moment of the change, for the counters (a pause soon after a tip is leaving after it). */
  at?: Date;
}

export interface ActivePage {
  /** Only what the send engine reads (types.ts READER_FIELDS): pages are read every hour. */
  items: Reader[];
  /** Opaque; absent on the last page. */
  cursor?: string;
}

/** The subscribers themselves: signing up, confirming, their preferences, leaving. */
export interface Subscribers {
  get(id: string): Promise<Subscriber | undefined>;

  /**
   * Inserts a new subscriber; false (and nothing written) if the id exists already, or was
   * erased after the signup's consent was given (a signup made before an erasure never undoes it).
   * Over an older erasure mark it writes the new record.
   */
  create(subscriber: Subscriber): Promise<boolean>;

  /**
   * A new signup for an existing pending or unsubscribed subscriber: back to (or still) pending,
   * with `signup.generation` as the one generation whose confirm link works (earlier links retire),
   * the signup's first name (none: removed), and its consent appended to `consentHistory` (and
   * copied to `consent`, the latest). Also from bounced or complained: a mailbox that works again
   * gets a new confirmation. Conditional on the generation read before (`expected`; undefined:
   * none), so of two racing signups one wins. False if the condition failed.
   */
  beginSignup(id: string, signup: SignupRecord, expected: string | undefined): Promise<boolean>;

  /** Records that the confirmation of `generation` went out; false if a newer signup replaced it. */
  markConfirmationSent(id: string, generation: string, now: Date): Promise<boolean>;

  /**
   * pending → active (joins the active set, due at once: the planner's next pass moves them to
   * their first delivery slot after confirming), recording confirmation time and IP. With a
   * `generation`, only while it is still the subscriber's (a confirm link of a retired signup
   * gets "not-pending", and "already-active" only for the generation that was confirmed).
   */
  activate(id: string, now: Date, ip: string, generation?: string): Promise<ActivateResult>;

  /**
   * pending or active → unsubscribed (leaves the active set, and retires every confirm link by
   * dropping the generation). Idempotent.
   */
  unsubscribe(id: string, now: Date): Promise<UnsubscribeResult>;

  /** Marks a subscriber bounced or complained (leaves the active set). False if missing or unchanged. */
  suppress(id: string, status: "bounced" | "complained", now: Date): Promise<boolean>;

  /**
   * Erases a subscriber: the record is replaced by an erasure mark that holds only the id (a
   * keyed hash) and the time, so nothing that held the address, the name or the consent is left.
   * The mark is written even when there was no record. get() no longer finds the id. Idempotent.
   */
  erase(id: string, now: Date): Promise<"erased" | "absent">;

  /**
   * "Sign out every link": manage links issued before `at` (unix seconds) stop working, and
   * unsubscribe links then only unsubscribe (Subscriber.linksNotBefore). False when there is no
   * record.
   */
  signOutLinks(id: string, at: number): Promise<boolean>;

  /**
   * The reader's own changes (/manage), while active: each field given is set, or removed when
   * null (dueAt null: due at once). False if the subscriber is not active.
   */
  updatePreferences(id: string, changes: PreferenceChanges): Promise<boolean>;

  /**
   * SES reported the tip of `week` delivered: recorded once per reader and week (false for a
   * repeated report, an older week, or no record), and counted with it.
   */
  markDelivered(id: string, week: string): Promise<boolean>;
}

/**
 * The counters the stores keep as they write (core/stats.ts countsFor), read back summed over
 * their shards: no scan.
 */
export interface Stats {
  read(): Promise<StatsReport>;
}

/** Where a reader stands, as the list's import sees it: "erased" is an erasure mark. */
export interface RosterEntry {
  status: SubscriberStatus | "erased";
  generation?: string;
  confirmSentFor?: string;
}

export interface RosterPage {
  /** Readers with a record (erasure marks are never listed). */
  items: Subscriber[];
  /** Opaque; absent on the last page. */
  cursor?: string;
}

/** The list as a whole: what an import looks up and adds, and what an export reads. */
export interface Roster {
  /** Where each of up to 100 ids stands; an id with no item is absent from the map. */
  lookup(ids: readonly string[]): Promise<Map<string, RosterEntry>>;
  /**
   * Adds a reader (an import with consent): false, and nothing written, when the id has any
   * item at all, an erasure mark included. Never over anything.
   */
  add(subscribers: readonly Subscriber[]): Promise<boolean[]>;
  /** One page of every reader, in no particular order; erasure marks are left out. */
  page(cursor: string | undefined, limit: number): Promise<RosterPage>;
}

/** Click counts: how many human clicks each tip's links got, and each reader's last click week. */
export interface Clicks {
  /**
   * Counts one click on `tip`'s links (`clicks` on the tip's counter in the reader's shard) and
   * sets the reader's `lastClickWeek` to `week`, if the reader still has a record (never on an
   * erasure mark, never creating one).
   */
  count(subscriberId: string, tip: string, week: string): Promise<void>;
  /** The clicks counted on `tip`, every shard summed. */
  tipClicks(tip: string): Promise<number>;
}

/** The send ledger: who is due when, and which week's tip each reader was sent. */
export interface SendLedger {
  /** How many shards the active set is spread over (keys ACTIVE#0..shards-1). */
  readonly shards: number;

  /** One page of the active subscribers of one shard. */
  listActive(shard: number, cursor: string | undefined, limit: number): Promise<ActivePage>;

  /**
   * One page of the active subscribers of one shard who are due by `dueBy` (dueAt absent or at or
   * before it), in order of dueAt: what an hourly planner reads.
   */
  listDue(
    shard: number,
    dueBy: Date,
    cursor: string | undefined,
    limit: number,
  ): Promise<ActivePage>;

  /** Moves an active subscriber's next due instant (a caught-up reader waits a week). */
  reschedule(id: string, dueAt: Date): Promise<void>;

  /**
   * Conditional claim for (week, tip, subscriber) before the SES call: succeeds only when
   * core/eligibility.ts `verdict` says eligible at the moment of the write.
   */
  claim(id: string, request: ClaimRequest): Promise<ClaimResult>;

  /**
   * After SES accepted: records the MessageId, adds the tip to sentTips, sets lastWeekSent, and
   * makes the reader due next at `nextDueAt` (their next week's slot).
   */
  markSent(
    id: string,
    week: string,
    tip: string,
    runId: string,
    messageId: string,
    now: Date,
    nextDueAt: Date,
    /**
     * The zone `nextDueAt` was worked out in (the batch's). When the reader has since chosen
     * another zone on /manage, the sent email is recorded all the same, and their next slot is
     * left to their new zone (the planner works it out).
     */
    slotZone?: { timeZone?: string },
  ): Promise<void>;

  /** The send failed for this recipient only: record why; the claim stays (no retry this week). */
  markFailed(id: string, week: string, runId: string, error: string, now: Date): Promise<void>;

  /** Gives a pending claim back (the run stopped before sending): the next run may take it. */
  releaseClaim(id: string, week: string, runId: string): Promise<void>;
}

/** A mailbox's confirmation emails: at most `limit` in any `windowSeconds`. */
export interface MailboxWindow {
  windowSeconds: number;
  limit: number;
}

/** Limits and pacing: counters in fixed windows, mailbox slots, and the account's send schedule. */
export interface Limits {
  /**
   * Counts one hit for `key` in the fixed window starting at `windowStart`; true when the count
   * after this hit exceeds `limit`.
   */
  hit(key: string, windowStart: Date, windowSeconds: number, limit: number): Promise<boolean>;

  /**
   * Takes one unit of `key`'s `limit` in the window starting at `windowStart`, if any is left
   * (one conditional write): true when taken, false (nothing counted) when all are used.
   */
  take(key: string, windowStart: Date, windowSeconds: number, limit: number): Promise<boolean>;

  /** Gives back one unit taken with take() in that window (the email it was for did not go). */
  giveBack(key: string, windowStart: Date): Promise<void>;

  /**
   * Takes a confirmation-email slot of a real mailbox (see core/email.ts mailboxKey): one it may
   * have in each of `windows`, at most `limit` in any `windowSeconds` up to now. Idempotent per
   * `signupId`: a redelivered signup finds its own slot and gets true again. False when a window
   * has had its `limit` already, or the mailbox declined confirmations until after `now`
   * (declineMailbox).
   */
  reserveMailboxSlot(
    mailbox: string,
    signupId: string,
    now: Date,
    windows: readonly MailboxWindow[],
  ): Promise<boolean>;

  /** Gives back `signupId`'s slot of the mailbox (its confirmation did not go); none: nothing. */
  releaseMailboxSlot(mailbox: string, signupId: string): Promise<void>;

  /**
   * The mailbox's owner declined a confirmation (unsubscribed from one): reserveMailboxSlot
   * answers false until `until` (a later date than one recorded already wins).
   */
  declineMailbox(mailbox: string, until: Date): Promise<void>;

  /**
   * Reserves `count` slots `spacingMs` apart on the shared schedule named `key`, for whoever asks
   * (every SES caller of the account): the first at `now` or at the schedule's next free slot,
   * whichever is later, and the next free slot moved on past the last (one conditional write,
   * a second only when another caller moved it meanwhile). Resolves to the first slot's instant.
   * No slot is ever handed out twice, so slots from every caller stay `spacingMs` apart.
   * A next free slot more than SCHEDULE_HORIZON_MS after `now` can only come from a caller whose
   * clock ran ahead: the schedule starts again from `now` rather than make everyone wait for it.
   */
  reserveSlots(key: string, now: Date, count: number, spacingMs: number): Promise<Date>;

  /**
   * Shares out `available` units among the holders of `key` (the weekly send's part of the day's
   * quota, among the senders sending it), in one conditional write: gives `holder` up to `want`
   * of what is left once every other holder's units are counted, and records that it now holds
   * `holding` plus what it was given (holding and wanting nothing: its entry goes). Units written
   * more than `freshMs` before `now` count for nobody (their holder died). Resolves to what was
   * given, 0 … want.
   */
  holdUnits(
    key: string,
    holder: string,
    units: UnitsRequest,
    now: Date,
    freshMs: number,
  ): Promise<number>;
}

/** What a holder asks of holdUnits. */
export interface UnitsRequest {
  /** What it holds already (given before and not yet spent). */
  holding: number;
  /** What more it would like. */
  want: number;
  /** All there is to share, the holder's own included. */
  available: number;
}

/** How far ahead of a caller's clock a shared schedule may run (see Limits.reserveSlots). */
export const SCHEDULE_HORIZON_MS = 60_000;

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
  /** Why SES could not be asked (its calls' error names): what it would have said is unknown. */
  unanswered?: string;
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

/* ------------------------------------------------------------------ events */

/** The bus the readers' events go to (EventBridge; in memory; the local stack's log). */
export interface EventBus {
  /** Publishes every event, or throws: the caller publishes the whole change again. */
  publish(events: readonly DomainEvent[]): Promise<void>;
}

/* -------------------------------------------------------- sending switch */

/** The configuration set's sending switch (SES v2 SendingOptions.SendingEnabled). */
export interface SendingSwitch {
  /** Stops all sending through the configuration set; idempotent. */
  pause(): Promise<void>;
  /** True while sending through the configuration set is paused. */
  isPaused(): Promise<boolean>;
}
