/** ISO-8601 week dates (weeks start on Monday; week 1 holds the year's first Thursday). */

const WEEK_PATTERN = /^(\d{4})-W(\d{2})$/;

export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day); // the Thursday of this week decides the year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** Monday 00:00 UTC of an ISO week; undefined when the string is not a real week. */
export function weekStart(week: string): Date | undefined {
  const m = WEEK_PATTERN.exec(week);
  if (!m) return undefined;
  const year = Number(m[1]);
  const n = Number(m[2]);
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const monday1 = new Date(jan4);
  monday1.setUTCDate(jan4.getUTCDate() - ((jan4.getUTCDay() || 7) - 1));
  const start = new Date(monday1);
  start.setUTCDate(monday1.getUTCDate() + (n - 1) * 7);
  return n >= 1 && isoWeek(start) === week ? start : undefined;
}

export function isIsoWeek(value: string): boolean {
  return weekStart(value) !== undefined;
}
