/**
 * The evergreen sequence: every subscriber walks the tips in `order`, one a week, from the first.
 *
 * Progress is the SET of slugs a subscriber has received, never a position: the next tip is the
 * first one in order whose slug is not in that set. So tips inserted before a subscriber's
 * progress are sent next (nothing is skipped), reordering never repeats anything, and a removed
 * tip simply stops counting. Someone who confirmed this week has received nothing and starts at
 * the first tip. A subscriber who has received every tip is caught up and gets nothing.
 */
import type { CompiledTemplate, CompiledTip } from "./types.js";

type Ordered = Pick<CompiledTip, "slug" | "order">;

/**
 * The "you've finished the series" email's place in the sequence: after every tip, sent once, at
 * the slot after a reader's last tip. Its slug joins their sentTips like a tip's, so a tip
 * published later goes to them next, and the email itself never twice.
 */
export const SERIES_END = "series-finished";

/** The sequence a send walks: the tips in order, then the series' end (when there are tips). */
export function series(tips: readonly CompiledTip[], finished: CompiledTemplate): CompiledTip[] {
  const ordered = inOrder(tips);
  if (ordered.length === 0) return ordered;
  const end: CompiledTip = {
    ...finished,
    slug: SERIES_END,
    order: Number.POSITIVE_INFINITY,
    title: finished.subject,
    tags: [],
    hash: SERIES_END,
  };
  return [...ordered, end];
}

/** A reader's own number for their next tip: the tips they have had, plus one. */
export function tipNumber(sentTips: readonly string[]): number {
  return sentTips.filter((slug) => slug !== SERIES_END).length + 1;
}

/** The tips sorted by `order` (ties by slug, so the sequence is total and stable). */
export function inOrder<T extends Ordered>(tips: readonly T[]): T[] {
  return [...tips].sort((a, b) => a.order - b.order || (a.slug < b.slug ? -1 : 1));
}

/**
 * The next tip for a subscriber who has received `sentTips`, or undefined when caught up.
 * `tips` must be in order (see inOrder; the generated bundle already is).
 */
export function nextTip<T extends Ordered>(
  tips: readonly T[],
  sentTips: readonly string[],
): T | undefined {
  const received = new Set(sentTips);
  const next = tips.find((tip) => !received.has(tip.slug));
  // The series' end follows a tip, never stands alone.
  return next?.slug === SERIES_END && tipNumber(sentTips) === 1 ? undefined : next;
}

export interface Runway {
  /** Weeks until the most advanced subscriber runs out (0: someone is caught up already). */
  weeks: number;
  tips: number;
  /** How many of the current tips the most advanced active subscriber has received. */
  maxReceived: number;
  /** Active subscribers looked at. */
  subscribers: number;
}

/**
 * Weeks of content left for the most advanced active subscriber: tips.length minus the most
 * current tips any active subscriber has received (slugs of removed tips do not count).
 */
export function runway(
  tips: readonly Pick<CompiledTip, "slug">[],
  subscribers: Iterable<{ status: string; sentTips: readonly string[] }>,
): Runway {
  const slugs = new Set(tips.map((tip) => tip.slug));
  let maxReceived = 0;
  let count = 0;
  for (const subscriber of subscribers) {
    if (subscriber.status !== "active") continue;
    count += 1;
    let received = 0;
    for (const slug of new Set(subscriber.sentTips)) if (slugs.has(slug)) received += 1;
    if (received > maxReceived) maxReceived = received;
  }
  return { weeks: slugs.size - maxReceived, tips: slugs.size, maxReceived, subscribers: count };
}
