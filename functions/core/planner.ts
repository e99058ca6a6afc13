/**
 * The planner: every hour, reads only the readers who are due (the active index sorts by each
 * reader's next due instant), takes each one's week where they live (core/schedule.ts) and their
 * next tip (core/eligibility.ts), and queues batches of recipients, one week per batch. Its only
 * writes move a reader's due instant; the sender's claim makes each email go out once, so a second
 * pass is harmless. With `week` (an operator's `npm run send -- --week`), every active reader is
 * read and that week is everyone's.
 */
import { isPaused, verdict } from "./eligibility.js";
import type { StopReason } from "./errors.js";
import { unfillable } from "./fill.js";
import { weeklyBudget } from "./pacing.js";
import type { Log, Mailer, Queue, SendLedger } from "./ports.js";
import { logSetAside, readerProblem } from "./readers.js";
import {
  localWeek,
  nextDelivery,
  readerDueWeek,
  type Schedule,
  slotOf,
  zoneOf,
} from "./schedule.js";
import { nextTip, tipNumber } from "./sequence.js";
import type { CompiledTip, Reader } from "./types.js";

export interface Recipient {
  id: string;
  email: string;
  firstName?: string;
  /** Slug of the tip to send. */
  tip: string;
  /** The subscriber's send revision when planned: the claim needs no second read while unchanged. */
  rev?: number;
  /** The reader's time zone (absent: the stage default): when they are due after this week. */
  timeZone?: string;
  /** The reader's own number for this tip (their third tip is 3); absent in older batches. */
  number?: number;
  /** The reader's own delivery day and hour (absent: the stage's): when they are due next. */
  deliverySlot?: string;
}

/** One queue message: what one sender invocation handles. */
export interface SendBatch {
  week: string;
  runId: string;
  recipients: Recipient[];
}

export interface PlanInput {
  ledger: SendLedger;
  queue: Queue<SendBatch>;
  /**
   * What SES says of the account and the configuration set (the sender's own Mailer.status). While
   * SES would refuse every send (the reputation breaker's pause, an account paused or suspended, the
   * day's quota spent) the pass plans nobody, and it never plans more readers than the weekly
   * send's part of the quota has left (weeklyBudget: a part is kept for signups). A batch SES will
   * not take would only come back until its sender lets it go, and its readers are still due at
   * the next pass.
   */
  sending?: Pick<Mailer, "status">;
  /** In order (see sequence.ts inOrder). */
  tips: readonly CompiledTip[];
  /** Everyone's week, read from the whole active set (an operator's override); else each reader's own. */
  week?: string;
  runId: string;
  /** The planning instant (the scheduled hour): who is due by then, and their local weeks. */
  now: Date;
  schedule: Schedule;
  /** Plan only: move no reader's due instant. */
  dryRun?: boolean;
  batchSize: number;
  /** A pending claim older than this is a dead sender's and is planned again. */
  staleClaimSeconds: number;
  /** Plan at most this many recipients. */
  limit?: number;
  /** Items per listActive page (default 250). */
  pageSize?: number;
  /** Batches handed to the queue per sendAll call (default 10: one SQS SendMessageBatch). */
  flushEvery?: number;
  /** Polled between pages: true stops planning (the consumer died). */
  shouldStop?: () => boolean;
  /** Where a record set aside is named (ERROR). */
  log?: Pick<Log, "error">;
}

export interface PlanReport {
  /** The operator's week, when one was given. */
  week?: string;
  runId: string;
  /** SES would refuse every send, and why: nobody was read or planned. */
  sendingStopped?: StopReason;
  /** Active subscribers read (due ones only, without an operator's week). */
  active: number;
  /** Read as due, but their slot this week is still ahead or they joined after it: moved to it. */
  notDue: number;
  /** Paused from /manage: nothing until the pause ends. */
  paused: number;
  /** Recipients per week (the readers' own weeks). */
  byWeek: Record<string, number>;
  /** Recipients enqueued. */
  planned: number;
  batches: number;
  /** Sent (or permanently failed) this week already. */
  skippedAlreadySent: number;
  /** A later week was sent already: this older week sends them nothing. */
  superseded: number;
  /** Received every tip. */
  caughtUp: number;
  /** Pending claims of this week younger than the stale window: another run is on them. */
  inFlight: number;
  /** Pending claims older than the stale window (a crashed run's), planned again. */
  staleRetried: number;
  /** Recipients per tip slug. */
  byTip: Record<string, number>;
  /** Records the engine cannot use (an unknown zone, a malformed field): skipped, each logged. */
  setAside: number;
  /** The day's quota left ended the pass: readers still due wait for a later one. */
  quotaCapped?: true;
  /** Due-instant moves that failed: those readers stay due and are read again next hour. */
  movesFailed: number;
  /**
   * Tips no reader's email can be made from (a placeholder a tip's email is not filled with), and
   * why: each is logged at ERROR every pass until a deploy mends it.
   */
  unfillable?: Record<string, string>;
  /** Due for an unfillable tip: planned nobody, left due, and planned once the tip is mended. */
  heldForContent: number;
}

