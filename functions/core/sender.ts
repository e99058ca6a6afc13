/**
 * The sender: mails one batch of recipients, each exactly once.
 *
 * For every recipient: claim (a conditional write that also re-checks status = active) → fill the
 * tip → SES → markSent with the MessageId. Several sends are in flight at once (SES calls take
 * ~50-100 ms), all drawing from one pacer so the batch never exceeds its rate.
 *
 * Failures, by class (core/errors.ts):
 *   MailThrottledError → backoff with full jitter, retry the same recipient; still throttled after
 *                        the last attempt → release the claim, count it deferred (a later run sends).
 *   MailRejectedError  → markFailed (no retry this week), count failed, go on.
 *   MailStoppedError   → release the claim, stop at once (the rest stay unclaimed), report why.
 *   anything else      → release the claim, count failedTransient, go on.
 * Store errors are not swallowed: they abort the batch (the Lambda fails, SQS redelivers; claims
 * left pending are taken over after the stale window).
 */
import { MailRejectedError, MailStoppedError, MailThrottledError } from "./errors.js";
import { fill, firstNameValue } from "./fill.js";
import { listUnsubscribeHeaders } from "./headers.js";
import { unsubscribeUrl, viewUrl } from "./links.js";
import type { Pacer, Sleep } from "./pacing.js";
import { realSleep } from "./pacing.js";
import type { Recipient, SendBatch } from "./planner.js";
import type { Clock, Mailer, OutgoingEmail, SubscriberStore } from "./ports.js";
import type { Signer } from "./tokens.js";
import type { CompiledTip } from "./types.js";

export type StopReason = MailStoppedError["reason"];

/** Shared by every batch of one run: once stopped, no batch takes another claim. */
export interface RunControl {
  stopped?: StopReason;
  /** Emails that may still be sent (the daily quota); decremented before each send. */
  budget: number;
}

export interface LinkSettings {
  baseUrl: string;
  postalAddress: string;
  unsubscribeMailto?: string;
}

export interface RetryPolicy {
  /** SES calls per recipient while throttled (default 6). */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 100, maxMs: 5_000 };

export interface SenderDeps {
  store: SubscriberStore;
  mailer: Mailer;
  signer: Pick<Signer, "issue">;
  clock: Clock;
  tips: ReadonlyMap<string, CompiledTip>;
  links: LinkSettings;
  staleClaimMinutes: number;
  pacer: Pacer;
  /** Sends in flight at once (default 4). */
  parallel?: number;
  control?: RunControl;
  retry?: RetryPolicy;
  sleep?: Sleep;
  random?: () => number;
  /** Called after each recipient is settled (progress bars). */
  onSettled?: (outcome: Outcome) => void;
}

export type Outcome =
  | "sent"
  | "already-sent"
  | "in-flight"
  | "inactive"
  | "failed"
  | "failed-transient"
  | "deferred"
  | "unattempted";

export interface BatchReport {
  sent: number;
  skippedAlreadySent: number;
  inFlight: number;
  /** Left (unsubscribed, bounced, complained) between planning and sending. */
  inactive: number;
  /** Rejected by SES for this recipient: recorded, not retried this week. */
  failed: number;
  /** Other errors: claim released, a later run retries. */
  failedTransient: number;
  /** Still throttled after every attempt: claim released. */
  deferred: number;
  /** Not attempted because the run stopped. */
  unattempted: number;
  /** Throttled SES calls that were retried. */
  throttleRetries: number;
  stopped?: StopReason;
}

/** The report counter each outcome adds to. */
const COUNTER: Record<Outcome, Exclude<keyof BatchReport, "stopped" | "throttleRetries">> = {
  sent: "sent",
  "already-sent": "skippedAlreadySent",
  "in-flight": "inFlight",
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
    inFlight: 0,
    inactive: 0,
    failed: 0,
    failedTransient: 0,
    deferred: 0,
    unattempted: 0,
    throttleRetries: 0,
  };
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
  const { store, mailer, clock } = deps;
  const { week, runId } = batch;
  const retry = deps.retry ?? DEFAULT_RETRY;
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const control: RunControl = deps.control ?? { budget: Number.POSITIVE_INFINITY };
  const report = emptyBatchReport();
  let next = 0;
  let fatal: { error: unknown } | undefined;

  const settle = (outcome: Outcome) => {
    report[COUNTER[outcome]] += 1;
    deps.onSettled?.(outcome);
  };

  const release = async (id: string) => {
    try {
      await store.releaseClaim(id, week, runId);
    } catch {
      // The claim goes stale and is taken over after the stale window: nothing is lost.
    }
  };

  /** SES call with retries while throttled. */
  const deliver = async (email: OutgoingEmail): Promise<{ messageId: string } | "throttled"> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await mailer.send(email);
      } catch (error) {
        if (!(error instanceof MailThrottledError)) throw error;
        if (attempt >= retry.attempts) return "throttled";
        report.throttleRetries += 1;
        const cap = Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
        await sleep(cap / 2 + random() * (cap / 2));
        await deps.pacer.acquire();
      }
    }
  };

  const markSent = async (recipient: Recipient, messageId: string) => {
    // SES has accepted the email: try hard to record it, or a later takeover would send it again.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await store.markSent(recipient.id, week, recipient.tip, runId, messageId, clock.now());
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
        await sleep(100 * attempt);
      }
    }
  };

  const attempt = async (recipient: Recipient, tip: CompiledTip): Promise<Outcome> => {
    const now = clock.now();
    const claim = await store.claim(recipient.id, {
      week,
      tip: tip.slug,
      runId,
      now,
      staleBefore: new Date(now.getTime() - deps.staleClaimMinutes * 60_000),
    });
    if (claim !== "claimed") return claim;
    let email: OutgoingEmail;
    try {
      email = composeEmail(recipient, tip, week, deps.signer, deps.links);
    } catch {
      await release(recipient.id);
      return "failed-transient";
    }
    await deps.pacer.acquire();
    // Stopped by SES while this one waited (a spent budget does not count: this send holds its
    // reservation of the quota).
    if ((control.stopped !== undefined && control.stopped !== "daily-quota") || fatal) {
      await release(recipient.id);
      return "unattempted";
    }
    let result: { messageId: string } | "throttled";
    try {
      result = await deliver(email);
    } catch (error) {
      if (error instanceof MailRejectedError) {
        await store.markFailed(recipient.id, week, runId, describe(error), clock.now());
        return "failed";
      }
      await release(recipient.id);
      if (error instanceof MailStoppedError) {
        control.stopped ??= error.reason;
        return "unattempted";
      }
      return "failed-transient";
    }
    if (result === "throttled") {
      await release(recipient.id);
      return "deferred";
    }
    await markSent(recipient, result.messageId);
    return "sent";
  };

  const one = async (recipient: Recipient): Promise<Outcome> => {
    const tip = deps.tips.get(recipient.tip);
    if (!tip) return "failed-transient"; // content changed since planning: the next run replans
    // Reserve one email of the daily quota before claiming; give it back unless it was sent.
    if (control.budget <= 0) {
      control.stopped ??= "daily-quota";
      return "unattempted";
    }
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
      if (control.stopped !== undefined || fatal) {
        settle("unattempted");
        continue;
      }
      try {
        settle(await one(recipient));
      } catch (error) {
        fatal ??= { error };
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, deps.parallel ?? 4) }, worker));
  if (fatal) throw fatal.error;
  if (control.stopped !== undefined) report.stopped = control.stopped;
  return report;
}
