/**
 * The list as a CSV export: one row per reader with a record (erasure marks are never listed),
 * every cell safe to open in a spreadsheet: a cell that starts with =, +, -, @, a tab or a
 * carriage return is prefixed with an apostrophe, so no formula ever runs.
 */
import type { Roster } from "./ports.js";
import { DAY_NAMES, parseSlot } from "./schedule.js";
import type { Subscriber } from "./types.js";

export const EXPORT_COLUMNS = [
  "email",
  "first_name",
  "status",
  "time_zone",
  "delivery_day",
  "delivery_hour",
  "consent_source",
  "consent_at",
  "created_at",
  "confirmed_at",
  "unsubscribed_at",
  "tips_received",
  "last_tip_week",
  "last_click_week",
] as const;

/** A cell a spreadsheet would read as a formula gets an apostrophe in front. */
export function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** One reader's row, in EXPORT_COLUMNS' order. */
export function exportRow(s: Subscriber): string[] {
  const slot = parseSlot(s.deliverySlot);
  return [
    s.email,
    s.firstName ?? "",
    s.status,
    s.timeZone ?? "",
    slot ? (DAY_NAMES[slot.weekday - 1] as string) : "",
    slot ? String(slot.hour) : "",
    s.consent?.source ?? "",
    s.consent?.at ?? "",
    s.createdAt,
    s.confirmedAt ?? "",
    s.unsubscribedAt ?? "",
    String(s.sentTips.length),
    s.lastWeekSent ?? "",
    s.lastClickWeek ?? "",
  ].map(neutralise);
}

/** Every reader's row, page by page. */
export async function* exportRows(
  roster: Pick<Roster, "page">,
  pageSize = 500,
): AsyncGenerator<string[]> {
  let cursor: string | undefined;
  do {
    const page = await roster.page(cursor, pageSize);
    for (const reader of page.items) yield exportRow(reader);
    cursor = page.cursor;
  } while (cursor !== undefined);
}
