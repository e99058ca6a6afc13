/**
 * The one rule that decides whether a subscriber may be sent a tip in a week: exactly once per
 * (subscriber, tip), at most one tip a week, never an older week after a newer one. The planner
 * uses it to choose who is due and every store's claim applies it, so it is written here only
 * (docs/architecture.md spells it out).
 */
import type { Subscriber } from "./types.js";

export type Verdict =
  /** May be claimed (`takeover`: a dead sender's stale claim is replaced). */
  | { kind: "eligible"; takeover: boolean }
  /** This week's email was sent (or refused by SES) already, or the tip was received before. */
  | { kind: "already-sent" }
  /** A later week was sent or is in progress: an older week sends nothing. */
  | { kind: "superseded" }
  /** A pending claim younger than the stale window: a live sender may be on it. */
  | { kind: "in-flight" }
  /** Paused from /manage until a later instant. */
  | { kind: "paused" }
  /** Not active (pending, unsubscribed, bounced, complained), gone, or not at this address. */
  | { kind: "inactive" };

export interface VerdictRequest {
  week: string;
  /** The tip to send; undefined when the caller only asks whether the week is open. */
  tip?: string;
  /** A pending claim taken before this instant is stale. */
  staleBefore: Date;
  /** The moment of sending: a reader paused beyond it is "paused". */
  now?: Date;
  /** The address the email would go to: someone else's (changed, forged) is "inactive". */
  email?: string;
}

/** Whether a reader is paused (from /manage) at `now`. */
export function isPaused<T extends Pick<Subscriber, "pausedUntil">>(
  subscriber: T,
  now: Date,
): subscriber is T & { pausedUntil: string } {
  return subscriber.pausedUntil !== undefined && subscriber.pausedUntil > now.toISOString();
}

/** ISO weeks ("2026-W48") order as strings: the year has four digits, the week two. */
const before = (a: string, b: string) => a < b;

export function verdict(
  subscriber:
    | Pick<Subscriber, "status" | "email" | "pausedUntil" | "lastWeekSent" | "sentTips" | "claim">
    | undefined,
  request: VerdictRequest,
): Verdict {
  if (subscriber?.status !== "active") return { kind: "inactive" };
  if (request.email !== undefined && request.email !== subscriber.email) {
    return { kind: "inactive" };
  }
  if (request.now !== undefined && isPaused(subscriber, request.now)) return { kind: "paused" };
  const { week } = request;
  const last = subscriber.lastWeekSent;
  if (last !== undefined) {
    if (last === week) return { kind: "already-sent" };
    if (before(week, last)) return { kind: "superseded" };
  }
  if (request.tip !== undefined && subscriber.sentTips.includes(request.tip)) {
    return { kind: "already-sent" };
  }
  const claim = subscriber.claim;
  if (!claim) return { kind: "eligible", takeover: false };
  if (claim.state === "pending") {
    if (claim.at >= request.staleBefore.toISOString()) return { kind: "in-flight" };
    if (before(week, claim.week)) return { kind: "superseded" };
    return { kind: "eligible", takeover: true };
  }
  if (claim.week === week) return { kind: "already-sent" };
  if (before(week, claim.week)) return { kind: "superseded" };
  return { kind: "eligible", takeover: false };
}
