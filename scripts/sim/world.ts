/**
 * The readers of a simulated list: where they live (a zone mix), when they want their tip, how
 * far through the series they are, and what the invariants need to know of each: when they left,
 * when they paused, which tips and weeks they were sent.
 */
import { keyedHashes } from "../../functions/core/email.js";
import { isTimeZone } from "../../functions/core/schedule.js";
import type { Rng } from "./random.js";

/** Weighted zones: most of a real list in a few US and European zones, the rest spread wide. */
export const REAL_MIX: ReadonlyArray<readonly [string, number]> = [
  ["America/New_York", 24],
  ["America/Chicago", 10],
  ["America/Los_Angeles", 11],
  ["America/Denver", 3],
  ["Europe/London", 12],
  ["Europe/Berlin", 9],
  ["Europe/Paris", 6],
  ["Europe/Madrid", 3],
  ["Australia/Sydney", 3],
  ["America/Toronto", 3],
  ["Asia/Kolkata", 2],
  ["Asia/Tokyo", 2],
  ["America/Sao_Paulo", 2],
  ["Pacific/Auckland", 1.5],
  ["America/St_Johns", 1],
  ["Asia/Kathmandu", 1],
  ["Australia/Lord_Howe", 0.5],
  ["Pacific/Chatham", 0.5],
  ["Pacific/Kiritimati", 0.5],
  ["Pacific/Pago_Pago", 0.5],
  ["Pacific/Tongatapu", 0.5],
  ["Africa/Lagos", 1],
  ["Asia/Singapore", 1],
  ["UTC", 1],
];

/** Zones spread evenly over every offset, the date line on both sides. */
export const SPREAD_MIX: ReadonlyArray<readonly [string, number]> = [
  "Pacific/Pago_Pago",
  "Pacific/Honolulu",
  "America/Anchorage",
  "America/Los_Angeles",
  "America/Denver",
  "America/Chicago",
  "America/New_York",
  "America/St_Johns",
  "America/Sao_Paulo",
  "Atlantic/Azores",
  "UTC",
  "Europe/Berlin",
  "Europe/Athens",
  "Europe/Moscow",
  "Asia/Dubai",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Asia/Dhaka",
  "Asia/Bangkok",
  "Asia/Shanghai",
  "Asia/Tokyo",
  "Australia/Adelaide",
  "Australia/Lord_Howe",
  "Pacific/Noumea",
  "Pacific/Auckland",
  "Pacific/Chatham",
  "Pacific/Tongatapu",
  "Pacific/Kiritimati",
].map((zone) => [zone, 1] as const);

/** "real", "spread", or "Europe/London=3,Asia/Tokyo=1". */
export function parseZones(text: string): ReadonlyArray<readonly [string, number]> {
  if (text === "real") return REAL_MIX;
  if (text === "spread") return SPREAD_MIX;
  return text.split(",").map((part) => {
    const [zone, weight] = part.split("=");
    const w = weight === undefined ? 1 : Number(weight);
    if (!zone || !(w > 0)) throw new Error(`--zones: cannot read ${JSON.stringify(part)}`);
    if (!isTimeZone(zone)) throw new Error(`--zones: ${JSON.stringify(zone)} is not a time zone`);
    return [zone, w] as const;
  });
}

export function zonePicker(mix: ReadonlyArray<readonly [string, number]>, rng: Rng): () => string {
  const total = mix.reduce((sum, [, w]) => sum + w, 0);
  return () => {
    let x = rng.next() * total;
    for (const [zone, w] of mix) {
      x -= w;
      if (x < 0) return zone;
    }
    return (mix[mix.length - 1] as readonly [string, number])[0];
  };
}

/** What the invariants know of one reader. */
export interface ReaderModel {
  id: string;
  email: string;
  zone: string;
  slot?: string;
  /** Confirmed (ms). */
  confirmedAt: number;
  /** Tips received before the simulation began. */
  initialTips: number;
  /** Recorded: unsubscribed, bounced, complained or erased (ms). */
  leftAt?: number;
  /** Pauses as recorded: from the moment of the write until their end. */
  pauses: Array<{ from: number; to: number }>;
  /** From here on, the on-time check no longer applies (a zone or day changed, a pause). */
  unsteadyFrom?: number;
  /** SES rejects this address. */
  badAddress: boolean;
  /** Stored with a zone the code cannot use. */
  poisoned: boolean;
  /** Tip emails SES accepted, in order: who sent each, and whether its record was written. */
  received: Array<{
    tip: string;
    week: string;
    at: number;
    claimAt: number | undefined;
    caller: string;
    recorded?: boolean;
  }>;
  /** The last claim of this reader taken by any sender (ms). */
  lastClaimAt?: number;
}

export const ID_SECRET = "simulation-id-key-0123456789abcdef0123456789";
export const hashes = keyedHashes(ID_SECRET);

export class World {
  readonly readers = new Map<string, ReaderModel>();
  readonly byEmail = new Map<string, ReaderModel>();
  /** Every reader's id, in the order they joined (random picks). */
  readonly ids: string[] = [];

  add(model: ReaderModel): void {
    this.readers.set(model.id, model);
    this.ids.push(model.id);
    this.byEmail.set(model.email, model);
  }

  unsteady(model: ReaderModel, at: number): void {
    model.unsteadyFrom = Math.min(model.unsteadyFrom ?? at, at);
  }
}
