/**
 * What a reader's record must hold for the send engine to use it. A record it cannot use (a zone
 * this runtime does not know, a malformed field: an import, a manual edit) is set aside on its
 * own, named in an ERROR, so that one bad item never stops everyone else's week.
 */
import type { Log } from "./ports.js";
import { isTimeZone, parseSlot } from "./schedule.js";
import type { Reader } from "./types.js";
import * as z from "./zod.js";

const isoInstant = z
  .string()
  .check(z.refine((s) => !Number.isNaN(Date.parse(s)), "not an instant"));
const isoWeek = z.string().check(z.regex(/^\d{4}-W\d{2}$/));

const readerSchema = z.object({
  id: z.string().check(z.minLength(1)),
  email: z.string().check(z.minLength(3), z.maxLength(254)),
  firstName: z.optional(z.string()),
  confirmedAt: z.optional(isoInstant),
  sentTips: z.array(z.string()),
  lastWeekSent: z.optional(isoWeek),
  timeZone: z.optional(z.string().check(z.refine(isTimeZone, "unknown time zone"))),
  deliverySlot: z.optional(
    z.string().check(z.refine((s) => parseSlot(s) !== undefined, "not a day and hour")),
  ),
  dueAt: z.optional(z.string()),
  pausedUntil: z.optional(isoInstant),
  claim: z.optional(
    z.object({ week: isoWeek, state: z.enum(["pending", "sent", "failed"]), at: isoInstant }),
  ),
  rev: z.optional(z.int().check(z.minimum(0))),
});

/** Why the send engine cannot use this record ("timeZone: unknown time zone"), or undefined. */
export function readerProblem(reader: Reader): string | undefined {
  const result = z.safeParse(readerSchema, reader);
  if (result.success) return undefined;
  return result.error.issues
    .map((issue) => `${issue.path.join(".") || "record"}: ${issue.message}`)
    .join("; ");
}

/** The item's key in the table, as an operator looks it up (the id is a keyed hash). */
export const readerKey = (id: string) => `SUB#${id}`;

/** Logs a record set aside, by its key and what is wrong with it (never its values). */
export function logSetAside(log: Pick<Log, "error"> | undefined, id: string, problem: string) {
  log?.error("reader set aside", { key: readerKey(id), problem });
}
