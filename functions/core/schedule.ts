/**
 * The reader's own schedule: each reader's week is the ISO week where they live, and their tip is
 * due at a local weekday and hour of their choosing (the stage's, Monday 07:00, unless they chose). Time zones and their DST
 * rules come from the IANA database through Luxon (and Node's Intl), never from fixed offsets, so
 * half-hour zones (St John's), 30-minute DST (Lord Howe) and both sides of the date line
 * (Kiritimati +14, Pago Pago −11) are handled alike.
 */
import { DateTime, IANAZone, type WeekdayNumbers } from "luxon";

export interface DeliverySlot {
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: WeekdayNumbers;
  /** Local hour, 0–23. */
  hour: number;
}

export const DEFAULT_SLOT: DeliverySlot = { weekday: 1, hour: 7 };

const WEEK = /^(\d{4})-W(\d{2})$/;

/** Every zone name checked, valid or not (a bad record is checked on every pass). */
const checkedZones = new Map<string, boolean>();
/** Intl takes any letter case ("europe/LONDON"), so the names a stranger can send are unbounded. */
const CHECKED_ZONES_MAX = 2048;

/** Whether `zone` is an IANA time zone this runtime knows (e.g. "Europe/London"). */
export function isTimeZone(zone: string): boolean {
  const known = checkedZones.get(zone);
  if (known !== undefined) return known;
  const valid =
    zone.length <= 64 && IANAZone.isValidZone(zone) && (zone === "UTC" || zone.includes("/"));
  // Luxon builds an Intl formatter for each check, and a send checks every recipient's zone in
  // every batch: the answers are remembered.
  if (checkedZones.size >= CHECKED_ZONES_MAX) checkedZones.clear();
  checkedZones.set(zone, valid);
  return valid;
}

/**
 * ICU's names for zones IANA has since renamed (CLDR's `iana` attribute, bcp47/timezone.xml):
 * Node lists Asia/Calcutta and Europe/Kiev, where readers look for Asia/Kolkata and Europe/Kyiv.
 * Both names work everywhere; the pages list, and readers' records keep, IANA's.
 */
const RENAMED: Readonly<Record<string, string>> = {
  "Africa/Asmera": "Africa/Asmara",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Coral_Harbour": "America/Atikokan",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Godthab": "America/Nuuk",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Louisville": "America/Kentucky/Louisville",
  "America/Mendoza": "America/Argentina/Mendoza",
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Europe/Kiev": "Europe/Kyiv",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Truk": "Pacific/Chuuk",
};

/**
 * Every IANA zone this runtime knows (Node's ICU data), by IANA's current names, listed on first
 * use, not at cold start.
 */
let names: readonly string[] | undefined;
export function zoneNames(): readonly string[] {
  names ??= [
    "UTC",
    ...Intl.supportedValuesOf("timeZone")
      .filter((z) => z.includes("/"))
      .map((z) => RENAMED[z] ?? z)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  ];
  return names;
}

/** zoneNames by their lower case ("europe/london" → "Europe/London"). */
let spellings: Map<string, string> | undefined;

/**
 * A known zone by its name in zoneNames: the letter case of the IANA name ("europe/LONDON" →
 * "Europe/London"), and another name for the same zone by the listed one ("Asia/Calcutta" →
 * "Asia/Kolkata", "US/Eastern" → "America/New_York"), so that a reader's zone reads, groups and
 * matches the pages' list as theirs. Anything else is returned as given.
 */
export function zoneSpelling(zone: string): string {
  if (zone.length > 64) return zone;
  spellings ??= new Map(zoneNames().map((name) => [name.toLowerCase(), name]));
  const listed = spellings.get(zone.toLowerCase());
  if (listed !== undefined || !isTimeZone(zone)) return listed ?? zone;
  const icu = new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone;
  return spellings.get((RENAMED[icu] ?? icu).toLowerCase()) ?? zone;
}

/**
 * Built on first use, not at import: an Intl formatter loads its locale data, which every cold
 * start of the API would pay, for the pages that show a date alone.
 */
let dayFormat: Intl.DateTimeFormat | undefined;

/** `instant` where the reader lives, in a Luxon `format` ("cccc d LLLL": "Monday 7 December"). */
export const localWhen = (instant: Date, zone: string, format: string) =>
  DateTime.fromJSDate(instant, { zone }).setLocale("en-GB").toFormat(format);

