/**
 * The readers' state changes as typed events (docs/events.md), worked out from a subscriber's
 * record before and after one write: in AWS from the table's stream images, locally from the
 * stores' own view of the write. One mapping for both; each schema is the event's contract.
 */

import type { EventBus } from "./ports.js";
import { SERIES_END } from "./sequence.js";
import type { Counted } from "./stats.js";
import * as z from "./zod.js";

/** The `source` of every event on the bus. */
export const EVENT_SOURCE = "strength-tips";

const base = {
  /** Stable for one change: a consumer drops an id it has seen (delivery is at least once). */
  id: z.string().check(z.minLength(1)),
  /** ISO time of the change. */
  at: z.string().check(z.minLength(1)),
  /** The reader's keyed-hash id: it names nobody without the stage's id key. */
  subscriberId: z.string().check(z.minLength(1)),
};

export const EVENT_SCHEMAS = {
  "subscriber.signed-up": z.object({ ...base, source: z.string() }),
  "subscriber.confirmed": z.object(base),
  "subscriber.paused": z.object({ ...base, until: z.string() }),
  "subscriber.resumed": z.object(base),
  "subscriber.unsubscribed": z.object(base),
  "subscriber.bounced": z.object(base),
  "subscriber.complained": z.object(base),
  "subscriber.erased": z.object(base),
  "tip.sent": z.object({ ...base, week: z.string(), tip: z.string() }),
  "series.finished": z.object({ ...base, week: z.string() }),
} as const;

export type EventType = keyof typeof EVENT_SCHEMAS;
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

/** One event: its type (EventBridge's detail-type) and its detail. */
export type DomainEvent = {
  [K in EventType]: { type: K; detail: z.output<(typeof EVENT_SCHEMAS)[K]> };
}[EventType];

/** What a mapping reads of a record. */
export type Recorded = Counted & Partial<Record<"unsubscribedAt" | "updatedAt", string>>;

/** One write to a subscriber's record, as the stream or a store sees it. */
export interface RecordChange {
  id: string;
  /** The record before; undefined when there was none, or only an erasure mark. */
  before: Recorded | undefined;
  /** The record after; undefined when it is gone or only the erasure mark is left. */
  after: Recorded | undefined;
  at: Date;
}

export type ChangeListener = (change: RecordChange) => void;

export type { EventBus };

/** The events one write makes: none for a write that changes no reader's state. */
export function eventsFor(change: RecordChange): DomainEvent[] {
  const { id: subscriberId, before, after } = change;
  const at = change.at.toISOString();
  const events: DomainEvent[] = [];
  const push = (type: EventType, key: string, extra: Record<string, string> = {}) => {
    const detail = { id: `${type}:${subscriberId}:${key}`, at, subscriberId, ...extra };
    events.push({ type, detail } as DomainEvent);
  };

  if (!after) {
    if (before) push("subscriber.erased", at);
    return events;
  }
  if (after.consent && before?.consent?.at !== after.consent.at) {
    push("subscriber.signed-up", after.consent.at, { source: after.consent.source });
  }
  if (after.status !== before?.status) {
    const left = {
      unsubscribed: "subscriber.unsubscribed",
      bounced: "subscriber.bounced",
      complained: "subscriber.complained",
    } as const;
    if (after.status === "active") push("subscriber.confirmed", at);
    else if (after.status !== "pending") push(left[after.status], at);
  }
  const wasPaused = before?.status === "active" && before.pausedUntil !== undefined;
  const isPaused = after.status === "active" && after.pausedUntil !== undefined;
  if (isPaused && after.pausedUntil !== before?.pausedUntil) {
    push("subscriber.paused", after.pausedUntil as string, { until: after.pausedUntil as string });
  }
  if (wasPaused && !isPaused && after.status === "active") push("subscriber.resumed", at);

  const claim = after.claim;
  const prior = before?.claim;
  const recorded = (after.sentLog?.length ?? 0) > (before?.sentLog?.length ?? 0);
  const replay = prior?.state === "sent" && prior.week === claim?.week && prior.tip === claim?.tip;
  if (claim?.state === "sent" && recorded && !replay) {
    if (claim.tip === SERIES_END) push("series.finished", claim.week, { week: claim.week });
    else push("tip.sent", `${claim.week}:${claim.tip}`, { week: claim.week, tip: claim.tip });
  }
  return events;
}
