/**
 * The public archive: which tips are out (a `publishedAt` of today or earlier, or none), their
 * paths and dates. Dates are calendar days in UTC: a tip dated 2026-03-02 appears from
 * 2026-03-02T00:00Z, in the Lambda and locally alike (functions/http/feed.ts builds the feed).
 */
import type { ArchiveTip } from "./types.js";

/** Today's date in UTC, YYYY-MM-DD. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Whether a tip is out on `today` (YYYY-MM-DD): no date, or a date of today or earlier. */
export function isPublished(tip: Pick<ArchiveTip, "publishedAt">, today: string): boolean {
  return tip.publishedAt === undefined || tip.publishedAt <= today;
}

/** The tips that are out, in the weekly sequence (by `order`). */
export function publishedTips(archive: readonly ArchiveTip[], now: Date): ArchiveTip[] {
  const today = utcDay(now);
  return archive.filter((tip) => isPublished(tip, today)).sort((a, b) => a.order - b.order);
}

/** A tip as readers number it: `place` is its 1-based place in the series, never the editor's order. */
export type PlacedTip<T extends ArchiveTip = ArchiveTip> = T & { place: number };

/**
 * The place (1-based) a tip with `order` has among `tips`: one more than how many come before it.
 * For the tips that are out, it is the number a reader who got every tip in order saw in the
 * subject; renumbering the editor's `order` never changes it.
 */
export function placeIn(tips: readonly Pick<ArchiveTip, "order">[], order: number): number {
  return 1 + tips.filter((t) => t.order < order).length;
}

/** The tips that are out, in the weekly sequence, each with its place in it. */
export function placedTips(archive: readonly ArchiveTip[], now: Date): PlacedTip[] {
  return publishedTips(archive, now).map((tip, i) => ({ ...tip, place: i + 1 }));
}

export function tipPath(slug: string): string {
  return `/tips/${encodeURIComponent(slug)}`;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** RFC 822 date (RSS 2.0's format) of a YYYY-MM-DD day, at 00:00 GMT. */
export function rfc822(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  const dd = String(d.getUTCDate()).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]}, ${dd} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} 00:00:00 GMT`;
}
