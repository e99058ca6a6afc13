/**
 * The sender: mails one batch of recipients, each exactly once.
 *
 * For every recipient: claim (a conditional write, core/eligibility.ts decides) → fill the tip →
 * pacer slot → SES → markSent with the MessageId. Several sends are in flight at once (SES calls
 * take ~50-100 ms), all drawing from one pacer.
 *
 * Failures, by class (core/errors.ts):
 *   MailThrottledError → backoff with full jitter, a new pacer slot, retry the same recipient (at
 *   MailTransientError   most retry.attempts SES calls for one recipient: this loop is the only
 *                        retry layer, the SES client itself never retries); still failing after
 *                        the last one → release the claim, count it deferred (throttled) or
 *                        failedTransient (network, 5xx).
 *   MailRejectedError  → markFailed (no retry this week), count failed, go on.
 *   MailStoppedError   → release the claim and halt: no worker starts another SES call.
 *   anything else      → release the claim, count failedTransient, go on.
 * Store errors are not swallowed: they abort the batch (the Lambda fails, SQS redelivers; claims
 * left pending are taken over once older than the stale window).
 */

import type { LimitFunction } from "p-limit";
import { verdict } from "./eligibility.js";
import {
  MailRejectedError,
  MailStoppedError,
  MailThrottledError,
  MailTransientError,
  type StopReason,
} from "./errors.js";
import { fill, firstNameValue } from "./fill.js";
import { listUnsubscribeHeaders } from "./headers.js";
import { manageUrl, unsubscribeUrl, viewUrl } from "./links.js";
import type { Pacer } from "./pacing.js";
import type { Recipient, SendBatch } from "./planner.js";
import type {
  Clock,
  Mailer,
  OutgoingEmail,
  Random,
  SendLedger,
  Sleep,
  Subscribers,
} from "./ports.js";
import { type Schedule, slotAfter, zoneOf } from "./schedule.js";
import type { Signer } from "./tokens.js";
import type { CompiledTip } from "./types.js";

export interface Halt {
  /** What SES said, or "interrupted": the operator stopped the run (Ctrl-C). */
  reason: StopReason | "interrupted";
  message: string;
}

/** Shared by every batch a worker sends: once halted, no SES call starts. */
export interface RunControl {
  /** SES said stop (paused, suspended, daily quota): set by the first such answer. */
  halted?: Halt;
  /** Emails that may still be sent (the daily quota); decremented before each claim. */
  budget: number;
}