/** "7 January 2027": the UTC day of `instant`, as the pages say it. */
export function dayOf(instant: Date): string {
  dayFormat ??= new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
  return dayFormat.format(instant);
}

function at(instant: Date, zone: string): DateTime {
  const local = DateTime.fromJSDate(instant, { zone });
  if (!local.isValid) throw new Error(`unknown time zone ${JSON.stringify(zone)}`);
  return local;
}

const label = (t: DateTime) => `${t.weekYear}-W${String(t.weekNumber).padStart(2, "0")}`;

/** One local week of a zone: the UTC milliseconds it spans, [start, end). */
interface WeekSpan {
  start: number;
  end: number;
  label: string;
}

/**
 * Each zone's weeks once looked up, filed under every 7-day stretch of UTC they touch, so a week's
 * label costs Luxon once rather than once a call. Bounded: cleared past 10,000 stretches.
 */
const spans = new Map<string, WeekSpan[]>();
const STRETCH = 7 * 24 * 3600_000;

function weekSpan(instant: Date, zone: string): WeekSpan {
  const ms = instant.getTime();
  const known = spans.get(`${zone}|${Math.floor(ms / STRETCH)}`);
  if (known) for (const span of known) if (span.start <= ms && ms < span.end) return span;
  const local = at(instant, zone);
  const start = local.startOf("week").toMillis();
  const end = local.startOf("week").plus({ weeks: 1 }).toMillis();
  const span = { start, end, label: label(local) };
  // A span is kept only if Luxon agrees on both of its ends (a DST jump at local midnight on a
  // Monday must not widen a week by the hour it skips).
  if (
    start <= ms &&
    ms < end &&
    label(at(new Date(start), zone)) === span.label &&
    label(at(new Date(end - 1), zone)) === span.label &&
    label(at(new Date(end), zone)) !== span.label
  ) {
    if (spans.size >= 10_000) spans.clear();
    for (let k = Math.floor(start / STRETCH); k <= Math.floor((end - 1) / STRETCH); k += 1) {
      const key = `${zone}|${k}`;
      const list = spans.get(key);
      if (list) list.push(span);
      else spans.set(key, [span]);
    }
    return span;
  }
  return { start: ms, end: ms, label: span.label };
}

/** The ISO week ("2026-W48") that `instant` falls in, where the reader lives. */
export function localWeek(instant: Date, zone: string): string {
  return weekSpan(instant, zone).label;
}

/**
 * The instant of the delivery slot in `week` where the reader lives. A local time that a DST jump
 * skips is moved forward past the jump (the wall clock reads later that morning), never dropped.
 */
export function deliveryInstant(week: string, zone: string, slot = DEFAULT_SLOT): Date {
  return new Date(
    memo(`${week}|${zone}|${slot.weekday}|${slot.hour}`, () => slotInWeek(week, zone, slot)),
  );
}

/**
 * Pure results by key, for the hot paths (every email's next slot, every reader's week), which
 * would otherwise have Luxon resolve the zone on every call. Bounded: cleared past 100,000 entries
 * (a million readers bring a few hundred zones times their chosen days and hours).
 */
const cache = new Map<string, number | string>();
function memo<T extends number | string>(key: string, compute: () => T): T {
  let value = cache.get(key) as T | undefined;
  if (value === undefined) {
    if (cache.size >= 100_000) cache.clear();
    value = compute();
    cache.set(key, value);
  }
  return value;
}

function slotInWeek(week: string, zone: string, slot: DeliverySlot): number {
  const m = WEEK.exec(week);
  if (!m) throw new Error(`not an ISO week: ${JSON.stringify(week)}`);
  const local = DateTime.fromObject(
    {
      weekYear: Number(m[1]),
      weekNumber: Number(m[2]),
      weekday: slot.weekday,
      hour: slot.hour,
    },
    { zone },
  );
  if (!local.isValid) throw new Error(`no ${week} in ${zone}: ${local.invalidExplanation}`);
  return local.toMillis();
}

/**
 * The reader's week whose delivery is due at `instant`: their current local week once its slot has
 * passed, else undefined (the slot is still ahead; last week's is over and never sent late).
 */
export function dueWeek(instant: Date, zone: string, slot = DEFAULT_SLOT): string | undefined {
  const week = localWeek(instant, zone);
  return deliveryInstant(week, zone, slot) <= instant ? week : undefined;
}

