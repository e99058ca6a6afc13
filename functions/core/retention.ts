/**
 * How long the table keeps what, in one place: the adapters set each record's `expiresAt` (the
 * table's DynamoDB TTL attribute) from it, and the /privacy page quotes it.
 */
import type { SubscriberStatus } from "./types.js";

const DAY_SECONDS = 24 * 60 * 60;

export const RETENTION = {
  /** A signup nobody confirmed (its link works 7 days): the record goes 30 days after it. */
  pendingDays: 30,
  /**
   * A reader who left (unsubscribed, or taken off after a bounce or a complaint): the record,
   * consent evidence included, goes a year later, long enough to answer for the emails sent.
   */
  leftDays: 365,
} as const;

/**
 * The TTL (unix seconds) of a record that has just reached `status` at `now`; undefined for an
 * active reader, who is kept for as long as they stay.
 */
export function expiresAtFor(status: SubscriberStatus, now: Date): number | undefined {
  const seconds = Math.floor(now.getTime() / 1000);
  if (status === "active") return undefined;
  const days = status === "pending" ? RETENTION.pendingDays : RETENTION.leftDays;
  return seconds + days * DAY_SECONDS;
}