export interface LinkSettings {
  baseUrl: string;
  postalAddress: string;
  unsubscribeMailto?: string;
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
  /** Sends in flight at once within this batch. */
  parallel: number;
  /**
   * Shared by every batch a worker sends at once (core/send-queue.ts): at most its limit of
   * recipients in progress in all, so a second batch fills the first one's tail instead of
   * doubling what is in flight.
   */
  inProgress?: LimitFunction;
  control: RunControl;
  retry?: RetryPolicy;
  /** Called after each recipient is settled (progress bars). */
  onSettled?: (outcome: Outcome) => void;
}

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
  | "unattempted";

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
  const values = {
    first_name: firstNameValue(recipient.firstName),
    unsubscribe_url: unsubscribe,
    view_url: viewUrl(links.baseUrl, tip.slug, token),
    manage_url: manageUrl(links.baseUrl, signer.issue("manage", recipient.id)),
    postal_address: links.postalAddress,
  };
  return {
    to: recipient.email,
    subject: fill(tip.subject, values, "text"),
    html: fill(tip.html, values, "html"),
    text: fill(tip.text, values, "text"),
    headers: listUnsubscribeHeaders(unsubscribe, links.unsubscribeMailto),
    tags: { kind: "tip", week, tip: tip.slug },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export async function sendBatch(batch: SendBatch, deps: SenderDeps): Promise<BatchReport> {
  const { ledger, mailer, clock, sleep, random, control } = deps;
  const { week, runId } = batch;
  const retry = deps.retry ?? DEFAULT_RETRY;
  const report = emptyBatchReport();
  let next = 0;
  let fatal: { error: unknown } | undefined;
  /** No SES call may start once SES said stop or the store failed. */
  const mustStop = () => control.halted !== undefined || fatal !== undefined;

  const settle = (outcome: Outcome) => {
    report[COUNTER[outcome]] += 1;
    deps.onSettled?.(outcome);
  };

  const release = async (id: string) => {
    try {
      await ledger.releaseClaim(id, week, runId);
    } catch {
      // The claim goes stale and is taken over after the stale window: nothing is lost.
    }
  };

  /**
   * Before a retry, which comes after a back-off: whether the reader left, paused or changed
   * address meanwhile (the claim was judged before the first call).
   */
  const withdrawn = async (recipient: Recipient): Promise<"paused" | "inactive" | undefined> => {
    const current = await deps.subscribers.get(recipient.id);
    const judged = verdict(current, {
      week,
      staleBefore: new Date(0),
      now: clock.now(),
      email: recipient.email,
    });
    return judged.kind === "paused" || judged.kind === "inactive" ? judged.kind : undefined;
  };

  /**
   * SES calls for one email: each takes a pacer slot and is made only while nothing said stop;
   * a throttled or transient failure is retried after a jittered backoff, at most retry.attempts
   * calls in all (then the last failure is thrown), each retry only while the reader is still
   * there to be sent to (withdrawn).
   */
  const deliver = async (
    email: OutgoingEmail,
    recipient: Recipient,
  ): Promise<{ messageId: string } | "halted" | "paused" | "inactive"> => {
    for (let attempt = 1; ; attempt += 1) {
      if (attempt > 1) {
        const gone = await withdrawn(recipient);
        if (gone) return gone;
      }
      await deps.pacer.acquire();
      if (mustStop()) return "halted";
      report.sesCalls += 1;
      try {
        return await mailer.send(email);
      } catch (error) {
        const retryable =
          error instanceof MailThrottledError || error instanceof MailTransientError;
        if (!retryable || attempt >= retry.attempts) throw error;
        report.retries += 1;
        const cap = Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
        await sleep(cap / 2 + random() * (cap / 2));
      }
    }
  };

  const markSent = async (recipient: Recipient, messageId: string, next: Date) => {
    // SES has accepted the email: try hard to record it, or a later takeover would send it again.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await ledger.markSent(
          recipient.id,
          week,
          recipient.tip,
          runId,
          messageId,
          clock.now(),
          next,
          { ...(recipient.timeZone !== undefined ? { timeZone: recipient.timeZone } : {}) },
        );
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
        await sleep(50 * attempt);
      }
    }
  };

  const attempt = async (recipient: Recipient, tip: CompiledTip): Promise<Outcome> => {
    // Everything the record of a sent email needs is worked out before the claim: once SES has
    // accepted, only the write may fail (and it is retried).
    const next = slotAfter(week, zoneOf(recipient, deps.schedule), deps.schedule.slot);
    const now = clock.now();
    const claim = await ledger.claim(recipient.id, {
      week,
      tip: tip.slug,
      runId,
      now,
      staleBefore: new Date(now.getTime() - deps.staleClaimSeconds * 1000),
      email: recipient.email,
      ...(recipient.rev !== undefined ? { seenRev: recipient.rev } : {}),
    });
    if (claim !== "claimed") return claim;
    let result: Awaited<ReturnType<typeof deliver>>;
    try {
      result = await deliver(
        composeEmail(recipient, tip, week, deps.signer, deps.links),
        recipient,
      );
    } catch (error) {
      if (error instanceof MailRejectedError) {
        await ledger.markFailed(recipient.id, week, runId, describe(error), clock.now());
        return "failed";
      }
      // Halt before anything else is awaited: no other worker may start a call meanwhile.
      if (error instanceof MailStoppedError) {
        control.halted ??= { reason: error.reason, message: error.message };
      }
      await release(recipient.id);
      if (error instanceof MailStoppedError) return "unattempted";
      return error instanceof MailThrottledError ? "deferred" : "failed-transient";
    }
    if (result === "halted") {
      await release(recipient.id);
      return "unattempted";
    }
    if (result === "paused" || result === "inactive") {
      await release(recipient.id);
      return result;
    }
    await markSent(recipient, result.messageId, next);
    return "sent";
  };

  const one = async (recipient: Recipient): Promise<Outcome> => {
    const tip = deps.tips.get(recipient.tip);
    if (!tip) return "failed-transient"; // content changed since planning: the next run replans
    // Reserve one email of the daily quota before claiming; give it back unless it was sent.
    if (control.budget <= 0) return "unattempted";
    control.budget -= 1;
    let outcome: Outcome = "unattempted";
    try {
      outcome = await attempt(recipient, tip);
      return outcome;
    } finally {
      if (outcome !== "sent") control.budget += 1;
    }
  };

  const worker = async () => {
    while (next < batch.recipients.length) {
      const recipient = batch.recipients[next] as Recipient;
      next += 1;
      if (mustStop()) {
        settle("unattempted");
        continue;
      }
      // Waiting for a place among those in progress, sending may have stopped meanwhile.
      const take = () => (mustStop() ? Promise.resolve<Outcome>("unattempted") : one(recipient));
      try {
        settle(await (deps.inProgress ? deps.inProgress(take) : take()));
      } catch (error) {
        fatal ??= { error };
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, deps.parallel) }, worker));
  if (fatal) throw fatal.error;
  if (control.halted) report.stopped = control.halted;
  else if (report.unattempted > 0 && control.budget <= 0) {
    report.stopped = { reason: "daily-quota", message: "the day's sending quota is used up" };
  }
  return report;
}