/**
 * Tries of a page read or a queue send before the pass fails (each after the SDK's own retries).
 * At a million readers a pass makes thousands of calls: one failure must not cost it.
 */
export const PLAN_CALL_ATTEMPTS = 3;

async function again<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= PLAN_CALL_ATTEMPTS) throw error;
    }
  }
}

type Decision =
  | { kind: "send"; tip: CompiledTip; stale: boolean }
  | { kind: "already-sent" | "superseded" | "caught-up" | "in-flight" | "paused" | "inactive" };

/** What this week holds for one subscriber (the rule itself is core/eligibility.ts). */
export function decide(
  subscriber: Reader,
  tips: readonly CompiledTip[],
  week: string,
  staleBefore: Date,
): Decision {
  const tip = nextTip(tips, subscriber.sentTips);
  const judged = verdict(subscriber, { week, staleBefore, ...(tip ? { tip: tip.slug } : {}) });
  if (judged.kind !== "eligible") return judged;
  return tip ? { kind: "send", tip, stale: judged.takeover } : { kind: "caught-up" };
}

/**
 * An operator's week, unless it is still ahead where the reader lives: a week that has not begun
 * for them is never sent early (it would hold back every week until then).
 */
const notAhead = (week: string, current: string) => (week <= current ? week : undefined);