/** The first delivery slot strictly after `instant`, where the reader lives. */
export function nextDelivery(instant: Date, zone: string, slot = DEFAULT_SLOT): Date {
  const week = localWeek(instant, zone);
  const thisWeek = deliveryInstant(week, zone, slot);
  if (thisWeek > instant) return thisWeek;
  const span = weekSpan(instant, zone);
  const nextWeek =
    span.end > instant.getTime()
      ? localWeek(new Date(span.end), zone)
      : label(at(instant, zone).plus({ weeks: 1 }));
  return deliveryInstant(nextWeek, zone, slot);
}

/**
 * A reader's next tip from `instant`: their next slot whose week is later than the last week they
 * were sent (a reader who moved their day later in a week they were sent in gets nothing more
 * that week: at most one tip a week).
 */
export function nextTipAt(
  reader: { lastWeekSent?: string },
  instant: Date,
  zone: string,
  slot = DEFAULT_SLOT,
): Date {
  let next = nextDelivery(instant, zone, slot);
  // A week ahead of this zone's (sent in a zone across the date line) can hold two slots back.
  for (let i = 0; i < 60; i += 1) {
    const week = localWeek(next, zone);
    if (reader.lastWeekSent === undefined || reader.lastWeekSent < week) break;
    next = slotAfter(week, zone, slot);
  }
  return next;
}

/** The days of the week, Monday first (ISO weekday 1 to 7). */
export const DAY_NAMES = [
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
  "Sunday",
] as const;

/** "Wednesday at 18:00". */
export function slotWords(day: number, hour: number): string {
  return `${DAY_NAMES[day - 1] ?? "Monday"} at ${String(hour).padStart(2, "0")}:00`;
}

const SLOT = /^([1-7])-([01]\d|2[0-3])$/;

/** "1-07" → Monday 07:00; undefined for anything else. */
export function parseSlot(text: string | undefined): DeliverySlot | undefined {
  const m = text === undefined ? null : SLOT.exec(text);
  return m ? { weekday: Number(m[1]) as WeekdayNumbers, hour: Number(m[2]) } : undefined;
}

/** Monday 07:00 → "1-07", as a reader's record keeps it. */
export function formatSlot(slot: DeliverySlot): string {
  return `${slot.weekday}-${String(slot.hour).padStart(2, "0")}`;
}

/** What an hourly planner needs to know of the stage's schedule. */
export interface Schedule {
  /** For readers who chose no zone. */
  defaultTimeZone: string;
  slot: DeliverySlot;
}

/** A stage's schedule when nothing is set: Monday 07:00, UTC. */
export const DEFAULT_SCHEDULE: Schedule = { defaultTimeZone: "UTC", slot: DEFAULT_SLOT };

/** The reader's zone, or the stage default. */
export const zoneOf = (reader: { timeZone?: string }, schedule: Schedule) =>
  reader.timeZone ?? schedule.defaultTimeZone;

/** The reader's own delivery day and hour, or the stage's. */
export const slotOf = (reader: { deliverySlot?: string }, schedule: Schedule): DeliverySlot =>
  parseSlot(reader.deliverySlot) ?? schedule.slot;

/**
 * The week a reader is due at `instant`: their local week once its slot has passed, and only if
 * they had confirmed by that slot (a reader who joins on a Tuesday starts the next Monday).
 */
export function readerDueWeek(
  reader: { timeZone?: string; deliverySlot?: string; confirmedAt?: string },
  instant: Date,
  schedule: Schedule,
): string | undefined {
  const zone = zoneOf(reader, schedule);
  const own = slotOf(reader, schedule);
  const week = dueWeek(instant, zone, own);
  if (week === undefined) return undefined;
  const slot = deliveryInstant(week, zone, own);
  if (reader.confirmedAt !== undefined && reader.confirmedAt > slot.toISOString()) return undefined;
  return week;
}

/** The slot after `week`'s, where the reader lives: when they are due once `week` is sent. */
export function slotAfter(week: string, zone: string, slot = DEFAULT_SLOT): Date {
  const key = `after|${week}|${zone}|${slot.weekday}|${slot.hour}`;
  return new Date(
    memo(key, () => nextDelivery(deliveryInstant(week, zone, slot), zone, slot).getTime()),
  );
}
