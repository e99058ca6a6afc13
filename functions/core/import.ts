/**
 * Importing a list: rows of email, first name and time zone, each validated like a signup
 * (subscriptions.ts parseSignup), one reader per real mailbox (email.ts canonicalMailbox), and
 * nobody who left, bounced, complained or was erased ever added again. With consent evidence the
 * readers start active; without it each gets a confirmation email through the outbox's own
 * delivery (confirmations.ts), within the hourly budget. Rerunning changes nothing already done.
 */

import { type DeliveryOutcome, IMPORT_IP, type SignupRequest } from "./confirmations.js";
import { canonicalMailbox, type KeyedHashes } from "./email.js";
import { BadRequestError } from "./errors.js";
import type { Roster, RosterEntry } from "./ports.js";
import { DAY_NAMES, type DeliverySlot } from "./schedule.js";
import { CONSENT, parseSignup } from "./subscriptions.js";
import type { Consent, Subscriber } from "./types.js";

/** One data row of the file: its line number (1 is the header) and its cells. */
export interface ImportRow {
  line: number;
  cells: readonly string[];
}

/** Where each known column is in the file, and the columns that are ignored. */
export interface ImportColumns {
  email: number;
  firstName?: number;
  timeZone?: number;
  /** The reader's day ("Wednesday" or 1 to 7) and hour (0 to 23), as the export writes them. */
  deliveryDay?: number;
  deliveryHour?: number;
  ignored: string[];
}

/** The header names each column answers to, compared without case, spaces, `_` or `-`. */
const HEADER_NAMES = {
  email: ["email", "emailaddress", "e-mail", "mail", "address"],
  firstName: ["firstname", "first", "givenname", "name", "forename"],
  timeZone: ["timezone", "tz", "zone"],
  deliveryDay: ["deliveryday"],
  deliveryHour: ["deliveryhour"],
} as const;

const headerKey = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "");

/** The columns of a header row; BadRequestError when there is no email column. */
export function importColumns(header: readonly string[]): ImportColumns {
  const columns: Partial<Record<keyof typeof HEADER_NAMES, number>> = {};
  const ignored: string[] = [];
  header.forEach((raw, index) => {
    const key = headerKey(raw.replace(/^\uFEFF/, ""));
    const kind = (Object.keys(HEADER_NAMES) as (keyof typeof HEADER_NAMES)[]).find(
      (k) => columns[k] === undefined && (HEADER_NAMES[k] as readonly string[]).includes(key),
    );
    if (kind) columns[kind] = index;
    else ignored.push(raw.trim() || `(column ${index + 1}, unnamed)`);
  });
  if (columns.email === undefined) {
    throw new BadRequestError(
      `the header row has no email column (found: ${header.join(", ") || "nothing"})`,
      "no_email_column",
    );
  }
  return {
    email: columns.email,
    ...(columns.firstName === undefined ? {} : { firstName: columns.firstName }),
    ...(columns.timeZone === undefined ? {} : { timeZone: columns.timeZone }),
    ...(columns.deliveryDay === undefined ? {} : { deliveryDay: columns.deliveryDay }),
    ...(columns.deliveryHour === undefined ? {} : { deliveryHour: columns.deliveryHour }),
    ignored,
  };
}

export interface ImportOptions {
  /** Where the consent was given ("Mailchimp export, 2026-11"): readers start active. */
  consented?: string;
  /** Look everything up, change nothing, send nothing. */
  dryRun: boolean;
  /** When the import runs: the consent's time, and what an erasure during it is judged by. */
  now: Date;
}

export interface ImportDeps {
  roster: Roster;
  hashes: Pick<KeyedHashes, "subscriberId" | "mailboxKey">;
  /**
   * Delivers one signup as the confirmation outbox does (confirmations.ts deliverConfirmation):
   * throws ConfirmationDeferredError when the hour's budget is spent.
   */
  confirm: (request: SignupRequest) => Promise<DeliveryOutcome>;
  /** Whether an error from `confirm` means the hourly budget is spent. */
  isBudgetSpent: (error: unknown) => boolean;
  /** Rows looked up together (in lookups of 100 at once); default 500. */
  chunk?: number;
  /** The stage's day and hour, whence a day or an hour given alone takes the other (Monday 07:00). */
  slot?: DeliverySlot;
}

