/**
 * How many readers fall due in each coming hour (for `npm run send -- --dry-run` and the runway
 * report): read from the active index, which sorts by each reader's next due instant, so only the
 * readers due in the window are read.
 */
import type { SendLedger } from "./ports.js";
import { nextTipAt, readerDueWeek, type Schedule, slotOf, zoneOf } from "./schedule.js";

export interface DueHour {
  /** The start of the UTC hour. */
  hour: Date;
  readers: number;
}

const HOUR = 3_600_000;

/**
 * Readers due in each UTC hour from `from`'s hour on, `hours` hours long; readers overdue count in
 * the first. A reader no pass has scheduled yet (no due instant: a new import, a changed day) is
 * counted at their own slot: in the first hour if this week's has passed, else when it comes.
 */
export async function dueByHour(
  ledger: Pick<SendLedger, "shards" | "listDue">,
  from: Date,
  hours: number,
  schedule: Schedule,
): Promise<DueHour[]> {
  const start = Math.floor(from.getTime() / HOUR) * HOUR;
  const end = new Date(start + hours * HOUR - 1);
  const counts = new Map<number, number>();
  await Promise.all(
    Array.from({ length: ledger.shards }, async (_, shard) => {
      let cursor: string | undefined;
      do {
        const page = await ledger.listDue(shard, end, cursor, 500);
        cursor = page.cursor;
        for (const reader of page.items) {
          const due = reader.dueAt ? Date.parse(reader.dueAt) : unscheduled(reader, from, schedule);
          if (due > end.getTime()) continue;
          const hour = Math.max(start, Math.floor(due / HOUR) * HOUR);
          counts.set(hour, (counts.get(hour) ?? 0) + 1);
        }
      } while (cursor !== undefined);
    }),
  );
  return [...counts]
    .sort((a, b) => a[0] - b[0])
    .map(([hour, readers]) => ({ hour: new Date(hour), readers }));
}

/** When a reader without a due instant is due: now if this week's slot has passed, else that slot. */
function unscheduled(
  reader: Parameters<typeof readerDueWeek>[0] & { lastWeekSent?: string },
  from: Date,
  schedule: Schedule,
): number {
  const week = readerDueWeek(reader, from, schedule);
  if (week !== undefined && !(reader.lastWeekSent !== undefined && reader.lastWeekSent >= week))
    return from.getTime();
  return nextTipAt(reader, from, zoneOf(reader, schedule), slotOf(reader, schedule)).getTime();
}
