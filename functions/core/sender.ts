/**
 * The sender: mails one batch of recipients, each exactly once: the day's budget, the claim
 * (core/eligibility.ts decides), the tip filled for them, a pacer slot, SES, the record with the
 * MessageId. Throttled and transient failures are retried here, and only here; a rejection is
 * recorded; SES's stop halts every batch of the worker. A store failure hands its recipient back
 * and the batch goes on; STORE_FAILURES_TO_STOP in a row (the store is down) abort the batch. The
 * queue delivers the batch again for those (docs/architecture.md has the table of SES answers).
 */
import pLimit, { type LimitFunction } from "p-limit";
import { trackLinks } from "./clicks.js";
import { verdict } from "./eligibility.js";
import {
  MailRejectedError,
  MailStoppedError,
  MailThrottledError,
  MailTransientError,
  MailUnansweredError,
  type StopReason,
} from "./errors.js";
import { fill, firstNameValue, TemplateFillError, type TIP_PLACEHOLDERS } from "./fill.js";
import { listUnsubscribeHeaders } from "./headers.js";
import { manageUrl, siteUrl, unsubscribeUrl, viewUrl } from "./links.js";
import { type Pacer, SLOT_LATE_MS } from "./pacing.js";
import type { Recipient, SendBatch } from "./planner.js";
import type {
  Clock,
  Log,
  Mailer,
  OutgoingEmail,
  Random,
  SendLedger,
  Sleep,
  Subscribers,
} from "./ports.js";
import { logSetAside } from "./readers.js";
import { type Schedule, slotAfter, slotOf, zoneOf } from "./schedule.js";
import type { Signer } from "./tokens.js";
import type { CompiledTip } from "./types.js";

export interface Halt {
  /** What SES said, or "interrupted": the operator stopped the run (Ctrl-C). */
  reason: StopReason | "interrupted";
  message: string;
}

export interface LinkSettings {
  baseUrl: string;
  postalAddress: string;
  unsubscribeMailto?: string;
  /** The tip's links go through the site's click redirect (core/clicks.ts); off: straight. */
  trackClicks?: boolean;
}

export interface RetryPolicy {
  /** SES calls for one recipient while throttled: the first and up to attempts − 1 retries. */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

/** The documented retry policy: 1 call + up to 5 retries, backoff 100 ms doubling to 5 s. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 100, maxMs: 5_000 };

export interface SenderDeps {
  ledger: SendLedger;
  /** Read before a retry: whether the reader left or paused meanwhile. */
  subscribers: Pick<Subscribers, "get">;
  mailer: Mailer;
  signer: Pick<Signer, "issue">;
  clock: Clock;
  sleep: Sleep;
  random: Random;
  tips: ReadonlyMap<string, CompiledTip>;
  links: LinkSettings;
  /** A pending claim older than this is a dead sender's (the queue's visibility timeout). */
  staleClaimSeconds: number;
  /** Where each reader's next week's slot is, once this week's tip is recorded. */
  schedule: Schedule;
  pacer: Pacer;
  retry?: RetryPolicy;
  /**
   * No recipient is taken and no SES call starts from this instant on: the invocation's time
   * limit less what one SES call and its record may take, so that no timeout can land between
   * SES accepting an email and its record. Those left are handed back to the queue.
   */
  stopBy?: Date;
  /** Where a recipient set aside is named (ERROR). */
  log?: Pick<Log, "error">;
  /** Called after each recipient is settled (progress bars). */
  onSettled?: (outcome: Outcome) => void;
}

/**
 * Store failures in a row that stop a batch: one is a throttle or a lost answer the SDK's own
 * retries did not absorb, and costs only its recipient; three say the store is down.
 */
export const STORE_FAILURES_TO_STOP = 3;

/** The message id recorded for an email whose SES answer never came (MailUnansweredError). */
export const UNANSWERED_MESSAGE_ID = "unanswered";

/**
 * How long before its SES call a recipient was last looked at, at most: a recipient whose claim is
 * older than this when their pacer slot comes is read again in the lead before the slot, so that
 * a reader who leaves or pauses while their email waits for its slot is not sent it. Longer than
 * a DynamoDB read takes; a read that misses the slot gives the slot up and takes another.
 */
export const CHECK_LEAD_MS = 150;
/** The longest lead a slow store's reads are given. */
const MAX_LEAD_MS = 2_000;

/**
 * Why a batch's units of the weekly send's part fell short: the day's quota (a stop), or other
 * senders holding what is left (not a stop: the batch comes again once they have sent or given
 * it back).
 */