export interface ImportReport {
  rows: number;
  /** Added as active readers (with --consented). */
  added: number;
  /** Sent their confirmation email (double opt-in). */
  invited: number;
  /**
   * A dry run's new addresses without consent: each would be sent a confirmation, within the
   * hourly budget (so some may wait for a later run).
   */
  toInvite: number;
  /** Already on the list, pending or active: left as they are. */
  existing: number;
  /** Left, bounced or complained: never added again. */
  suppressed: number;
  /** Erased: never added again. */
  erased: number;
  /** A mailbox already named on an earlier line. */
  duplicates: number;
  /** Waiting for the next hour's confirmation budget, or their mailbox's daily limit. */
  waiting: number;
  invalid: Array<{ line: number; reason: string }>;
}

export const emptyImportReport = (): ImportReport => ({
  rows: 0,
  added: 0,
  invited: 0,
  toInvite: 0,
  existing: 0,
  suppressed: 0,
  erased: 0,
  duplicates: 0,
  waiting: 0,
  invalid: [],
});

/** The deterministic signup id of an import's invitation: a rerun delivers the same signup. */
export const importSignupId = (hashes: Pick<KeyedHashes, "mailboxKey">, email: string) =>
  hashes.mailboxKey(email).slice(0, 16);

/** The consent evidence of an imported reader (no IP, no browser: the operator's import). */
export function importConsent(source: string, now: Date): Consent {
  return {
    at: now.toISOString(),
    ip: IMPORT_IP,
    userAgent: "npm run subscribers -- import",
    source,
    textVersion: CONSENT.version,
  };
}

/** Ids per Roster.lookup (DynamoDB's BatchGetItem takes 100). */
const LOOKUP_SIZE = 100;

interface Candidate {
  line: number;
  id: string;
  email: string;
  firstName: string | undefined;
  timeZone: string | undefined;
  deliverySlot: string | undefined;
}

const cell = (row: ImportRow, index: number | undefined) =>
  index === undefined ? undefined : (row.cells[index] ?? "").trim();

/**
 * A day as the export writes it ("Wednesday"), shortened to three letters or more ("Wed",
 * "Thurs."), or as a number ("3"), for parseDeliverySlot.
 */
function dayCell(value: string | undefined): string | undefined {
  const word = value?.toLowerCase().replace(/\.$/, "") ?? "";
  const named =
    word.length < 3 ? -1 : DAY_NAMES.findIndex((day) => day.toLowerCase().startsWith(word));
  return named >= 0 ? String(named + 1) : value;
}

/**
 * Imports the rows (see the top of this file). Bad rows are reported with their line and reason
 * and the rest goes on; `onProgress` is told the rows done after each chunk.
 */
export async function importReaders(
  deps: ImportDeps,
  columns: ImportColumns,
  rows: AsyncIterable<ImportRow> | Iterable<ImportRow>,
  options: ImportOptions,
  onProgress?: (report: ImportReport) => void,
): Promise<ImportReport> {
  const report = emptyImportReport();
  const seen = new Map<string, number>();
  const chunkSize = deps.chunk ?? 500;
  let budgetSpent = false;
  let chunk: Candidate[] = [];

  const settle = async () => {
    const candidates = chunk;
    chunk = [];
    if (candidates.length === 0) return;
    const found = new Map<string, RosterEntry>();
    const lookups: string[][] = [];
    for (let i = 0; i < candidates.length; i += LOOKUP_SIZE) {
      lookups.push(candidates.slice(i, i + LOOKUP_SIZE).map((c) => c.id));
    }
    for (const part of await Promise.all(lookups.map((ids) => deps.roster.lookup(ids)))) {
      for (const [id, entry] of part) found.set(id, entry);
    }
    const fresh: Candidate[] = [];
    for (const candidate of candidates) {
      const entry = found.get(candidate.id);
      const kind = standing(entry, () => importSignupId(deps.hashes, candidate.email), options);
      if (kind === "new") fresh.push(candidate);
      else report[kind] += 1;
    }
    if (options.dryRun) {
      report[options.consented === undefined ? "toInvite" : "added"] += fresh.length;
    } else if (options.consented !== undefined) {
      const consent = importConsent(options.consented, options.now);
      const added = await deps.roster.add(fresh.map((c) => activeReader(c, consent, options.now)));
      for (const ok of added) report[ok ? "added" : "existing"] += 1;
    } else {
      // One at a time, as the outbox delivers: the budget is taken in order, and once spent
      // the rest wait for a rerun in a later hour.
      for (const c of fresh) {
        if (budgetSpent) {
          report.waiting += 1;
          continue;
        }
        try {
          const outcome = await deps.confirm(invitation(deps, c, options.now));
          if (outcome === "sent") report.invited += 1;
          else if (outcome === "mailbox-limit") report.waiting += 1;
          else if (outcome === "erased") report.erased += 1;
          else report.existing += 1;
        } catch (error) {
          if (!deps.isBudgetSpent(error)) throw error;
          budgetSpent = true;
          report.waiting += 1;
        }
      }
    }
    onProgress?.(report);
  };

  // With consent, or on a dry run, the next chunk is read and looked up while the last one is
  // written; invitations go one chunk at a time, in order, as the budget is taken in order.
  const overlap = options.consented !== undefined || options.dryRun;
  let previous: Promise<void> | undefined;
  const flush = async () => {
    const running = settle();
    if (!overlap) return running;
    const before = previous;
    previous = running;
    // Awaited on the next flush or at the end; an error waits there, not unhandled.
    running.catch(() => {});
    await before;
  };

  for await (const row of rows) {
    report.rows += 1;
    let parsed: ReturnType<typeof parseSignup>;
    try {
      parsed = parseSignup(
        {
          email: cell(row, columns.email),
          firstName: cell(row, columns.firstName),
          timeZone: cell(row, columns.timeZone),
          deliveryDay: dayCell(cell(row, columns.deliveryDay)),
          deliveryHour: cell(row, columns.deliveryHour),
        },
        deps.slot,
      );
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error;
      report.invalid.push({ line: row.line, reason: reasonOf(error, row, columns) });
      continue;
    }
    const mailbox = canonicalMailbox(parsed.email);
    const first = seen.get(mailbox);
    if (first !== undefined) {
      report.duplicates += 1;
      continue;
    }
    seen.set(mailbox, row.line);
    chunk.push({
      line: row.line,
      id: deps.hashes.subscriberId(parsed.email),
      email: parsed.email,
      firstName: parsed.firstName,
      timeZone: parsed.timeZone,
      deliverySlot: parsed.deliverySlot,
    });
    if (chunk.length >= chunkSize) await flush();
  }
  await flush();
  await previous;
  return report;
}

