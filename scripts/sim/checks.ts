/**
 * The invariants the simulation holds the system to, each with a count of what was checked and
 * of what broke it, and the trace that explains a violation: every event in order (digested, so
 * that two runs of one seed can be compared) and, per reader, the events that concern them.
 */
import { createHash } from "node:crypto";
import { SLOT_LATE_MS } from "../../functions/core/pacing.js";
import { CHECK_LEAD_MS } from "../../functions/core/sender.js";
import { PROFILES } from "./faults.js";

/**
 * How long after a reader's leave or pause was acknowledged an email may still reach SES: the
 * sender looks at the reader within CHECK_LEAD_MS of its slot, calls within SLOT_LATE_MS of it,
 * and the call takes the network's time to arrive.
 */
export const LEAVE_WINDOW_MS =
  CHECK_LEAD_MS +
  SLOT_LATE_MS +
  Math.max(...Object.values(PROFILES).map((profile) => profile.ses.arrivalMs[1]));

const within = `more than ${LEAVE_WINDOW_MS / 1000} s`;

export const INVARIANTS = {
  "tip-once": "no reader gets a tip twice",
  "week-once": "at most one tip per reader per local week",
  "after-leaving": `nothing reaches SES ${within} after an unsubscribe, complaint, bounce or erasure was acknowledged`,
  "during-pause": `nothing reaches SES ${within} into a pause`,
  "on-time": "every active reader with tips left gets the week's tip on time",
  rate: "no simulated second holds more SES calls than MaxSendRate",
  quota: "no call reaches SES once the daily quota is spent",
  "weekly-part": "the weekly send never spends more than its part of the day's quota",
  "after-stop": "no SES call from a worker after it was answered stop",
  "feedback-applied": "every bounce and complaint applied",
  "dlq-reported": "every dead-lettered batch reported",
  "bad-record": "a reader the code cannot use is set aside with an ERROR naming it",
  "bad-content":
    "a tip that cannot be filled reaches nobody, and its readers are held loudly, never dead-lettered",
} as const;

export type Invariant = keyof typeof INVARIANTS;

export interface Violation {
  invariant: Invariant;
  at: number;
  reader?: string;
  detail: string;
}

export class Trace {
  private readonly digest = createHash("sha256");
  private pending = "";
  private readonly byReader = new Map<string, string[]>();
  private readonly recent: string[] = [];
  private readonly atViolation = new Map<Violation, string[]>();
  events = 0;

  /**
   * `lines` false counts events and keeps nothing (a violation's events then come from a replay of
   * its seed). Per-reader logs cost memory: kept only for lists up to `keepPerReader` readers.
   */
  constructor(
    private readonly lines: boolean,
    private readonly keepPerReader: boolean,
    /** Every line as it happens (`npm run sim -- --trace`). */
    private readonly echo?: (line: string) => void,
  ) {}

  /** Lines start with the instant in ms (cheap to make); shown, they start with it in ISO. */
  record(at: number, reader: string | undefined, text: string): void {
    this.events += 1;
    if (!this.lines) return;
    const line = `${Math.round(at * 1000) / 1000} ${reader ? `${reader.slice(0, 8)} ` : ""}${text}`;
    if (this.echo) this.echo(show(line));
    this.pending += `${line}\n`;
    if (this.pending.length > 65_536) this.flush();
    this.recent.push(line);
    if (this.recent.length > 64) this.recent.shift();
    if (reader && this.keepPerReader) {
      const lines = this.byReader.get(reader) ?? [];
      lines.push(line);
      if (lines.length > 200) lines.shift();
      this.byReader.set(reader, lines);
    }
  }

  private flush(): void {
    this.digest.update(this.pending);
    this.pending = "";
  }

  /** The run's last lines as `violation` is found (one that concerns no reader shows these). */
  mark(violation: Violation): void {
    if (this.lines) this.atViolation.set(violation, [...this.recent]);
  }

  /** The events that led to a violation: the reader's own, else the run's as it was found. */
  leadingTo(violation: Violation, count = 12): string[] {
    const own = violation.reader ? this.byReader.get(violation.reader) : undefined;
    const before = (own ?? this.atViolation.get(violation) ?? this.recent).filter(
      (line) => Number.parseFloat(line) <= violation.at + 1,
    );
    return before.slice(-count).map(show);
  }

  /** The digest of every line, or "" when lines are not kept. */
  hash(): string {
    if (!this.lines) return "";
    this.flush();
    return this.digest.copy().digest("hex").slice(0, 16);
  }
}

/** A trace line with its instant in ISO. */
function show(line: string): string {
  const space = line.indexOf(" ");
  return `${new Date(Number(line.slice(0, space))).toISOString()}${line.slice(space)}`;
}

export class Checks {
  readonly violations: Violation[] = [];
  readonly checked = Object.fromEntries(Object.keys(INVARIANTS).map((k) => [k, 0])) as Record<
    Invariant,
    number
  >;
  readonly broken = Object.fromEntries(Object.keys(INVARIANTS).map((k) => [k, 0])) as Record<
    Invariant,
    number
  >;
  /** Invariants this run could not check (with why). */
  readonly skipped = new Map<Invariant, string>();

  constructor(private readonly trace: Trace) {}

  check(
    invariant: Invariant,
    ok: boolean,
    at: number,
    reader: string | undefined,
    detail: () => string,
  ): void {
    this.checked[invariant] += 1;
    if (ok) return;
    this.broken[invariant] += 1;
    const text = detail();
    this.trace.record(at, reader, `VIOLATION ${invariant}: ${text}`);
    if (this.violations.length < 100) {
      const violation = { invariant, at, ...(reader ? { reader } : {}), detail: text };
      this.violations.push(violation);
      this.trace.mark(violation);
    }
  }
}