export type UnitsShort = "quota" | "held";

export type Outcome =
  | "sent"
  | "already-sent"
  | "superseded"
  | "in-flight"
  | "paused"
  | "inactive"
  | "failed"
  | "failed-transient"
  | "deferred"
  | "unattempted"
  | "set-aside"
  | "out-of-time"
  | "unanswered";

export interface BatchReport {
  sent: number;
  skippedAlreadySent: number;
  /** A later week was sent already: this (older) week sends them nothing. */
  superseded: number;
  /** Held by a claim younger than the stale window (a live sender, or a dead one not yet stale). */
  inFlight: number;
  /** Paused from /manage between planning and sending: their slot waits for the pause's end. */
  paused: number;
  /** Left (unsubscribed, bounced, complained) between planning and sending. */
  inactive: number;
  /** Rejected by SES for this recipient: recorded, not retried this week. */
  failed: number;
  /** Other errors: claim released, a later delivery retries. */
  failedTransient: number;
  /** Still throttled after every attempt: claim released. */
  deferred: number;
  /** Not attempted because sending halted or the daily budget ran out. */
  unattempted: number;
  /** Not taken, or given back unsent, because the invocation neared its time limit (stopBy). */
  outOfTime: number;
  /** Recipients whose record the sender cannot use (a zone this runtime does not know): logged. */
  setAside: number;
  /**
   * SES's answer never came (a timeout): it may have sent the email, so it is recorded as sent
   * and never called again; if SES had not taken it, the reader misses that one tip.
   */
  unanswered: number;
  /** SES calls made (first tries and retries). */
  sesCalls: number;
  /** SES calls that were retried (throttled, or a network or server failure). */
  retries: number;
  /** Why sending stopped, when it did. */
  stopped?: Halt;
}

/** The report counter each outcome adds to. */
const COUNTER: Record<Outcome, Exclude<keyof BatchReport, "stopped" | "retries" | "sesCalls">> = {
  sent: "sent",
  "already-sent": "skippedAlreadySent",
  superseded: "superseded",
  "in-flight": "inFlight",
  paused: "paused",
  inactive: "inactive",
  failed: "failed",
  "failed-transient": "failedTransient",
  deferred: "deferred",
  unattempted: "unattempted",
  "set-aside": "setAside",
  "out-of-time": "outOfTime",
  unanswered: "unanswered",
};

export function emptyBatchReport(): BatchReport {
  return {
    sent: 0,
    skippedAlreadySent: 0,
    superseded: 0,
    inFlight: 0,
    paused: 0,
    inactive: 0,
    failed: 0,
    failedTransient: 0,
    deferred: 0,
    unattempted: 0,
    setAside: 0,
    outOfTime: 0,
    unanswered: 0,
    sesCalls: 0,
    retries: 0,
  };
}

/** Adds `part` into `total` (counters summed, the first stop kept). */
export function addBatch(total: BatchReport, part: BatchReport): void {
  for (const key of Object.keys(part) as (keyof BatchReport)[]) {
    if (key !== "stopped") total[key] += part[key] as number;
  }
  if (part.stopped) total.stopped ??= part.stopped;
}

export function tipIndex(tips: readonly CompiledTip[]): ReadonlyMap<string, CompiledTip> {
  return new Map(tips.map((tip) => [tip.slug, tip]));
}