export async function plan(input: PlanInput): Promise<PlanReport> {
  const { ledger, queue, tips, runId, batchSize, schedule, now } = input;
  const pageSize = input.pageSize ?? 250;
  const flushEvery = Math.max(1, input.flushEvery ?? 10);
  const staleBefore = new Date(now.getTime() - input.staleClaimSeconds * 1000);
  const report: PlanReport = {
    ...(input.week ? { week: input.week } : {}),
    runId,
    active: 0,
    notDue: 0,
    paused: 0,
    byWeek: {},
    planned: 0,
    batches: 0,
    skippedAlreadySent: 0,
    superseded: 0,
    caughtUp: 0,
    inFlight: 0,
    staleRetried: 0,
    byTip: {},
    setAside: 0,
    movesFailed: 0,
    heldForContent: 0,
  };
  const status = await input.sending?.status();
  // Without a quota from SES (local stand-ins) nothing is capped.
  const left = status?.quota ? weeklyBudget(status.quota, 0) : Number.POSITIVE_INFINITY;
  const spent = left === 0;
  const stopped = status?.stopped?.reason ?? (spent ? "daily-quota" : undefined);
  if (stopped) return { ...report, sendingStopped: stopped };
  const limit = Math.min(input.limit ?? Number.POSITIVE_INFINITY, left);
  // A tip that cannot be filled fails alike for everyone who reaches it: they are held here, not
  // planned into batches that every sender would stop on and the queue dead-letter each hour.
  const broken = new Map<string, string>();
  for (const tip of tips) {
    const problem = unfillable(tip);
    if (problem !== undefined) broken.set(tip.slug, problem);
  }
  if (broken.size > 0) report.unfillable = Object.fromEntries(broken);
  const held = new Map<string, number>();
  /**
   * Whether the pass is full, asked with a reader (or a page's cursor) still unread: when the
   * quota left filled it, the report says so.
   */
  const fullWithMore = () => {
    if (!full()) return false;
    if (report.planned >= left && left < (input.limit ?? Number.POSITIVE_INFINITY)) {
      report.quotaCapped = true;
    }
    return true;
  };

  /** Recipients not yet in a batch, per week. */
  const current = new Map<string, Recipient[]>();
  let ready: SendBatch[] = [];
  const full = () => report.planned >= limit || (input.shouldStop?.() ?? false);

  const seal = (week: string) => {
    const recipients = current.get(week) ?? [];
    if (recipients.length === 0) return;
    ready.push({ week, runId, recipients });
    report.batches += 1;
    current.delete(week);
  };
  /** Each zone's current week at the planning instant, computed once per zone. */
  const weeks = new Map<string, string>();
  const currentWeek = (zone: string) => {
    let week = weeks.get(zone);
    if (week === undefined) {
      week = localWeek(now, zone);
      weeks.set(zone, week);
    }
    return week;
  };
  /** Due again at their next slot (a write; none in a dry run or under an operator's week). */
  const later = (subscriber: Reader): Promise<void> =>
    input.dryRun || input.week
      ? Promise.resolve()
      : ledger.reschedule(
          subscriber.id,
          nextDelivery(now, zoneOf(subscriber, schedule), slotOf(subscriber, schedule)),
        );
  const flush = async (force: boolean) => {
    if (ready.length === 0 || (!force && ready.length < flushEvery)) return;
    const out = ready;
    ready = [];
    // A batch sent twice costs nothing (the claims send each email once); one lost costs a week.
    await again(() => queue.sendAll(out));
  };

  /** One record of a page: where it goes this pass. */
  const planOne = (subscriber: Reader, moves: Promise<void>[]): void => {
    if (isPaused(subscriber, now)) {
      // Paused from /manage, even under an operator's week: due again when the pause ends.
      report.paused += 1;
      if (!input.dryRun && !input.week) {
        moves.push(ledger.reschedule(subscriber.id, new Date(subscriber.pausedUntil)));
      }
      return;
    }
    const week = input.week
      ? notAhead(input.week, currentWeek(zoneOf(subscriber, schedule)))
      : readerDueWeek(subscriber, now, schedule);
    if (week === undefined) {
      report.notDue += 1;
      moves.push(later(subscriber));
      return;
    }
    const decision = decide(subscriber, tips, week, staleBefore);
    switch (decision.kind) {
      case "already-sent":
        // Due although sent: the record of their next slot was lost; put it back.
        report.skippedAlreadySent += 1;
        moves.push(later(subscriber));
        break;
      case "superseded":
        report.superseded += 1;
        moves.push(later(subscriber));
        break;
      case "paused": // not judged here: the pause was looked at above
      case "inactive":
        break;
      case "caught-up":
        // Nothing to send now; look again next week, when new tips may be there.
        report.caughtUp += 1;
        moves.push(later(subscriber));
        break;
      case "in-flight":
        report.inFlight += 1;
        break;
      case "send": {
        if (broken.has(decision.tip.slug)) {
          report.heldForContent += 1;
          held.set(decision.tip.slug, (held.get(decision.tip.slug) ?? 0) + 1);
          break;
        }
        if (decision.stale) report.staleRetried += 1;
        const recipient: Recipient = {
          id: subscriber.id,
          email: subscriber.email,
          tip: decision.tip.slug,
          rev: subscriber.rev ?? 0,
          number: tipNumber(subscriber.sentTips),
        };
        if (subscriber.firstName) recipient.firstName = subscriber.firstName;
        if (subscriber.timeZone) recipient.timeZone = subscriber.timeZone;
        if (subscriber.deliverySlot) recipient.deliverySlot = subscriber.deliverySlot;
        const batch = current.get(week) ?? [];
        batch.push(recipient);
        current.set(week, batch);
        report.planned += 1;
        report.byTip[decision.tip.slug] = (report.byTip[decision.tip.slug] ?? 0) + 1;
        report.byWeek[week] = (report.byWeek[week] ?? 0) + 1;
        if (batch.length >= batchSize) seal(week);
      }
    }
  };

  /**
   * One page of a shard, read again when a read fails (reads change nothing): a failed pass
   * leaves its readers to the next hour, and a reader whose slot ends their local week has only
   * the hours left in it.
   */
  const readPage = (shard: number, cursor: string | undefined) =>
    again(() =>
      input.week
        ? ledger.listActive(shard, cursor, pageSize)
        : ledger.listDue(shard, now, cursor, pageSize),
    );

  const readShard = async (shard: number) => {
    let cursor: string | undefined;
    do {
      if (cursor !== undefined ? fullWithMore() : full()) return;
      const page = await readPage(shard, cursor);
      cursor = page.cursor;
      const moves: Promise<void>[] = [];
      for (const subscriber of page.items) {
        if (fullWithMore()) break;
        report.active += 1;
        const problem = readerProblem(subscriber);
        if (problem !== undefined) {
          report.setAside += 1;
          logSetAside(input.log, subscriber.id, problem);
          continue;
        }
        try {
          planOne(subscriber, moves);
        } catch (error) {
          // Whatever else one record makes the rules throw is that record's alone.
          report.setAside += 1;
          logSetAside(input.log, subscriber.id, (error as Error).message);
        }
      }
      // A move that fails leaves its reader due, to be read again next hour: the pass goes on.
      report.movesFailed += (await Promise.allSettled(moves)).filter(
        (move) => move.status === "rejected",
      ).length;
      await flush(false);
    } while (cursor !== undefined);
  };

  await Promise.all(Array.from({ length: ledger.shards }, (_, shard) => readShard(shard)));
  for (const week of [...current.keys()]) seal(week);
  await flush(true);
  for (const [slug, problem] of broken) {
    input.log?.error("sending stopped", {
      reason: "bad-content" satisfies StopReason,
      detail: `tip ${slug}: ${problem}`,
      held: held.get(slug) ?? 0,
    });
  }
  return report;
}