/** What an import does with an address, from where it stands on the list. */
function standing(
  entry: RosterEntry | undefined,
  signupId: () => string,
  options: ImportOptions,
): "new" | "existing" | "suppressed" | "erased" {
  if (!entry) return "new";
  if (entry.status === "erased") return "erased";
  if (entry.status !== "pending" && entry.status !== "active") return "suppressed";
  // An invitation of an earlier run whose email never went (a crash between the write and the
  // send): the outbox's delivery sends it now, once.
  const unsent =
    options.consented === undefined &&
    entry.status === "pending" &&
    entry.generation === signupId() &&
    entry.confirmSentFor !== entry.generation;
  return unsent ? "new" : "existing";
}

function activeReader(c: Candidate, consent: Consent, now: Date): Subscriber {
  const at = now.toISOString();
  return {
    id: c.id,
    email: c.email,
    ...(c.firstName === undefined ? {} : { firstName: c.firstName }),
    ...(c.timeZone === undefined ? {} : { timeZone: c.timeZone }),
    ...(c.deliverySlot === undefined ? {} : { deliverySlot: c.deliverySlot }),
    status: "active",
    createdAt: at,
    updatedAt: at,
    confirmedAt: at,
    consent,
    consentHistory: [consent],
    sentTips: [],
    linksNotBefore: Math.floor(now.getTime() / 1000),
  };
}

function invitation(deps: ImportDeps, c: Candidate, now: Date): SignupRequest {
  return {
    signupId: importSignupId(deps.hashes, c.email),
    email: c.email,
    ...(c.firstName === undefined ? {} : { firstName: c.firstName }),
    ...(c.timeZone === undefined ? {} : { timeZone: c.timeZone }),
    ...(c.deliverySlot === undefined ? {} : { deliverySlot: c.deliverySlot }),
    consent: importConsent("import (unconfirmed)", now),
  };
}

/** The reason a row is refused, in a line of its own. */
function reasonOf(error: BadRequestError, row: ImportRow, columns: ImportColumns): string {
  const what: Record<string, string> = {
    missing_email: "no email address",
    invalid_email: `not a valid email address: ${JSON.stringify(cell(row, columns.email)?.slice(0, 80))}`,
    invalid_time_zone: `not an IANA time zone: ${JSON.stringify(cell(row, columns.timeZone)?.slice(0, 60))}`,
    invalid_delivery_slot: `not a day (Monday to Sunday, or 1 to 7) and hour (0 to 23): ${JSON.stringify(`${cell(row, columns.deliveryDay) ?? ""} ${cell(row, columns.deliveryHour) ?? ""}`.trim().slice(0, 40))}`,
    invalid_first_name: `first name refused: ${JSON.stringify(cell(row, columns.firstName)?.slice(0, 60))} (letters, spaces, hyphens, apostrophes, at most 40 characters and 4 words)`,
  };
  return what[error.code] ?? error.message;
}