/** The personalised email for one recipient (pure). */
export function composeEmail(
  recipient: Recipient,
  tip: CompiledTip,
  week: string,
  signer: Pick<Signer, "issue">,
  links: LinkSettings,
): OutgoingEmail {
  // Unsubscribe links must keep working for as long as the email exists: no expiry.
  const token = signer.issue("unsubscribe", recipient.id);
  const unsubscribe = unsubscribeUrl(links.baseUrl, token);
  const values: Record<(typeof TIP_PLACEHOLDERS)[number], string> = {
    first_name: firstNameValue(recipient.firstName),
    unsubscribe_url: unsubscribe,
    // The page of this tip, with a token that shows it and nothing else: a shared view link
    // names no reader and can unsubscribe nobody.
    view_url: viewUrl(links.baseUrl, tip.slug, signer.issue("view", tip.slug)),
    manage_url: manageUrl(links.baseUrl, signer.issue("manage", recipient.id)),
    postal_address: links.postalAddress,
    site_url: siteUrl(links.baseUrl),
    tip_number: String(recipient.number ?? tip.order),
  };
  const filled = { html: fill(tip.html, values, "html"), text: fill(tip.text, values, "text") };
  const { html, text } = links.trackClicks
    ? trackLinks(filled, tip, recipient.id, signer, links.baseUrl)
    : filled;
  return {
    to: recipient.email,
    subject: fill(tip.subject, values, "text"),
    html,
    text,
    headers: listUnsubscribeHeaders(unsubscribe, links.unsubscribeMailto),
    tags: { kind: "tip", week, tip: tip.slug },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The wait before retry number `attempt`: full jitter over half to all of a doubling cap. */
function backoff(retry: RetryPolicy, attempt: number, random: number): number {
  const cap = Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
  return cap / 2 + random * (cap / 2);
}

/** What SES made of one email: accepted, or why no call was made. */
type Delivery = { messageId: string } | "halted" | "paused" | "inactive" | "out-of-time";

/** One batch being sent: its report, the next recipient to take, the store's failures. */
interface BatchRun {
  batch: SendBatch;
  report: BatchReport;
  next: number;
  /** Recipients in a row whose store call failed. */
  storeFailures: number;
  /** The failure that stopped the batch (the store is down). */
  failure?: { error: unknown };
  /** Called once, when the last recipient has been taken (or the batch stopped). */
  taken?: () => void;
  /** Recipients not taken, or given back unsent, because the invocation neared its limit. */
  outOfTime: Recipient[];
  /** A recipient was left unattempted because the budget was spent (perhaps only held). */
  budgetShort?: true;
}

/** What a batch sends back besides its report: whom the time limit left unsent. */
export interface BatchResult {
  report: BatchReport;
  /** Recipients not taken, or given back unsent, because the invocation neared its limit. */
  outOfTime: Recipient[];
}

/**
 * Sends batches for one send worker. What it holds is shared by every batch it sends at once:
 * the day's budget, the halt, and one limit of recipients in progress, so a second batch fills
 * the first one's tail instead of doubling what is in flight.
 */
export class Sender {
  /** Set by SES's first stop answer, or by the operator: from then on no SES call starts. */
  halted?: Halt;
  /** Emails that may still go out today: one is reserved before each claim. */
  budget: number;
  /**
   * Units spent: emails SES accepted from this sender, whether or not the record of one was
   * written, and calls whose answer was lost (SES may have accepted them).
   */
  spent = 0;
  /** Units of the budget reserved by recipients not yet settled. */
  holding = 0;
  private readonly parallel: number;
  private readonly inProgress: LimitFunction;

  constructor(
    private readonly deps: SenderDeps,
    options: { budget: number; parallel: number },
  ) {
    this.budget = options.budget;
    this.parallel = Math.max(1, options.parallel);
    this.inProgress = pLimit(this.parallel);
  }

  halt(stop: Halt): void {
    this.halted ??= stop;
  }

  /**
   * Sends one batch: its report, and whom the time limit left unsent. `taken` is called as soon as
   * its last recipient has been taken, while the batch's last calls may still be under way: the
   * moment a next batch can start to fill its tail. `short` says why the batch's units fell
   * short, if they did (UnitsShort).
   */
  async sendBatch(
    batch: SendBatch,
    taken?: () => void,
    short: UnitsShort = "quota",
  ): Promise<BatchResult> {
    const run: BatchRun = {
      batch,
      report: emptyBatchReport(),
      next: 0,
      storeFailures: 0,
      outOfTime: [],
    };
    if (taken) run.taken = taken;
    try {
      await Promise.all(Array.from({ length: this.parallel }, () => this.work(run)));
    } finally {
      run.taken?.();
    }
    if (run.failure) throw run.failure.error;
    const { report } = run;
    if (this.halted) report.stopped = this.halted;
    else if (run.budgetShort && short === "quota") {
      // Even when the budget came back later (held by a recipient who turned out not to need an
      // email): those left unattempted are the quota's, not a failure to deliver again for.
      report.stopped = { reason: "daily-quota", message: "the day's sending quota is used up" };
    }
    return { report, outOfTime: run.outOfTime };
  }

  /** Whether the invocation is too near its time limit to start another recipient or call. */
  private outOfTime(): boolean {
    const { stopBy } = this.deps;
    return stopBy !== undefined && this.deps.clock.now().getTime() >= stopBy.getTime();
  }

  /** No SES call may start once SES said stop or the store is down. */
  private stopped(run: BatchRun): boolean {
    return this.halted !== undefined || run.failure !== undefined;
  }

  /** One of a batch's workers: settles recipient after recipient until none is left. */
  private async work(run: BatchRun): Promise<void> {
    while (run.next < run.batch.recipients.length) {
      const recipient = run.batch.recipients[run.next] as Recipient;
      run.next += 1;
      if (run.next === run.batch.recipients.length) {
        run.taken?.();
        delete run.taken;
      }
      try {
        const outcome = this.stopped(run)
          ? "unattempted"
          : this.outOfTime()
            ? "out-of-time"
            : await this.inProgress(() => this.sendOne(run, recipient));
        if (outcome !== "unattempted") run.storeFailures = 0;
        if (outcome === "out-of-time") run.outOfTime.push(recipient);
        run.report[COUNTER[outcome]] += 1;
        this.deps.onSettled?.(outcome);
      } catch (error) {
        // The store failed for this recipient: their claim, if it was written, goes stale and a
        // later delivery takes it over. The others are not held back for it.
        run.storeFailures += 1;
        if (run.storeFailures >= STORE_FAILURES_TO_STOP) run.failure ??= { error };
        else {
          run.report.failedTransient += 1;
          this.deps.onSettled?.("failed-transient");
        }
      }
    }
  }

  /** One recipient, with a share of the day's budget that is given back unless it was sent. */
  private async sendOne(run: BatchRun, recipient: Recipient): Promise<Outcome> {
    // Waiting for a place among those in progress, sending may have stopped meanwhile.
    if (this.stopped(run)) return "unattempted";
    if (this.outOfTime()) return "out-of-time";
    const tip = this.deps.tips.get(recipient.tip);
    if (!tip) return "failed-transient"; // content changed since planning: the next run replans
    if (this.budget <= 0) {
      run.budgetShort = true;
      return "unattempted";
    }
    this.budget -= 1;
    this.holding += 1;
    const unit = { spent: false };
    try {
      return await this.attempt(run, recipient, tip, unit);
    } finally {
      this.holding -= 1;
      if (unit.spent) this.spent += 1;
      else this.budget += 1;
    }
  }

  /** Claim, deliver, record. */
  private async attempt(
    run: BatchRun,
    recipient: Recipient,
    tip: CompiledTip,
    unit: { spent: boolean },
  ): Promise<Outcome> {
    const { week } = run.batch;
    // What the record of a sent email needs is worked out before the claim: once SES has
    // accepted, only the write may fail (and it is retried).
    const { schedule } = this.deps;
    let next: Date;
    try {
      next = slotAfter(week, zoneOf(recipient, schedule), slotOf(recipient, schedule));
    } catch (error) {
      // A zone this runtime does not know: this reader alone is set aside, the batch goes on.
      logSetAside(this.deps.log, recipient.id, (error as Error).message);
      return "set-aside";
    }
    // A tip that cannot be filled fails the same way for every reader who reaches it: a stop,
    // before anyone is claimed, never a transient failure that strands each of them in turn.
    let email: OutgoingEmail;
    try {
      email = composeEmail(recipient, tip, week, this.deps.signer, this.deps.links);
    } catch (error) {
      if (!(error instanceof TemplateFillError)) throw error;
      this.halt({ reason: "bad-content", message: `tip ${tip.slug}: ${error.message}` });
      return "unattempted";
    }
    const claimedAt = this.deps.clock.now().getTime();
    const claim = await this.claim(run, recipient, tip);
    if (claim !== "claimed") return claim;
    let delivery: Delivery;
    try {
      delivery = await this.deliver(run, email, recipient, claimedAt);
    } catch (error) {
      if (!(error instanceof MailUnansweredError)) return this.failed(run, recipient, error);
      unit.spent = true; // SES may have accepted it
      // Another call, now or by a later takeover, could send it twice: recorded as sent.
      await this.recordSent(run, recipient, UNANSWERED_MESSAGE_ID, next);
      return "unanswered";
    }
    if (typeof delivery !== "string") {
      unit.spent = true; // even if the record then fails
      await this.recordSent(run, recipient, delivery.messageId, next);
      return "sent";
    }
    await this.release(run, recipient.id);
    return delivery === "halted" ? "unattempted" : delivery;
  }

  private claim(run: BatchRun, recipient: Recipient, tip: CompiledTip) {
    const now = this.deps.clock.now();
    return this.deps.ledger.claim(recipient.id, {
      week: run.batch.week,
      tip: tip.slug,
      runId: run.batch.runId,
      now,
      staleBefore: new Date(now.getTime() - this.deps.staleClaimSeconds * 1000),
      email: recipient.email,
      ...(recipient.rev !== undefined ? { seenRev: recipient.rev } : {}),
    });
  }

  /**
   * The SES calls for one email: each at a pacer slot, and only while nothing said stop and the
   * reader is still there to be sent to (looked at within CHECK_LEAD_MS of the call); a throttled
   * or transient failure is retried after a backoff, at most retry.attempts calls in all (then the
   * last failure is thrown).
   */
  private async deliver(
    run: BatchRun,
    email: OutgoingEmail,
    recipient: Recipient,
    claimedAt: number,
  ) {
    const retry = this.deps.retry ?? DEFAULT_RETRY;
    const now = () => this.deps.clock.now().getTime();
    let checkedAt = claimedAt;
    let lead = CHECK_LEAD_MS;
    for (let attempt = 1; ; attempt += 1) {
      // A retry always looks again: the reader had the back-off to leave in.
      let look = attempt > 1;
      for (;;) {
        const slot = await this.deps.pacer.acquire(lead);
        if (this.stopped(run)) return "halted";
        if (this.outOfTime()) return "out-of-time";
        if (look || slot - checkedAt > lead) {
          look = false;
          checkedAt = now();
          const gone = await this.withdrawn(run, recipient);
          if (gone) return gone;
          // A read slower than the lead (the store throttled): the next slot leaves it the time.
          lead = Math.min(MAX_LEAD_MS, Math.max(lead, now() - checkedAt + SLOT_LATE_MS));
        }
        const wait = slot - now();
        if (wait > 0) await this.deps.sleep(wait);
        // The read outlasted the lead: this slot is lost, never used late (unpaced: no slots).
        if (wait >= -SLOT_LATE_MS || this.deps.pacer.limit === Number.POSITIVE_INFINITY) break;
      }
      if (this.stopped(run)) return "halted";
      if (this.outOfTime()) return "out-of-time";
      run.report.sesCalls += 1;
      try {
        return await this.deps.mailer.send(email);
      } catch (error) {
        const retryable =
          error instanceof MailThrottledError || error instanceof MailTransientError;
        if (!retryable || attempt >= retry.attempts) throw error;
        run.report.retries += 1;
        await this.deps.sleep(backoff(retry, attempt, this.deps.random()));
      }
    }
  }

  /** Whether the reader left, paused or changed address since the claim. */
  private async withdrawn(run: BatchRun, recipient: Recipient) {
    const judged = verdict(await this.deps.subscribers.get(recipient.id), {
      week: run.batch.week,
      staleBefore: new Date(0),
      now: this.deps.clock.now(),
      email: recipient.email,
    });
    return judged.kind === "paused" || judged.kind === "inactive" ? judged.kind : undefined;
  }

  /** What a failed delivery means for the recipient, and for the sender. */
  private async failed(run: BatchRun, recipient: Recipient, error: unknown): Promise<Outcome> {
    const { week, runId } = run.batch;
    if (error instanceof MailRejectedError) {
      const now = this.deps.clock.now();
      await this.deps.ledger.markFailed(recipient.id, week, runId, describe(error), now);
      return "failed";
    }
    // Halt before anything else is awaited: no other worker may start a call meanwhile.
    if (error instanceof MailStoppedError) {
      this.halt({ reason: error.reason, message: error.message });
    }
    await this.release(run, recipient.id);
    if (error instanceof MailStoppedError) return "unattempted";
    return error instanceof MailThrottledError ? "deferred" : "failed-transient";
  }

  /** SES has accepted the email: try hard to record it, or a takeover would send it again. */
  private async recordSent(run: BatchRun, recipient: Recipient, messageId: string, next: Date) {
    const { week, runId } = run.batch;
    const zone = recipient.timeZone !== undefined ? { timeZone: recipient.timeZone } : {};
    for (let attempt = 1; ; attempt += 1) {
      try {
        const now = this.deps.clock.now();
        await this.deps.ledger.markSent(
          recipient.id,
          week,
          recipient.tip,
          runId,
          messageId,
          now,
          next,
          zone,
        );
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
        await this.deps.sleep(50 * attempt);
      }
    }
  }

  private async release(run: BatchRun, id: string): Promise<void> {
    try {
      await this.deps.ledger.releaseClaim(id, run.batch.week, run.batch.runId);
    } catch {
      // The claim goes stale and is taken over after the stale window: nothing is lost.
    }
  }
}
