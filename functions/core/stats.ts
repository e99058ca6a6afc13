/**
 * The operator's numbers (`npm run stats`), kept as counters while things happen: which counters
 * one change of a reader's record moves (countsFor, from the record before and after the write),
 * and the report summed from the counter items. Pure: the stores apply the deltas.
 */
import { SERIES_END } from "./sequence.js";
import type { Subscriber } from "./types.js";
import { isoWeek } from "./week.js";

export const READER_STATES = [
  "pending",
  "active",
  "paused",
  "finished",
  "unsubscribed",
  "bounced",
  "complained",
] as const;
export type ReaderState = (typeof READER_STATES)[number];

export const WEEK_FIELDS = [
  "sent",
  "delivered",
  "bounced",
  "complained",
  "left",
  "signups",
  "confirmations",
] as const;
export const TIP_FIELDS = ["sent", "clicks", "left", "complained"] as const;

export type WeekCounts = { week: string } & Record<(typeof WEEK_FIELDS)[number], number>;
export type TipCounts = { slug: string } & Record<(typeof TIP_FIELDS)[number], number>;

export interface StatsReport {
  readers: Record<ReaderState, number>;
  weeks: WeekCounts[];
  tips: TipCounts[];
}

/** A reader who leaves or pauses this long after a tip counts as having left after it. */
export const LEFT_WITHIN_MS = 7 * 86_400_000;

/** The counter items' sort keys. */
export const READERS_KEY = "READERS";
export const weekKey = (week: string) => `WEEK#${week}`;
export const tipKey = (slug: string) => `TIP#${slug}`;

/** One counter moved: the item (by its sort key), the attribute, and by how much. */
export interface CounterDelta {
  sk: string;
  field: string;
  by: number;
}

/** What the counters read of a record. */
export type Counted = Pick<
  Subscriber,
  "status" | "pausedUntil" | "sentLog" | "consent" | "claim" | "deliveredWeek"
>;

/**
 * The one state a record counts in: paused and finished are active readers who get nothing now
 * (a pause not yet followed by a tip or a resume; the series' end sent as their last email).
 */
export function stateOf(record: Counted | undefined): ReaderState | undefined {
  if (!record) return undefined;
  if (record.status !== "active") return record.status;
  if (record.pausedUntil) return "paused";
  return record.sentLog?.at(-1)?.tip === SERIES_END ? "finished" : "active";
}

/** The tip email a write recorded as sent, unless it records again one already recorded. */
function newlySent(before: Counted | undefined, after: Counted | undefined) {
  const claim = after?.claim;
  if (claim?.state !== "sent") return undefined;
  const prior = before?.claim;
  if (prior?.state === "sent" && prior.week === claim.week && prior.tip === claim.tip) {
    return undefined;
  }
  return (after?.sentLog?.length ?? 0) > (before?.sentLog?.length ?? 0) ? claim : undefined;
}

/**
 * The counters one write moves. A write that changes nothing counted (a repeat, a replay) moves
 * none, so a store that counts only the writes whose condition held never counts an event twice.
 */
export function countsFor(
  before: Counted | undefined,
  after: Counted | undefined,
  now: Date,
): CounterDelta[] {
  const deltas: CounterDelta[] = [];
  const add = (sk: string, field: string, by = 1) => deltas.push({ sk, field, by });
  const thisWeek = weekKey(isoWeek(now));

  const was = stateOf(before);
  const is = stateOf(after);
  if (was !== is) {
    if (was) add(READERS_KEY, was, -1);
    if (is) add(READERS_KEY, is);
  }
  if (after?.consent && before?.consent?.at !== after.consent.at) {
    const given = new Date(after.consent.at);
    add(Number.isNaN(given.getTime()) ? thisWeek : weekKey(isoWeek(given)), "signups");
  }
  if (after?.status === "active" && before?.status !== "active") add(thisWeek, "confirmations");

  const sent = newlySent(before, after);
  if (sent) {
    add(weekKey(sent.week), "sent");
    if (sent.tip !== SERIES_END) add(tipKey(sent.tip), "sent");
  }
  if (after?.deliveredWeek && after.deliveredWeek !== before?.deliveredWeek) {
    add(weekKey(after.deliveredWeek), "delivered");
  }

  const last = before?.sentLog?.at(-1);
  const perTip = (field: string) => {
    if (!last) return;
    add(weekKey(last.week), field);
    if (last.tip !== SERIES_END) add(tipKey(last.tip), field);
  };
  const receiving = was === "active" || was === "finished";
  const recent = last !== undefined && now.getTime() - Date.parse(last.at) <= LEFT_WITHIN_MS;
  if (receiving && (is === "unsubscribed" || is === "paused") && recent) perTip("left");
  if (before?.status === "active" && after?.status === "complained") perTip("complained");
  if (before?.status === "active" && after?.status === "bounced" && last) {
    add(weekKey(last.week), "bounced");
  }
  return deltas;
}

/** One counter item as read: its sort key and its numeric attributes. */
export interface CounterItem {
  sk: string;
  counts: Record<string, number>;
}

/** The report from every counter item of every shard (items of one key are summed). */
export function summarize(items: readonly CounterItem[]): StatsReport {
  const readers = Object.fromEntries(READER_STATES.map((s) => [s, 0])) as Record<
    ReaderState,
    number
  >;
  const weeks = new Map<string, WeekCounts>();
  const tips = new Map<string, TipCounts>();
  const num = (counts: Record<string, number>, field: string) => Number(counts[field] ?? 0);
  for (const { sk, counts } of items) {
    if (sk === READERS_KEY) {
      for (const state of READER_STATES) readers[state] += num(counts, state);
    } else if (sk.startsWith("WEEK#")) {
      const week = sk.slice(5);
      const row =
        weeks.get(week) ??
        ({ week, ...Object.fromEntries(WEEK_FIELDS.map((f) => [f, 0])) } as WeekCounts);
      for (const field of WEEK_FIELDS) row[field] += num(counts, field);
      weeks.set(week, row);
    } else if (sk.startsWith("TIP#")) {
      const slug = sk.slice(4);
      const row =
        tips.get(slug) ??
        ({ slug, ...Object.fromEntries(TIP_FIELDS.map((f) => [f, 0])) } as TipCounts);
      for (const field of TIP_FIELDS) row[field] += num(counts, field);
      tips.set(slug, row);
    }
  }
  return {
    readers,
    weeks: [...weeks.values()].sort((a, b) => (a.week < b.week ? -1 : 1)),
    tips: [...tips.values()].sort((a, b) => (a.slug < b.slug ? -1 : 1)),
  };
}
