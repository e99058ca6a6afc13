/**
 * The send worker: asks SES for the quota and whether sending is possible at all, paces on the
 * account's one schedule, takes each batch's units of the weekly send's part of the quota from
 * the table (shared by every sender), and mails each queued batch with one Sender
 * (core/sender.ts), each starting as the one before has taken its last recipient. Whom the
 * time limit left goes back on the queue as a batch of its own; a batch left unfinished otherwise
 * (deferred, in flight elsewhere, halted, a store failure) throws BatchUnfinishedError, so that the
 * queue delivers it again (the claims skip whoever was done), except on its last delivery when
 * SES's pause or spent quota or a tip that cannot be filled halted it: then it is let go, its
 * readers left due for the planner.
 * functions/runtime/send-worker.ts wires it for the Lambda, `npm run send` and the bench.
 */
import { BatchUnfinishedError, plannerWaitsOut } from "./errors.js";
import {
  ACCOUNT_SCHEDULE,
  accountLimit,
  inFlightFor,
  type Pacer,
  sharedPacer,
  weeklyBudget,
} from "./pacing.js";
import type { SendBatch } from "./planner.js";
import type { Limits, Log, Queue } from "./ports.js";
import {
  addBatch,
  type BatchReport,
  type BatchResult,
  emptyBatchReport,
  type Halt,
  Sender,
  type SenderDeps,
  type UnitsShort,
} from "./sender.js";
import { isIsoWeek, weekStart } from "./week.js";
import * as z from "./zod.js";

export const sendBatchSchema = z.object({
  // A real ISO week ("2025-W53" does not exist): its slots must be computable before any email.
  week: z.string().check(z.regex(/^\d{4}-W\d{2}$/), z.refine(isIsoWeek, "not an ISO week")),
  runId: z.string().check(z.minLength(1), z.maxLength(200)),
  recipients: z
    .array(
      z.object({
        id: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
        email: z.string().check(z.minLength(3), z.maxLength(254)),
        firstName: z.optional(z.string().check(z.maxLength(200))),
        tip: z.string().check(z.minLength(1), z.maxLength(200)),
        rev: z.optional(z.int().check(z.minimum(0))),
        // Not checked against this runtime's zones here: an unknown one sets its reader aside
        // (core/sender.ts), never the batch.
        timeZone: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
        // The reader's own place in the series and their own day and hour: without them a
        // queued reader's email numbers the tip by its order and their next slot falls back to
        // the stage's (a Monday 02:00 reader would be due at 07:00 from then on). A day and hour
        // that is not one falls back to the stage's (schedule.ts slotOf), like an absent one.
        number: z.optional(z.int().check(z.minimum(1))),
        deliverySlot: z.optional(z.string().check(z.maxLength(16))),
      }),
    )
    .check(z.maxLength(1000)),
});

export interface SendWorkerDeps
  extends Pick<
    SenderDeps,
    | "ledger"
    | "subscribers"
    | "mailer"
    | "signer"
    | "clock"
    | "sleep"
    | "random"
    | "tips"
    | "links"
    | "retry"
    | "schedule"
    | "onSettled"
    | "stopBy"
  > {
  /**
   * The account's send schedule, which every SES caller takes its slots from, and the weekly
   * send's part of the day's quota, which every sender takes its units from.
   */
  limits: Pick<Limits, "reserveSlots" | "holdUnits">;
  settings: {
    maxSendRate: number;
    max24HourSend: number;
    staleClaimSeconds: number;
  };
  /** Senders that may run at once: each keeps its share of the rate's calls in flight. */
  workers: number;
  /** Operator override of the rate limit (emails/s): lowers a known quota, never raises it. */
  rate?: number;
  /**
   * The pacer for the account's limit (default: a sharedPacer on `limits`). The Lambdas and
   * `npm run send` pass their container's, the one every SES call of theirs takes its slot from.
   */
  pacerFor?: (limit: number) => Pacer;
  /**
   * Recipients in progress at once, across every batch this worker sends at the same time
   * (default: enough for the rate at ~100 ms per SES call).
   */
  parallel?: number;
  log: Log;
  /** Aborted: no SES call starts any more, claims not yet sent are given back (Ctrl-C). */
  signal?: AbortSignal;
  /**
   * Where recipients the invocation's time limit left unsent go back at once, as a batch of their
   * own, so that they wait for no visibility timeout (the send queue itself). Without it, or when
   * the enqueue fails, their message is delivered again instead.
   */
  requeue?: Pick<Queue<SendBatch>, "sendAll">;
}

export interface SendWorker {
  /** Calls per second this worker never exceeds, and the rate it aims at (90% of it). */
  readonly limit: number;
  readonly rate: number;
  /** Everything this worker has done so far. */
  readonly report: BatchReport;
  /**
   * Sends one queued batch (`messageId` names it in the log); throws BatchUnfinishedError when
   * its message should be delivered again. Batches handed over together (one invocation's
   * records) go one after another, each starting once the one before has taken its last
   * recipient, so that it fills that one's tail. `lastDelivery`: the queue will not deliver this
   * message again (the next receive would move it to the dead-letter queue).
   */
  send(batch: SendBatch, messageId: string, lastDelivery?: boolean): Promise<void>;
}

/** The holdUnits key of the weekly send's part of the day's quota, shared by every sender. */
export const WEEKLY_QUOTA = "weekly-quota";
/**
 * How long a worker's units count without its writing again: longer than any Lambda invocation
 * can last (15 minutes; the sender's is 5) and than one batch of `npm run send` at the rates it
 * meets (100 readers at 1/s: under 2 minutes). A sender that died blocks its units this long.
 */
const HOLD_FRESH_MS = 16 * 60_000;
/** Workers made by this process: with the random part, a holder's name no other worker has. */
let workersMade = 0;
/** The least time between a worker's questions to SES about the quota left. */
const QUOTA_READING_MS = 1_000;

/** The earliest time zone (UTC+14) is this far ahead of UTC: its Monday begins the week. */
const EARLIEST_ZONE_AHEAD_MS = 14 * 3_600_000;

/** Whether `week` has not yet begun anywhere on Earth at `now`. */
export function notBegun(week: string, now: Date): boolean {
  const start = weekStart(week);
  return start !== undefined && start.getTime() - EARLIEST_ZONE_AHEAD_MS > now.getTime();
}

/** Whether a batch left someone to a later delivery (other than the `requeued`). */
function unfinished(report: BatchReport, requeued: number): boolean {
  return (
    report.deferred +
      report.failedTransient +
      report.inFlight +
      report.unattempted +
      report.outOfTime -
      requeued >
      0 || report.stopped !== undefined
  );
}

/** The pacer for the account's `limit`: its slots on the schedule every SES caller shares. */
function pacerOf(deps: SendWorkerDeps, limit: number): Pacer {
  if (deps.pacerFor) return deps.pacerFor(limit);
  const { clock, sleep, limits } = deps;
  return sharedPacer({
    limit,
    clock,
    sleep,
    reserve: (count, spacingMs) =>
      limits.reserveSlots(ACCOUNT_SCHEDULE, clock.now(), count, spacingMs),
  });
}

export async function createSendWorker(deps: SendWorkerDeps): Promise<SendWorker> {
  const { settings, log } = deps;
  const askedAt = deps.clock.now().getTime();
  const status = await deps.mailer.status();
  const limit = accountLimit(status.quota, settings.maxSendRate, deps.rate);
  const pacer = pacerOf(deps, limit);
  // Without a daily quota (SES's −1) there is nothing to share out.
  const unbounded = weeklyBudget(status.quota, settings.max24HourSend) === Infinity;
  const sender = new Sender(
    { ...deps, staleClaimSeconds: settings.staleClaimSeconds, pacer },
    {
      // Given batch by batch from the weekly send's part of the day's quota (shareOut).
      budget: unbounded ? Infinity : 0,
      // Recipients in progress for this worker's share of the rate while one other worker waits
      // on a slow call at the end of its invocation (the rate over workers − 1), twice over: each
      // holds its place through claim, SES call and record, not the SES call alone. The account's
      // pacer, not this number, holds every worker together to the rate.
      parallel: Math.round(
        deps.parallel ?? inFlightFor((2 * pacer.rate) / Math.max(1, deps.workers - 1)),
      ),
    },
  );
  const total = emptyBatchReport();
  let announced = false;

  /** Loud, once per worker: an operator must act (the metric and its alarm follow from it). */
  const halt = (stop: Halt) => {
    sender.halt(stop);
    total.stopped ??= stop;
    if (announced) return;
    announced = true;
    log.error("sending stopped", { reason: stop.reason, detail: stop.message });
  };
  if (status.stopped) halt(status.stopped);
  deps.signal?.addEventListener(
    "abort",
    () => halt({ reason: "interrupted", message: "stopped by the operator" }),
    { once: true },
  );

  /** This worker's name among the holders of the weekly send's part of the quota. */
  const holder = `worker-${Math.floor(deps.random() * 2 ** 48).toString(36)}-${++workersMade}`;
  /** Whether its entry among the holders says it holds anything. */
  let holds = false;
  // When SES cannot tell: the stage's quota with nothing known sent, less the part kept for
  // signups, this worker's own sends and the other senders' units. Its rate is 0: with no count
  // of SES's to age, nothing is counted for the time since.
  const fallback = { maxSendRate: 0, max24HourSend: settings.max24HourSend, sentLast24Hours: 0 };
  /** SES's count of the day's sends when last asked, and this worker's sends by then. */
  let reading = { at: askedAt, quota: status.quota ?? fallback, mine: 0 };

  /**
   * The weekly send's part of the day's quota left: SES's count when last asked, plus this
   * worker's sends since and every email the account's rate allowed anyone since. SES is asked
   * again (at most once in QUOTA_READING_MS) only when that leaves less than `need`: near the
   * quota, not before every batch.
   */
  const available = async (need: number): Promise<number> => {
    const left = () => {
      const age = Math.max(0, deps.clock.now().getTime() - reading.at);
      const rate = reading.quota.maxSendRate;
      const since = rate > 0 && Number.isFinite(rate) ? Math.floor((rate * age) / 1000) : 0;
      const counted = reading.quota.sentLast24Hours + sender.spent - reading.mine + since;
      return weeklyBudget({ ...reading.quota, sentLast24Hours: counted }, 0);
    };
    if (left() >= need) return left();
    const wait = reading.at + QUOTA_READING_MS - deps.clock.now().getTime();
    if (wait > 0) await deps.sleep(wait);
    // Taken before the question: what is sent while SES answers counts as sent after its count.
    const asked = { at: deps.clock.now().getTime(), mine: sender.spent };
    const fresh = await deps.mailer.status();
    if (fresh.stopped) halt(fresh.stopped);
    if (fresh.quota) reading = { ...asked, quota: fresh.quota };
    return left();
  };

  /** The worker's writes of its units, one at a time and in order. */
  let ledger: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(write: () => Promise<T>): Promise<T> => {
    const done = ledger.then(write);
    ledger = done.catch(() => undefined);
    return done;
  };
  const hold = async (want: number, available: number) => {
    const units = { holding: sender.budget + sender.holding, want, available };
    const now = deps.clock.now();
    const given = await deps.limits.holdUnits(WEEKLY_QUOTA, holder, units, now, HOLD_FRESH_MS);
    sender.budget += given;
    holds = units.holding + given > 0;
    // Short though the part has room for it: other senders hold the rest.
    if (given < want) return available - units.holding >= want ? "held" : "quota";
    return undefined;
  };

  /**
   * For each batch, the worker asks for as much of the quota as it has recipients, from what SES
   * says is left less what every other sender holds (Limits.holdUnits): senders at once, or one
   * after another, never spend the weekly send's part twice, and a lone sender may spend all of
   * it. It asks while the batch before is still sending, so no batch waits on the write.
   */
  const shareOut = (want: number): Promise<UnitsShort | undefined> =>
    unbounded
      ? Promise.resolve(undefined)
      : inTurn(async () => hold(want, await available(sender.budget + sender.holding + want)));

  /**
   * Idle, the worker holds nothing: what it did not spend is the other senders' again, and what
   * it sent is in SES's count from now on, not in its entry too.
   */
  const giveBack = () =>
    inTurn(async () => {
      if (active > 0 || !holds) return;
      sender.budget = 0;
      await hold(0, 0);
    }).catch((error: unknown) => {
      // Its units count for nobody once HOLD_FRESH_MS has passed.
      log.warn("quota held not given back", { error: error as Error });
    });

  /** The recipients out of time, as a batch of their own: how many went back to the queue. */
  const requeue = async (batch: SendBatch, recipients: SendBatch["recipients"], id: string) => {
    if (recipients.length === 0 || !deps.requeue) return 0;
    try {
      await deps.requeue.sendAll([{ ...batch, recipients }]);
      return recipients.length;
    } catch (error) {
      log.warn("send batch not requeued", { messageId: id, error: error as Error });
      return 0;
    }
  };

  /**
   * On its last delivery, a batch SES's own stop (a pause, a spent quota) or a tip that cannot be
   * filled halted is let go rather than dead-lettered: its unsent readers stay due, and the hourly
   * planner, which waits the stop out, plans them once SES sends again or the tip is mended.
   * Before that it is delivered again like any unfinished batch, so that a stop of minutes near
   * the end of a reader's week still sends that week's tip (the planner plans no week that has
   * ended).
   */
  const letGo = (stop: Halt, messageId: string, lastDelivery: boolean) => {
    if (!lastDelivery || !plannerWaitsOut(stop.reason)) return false;
    log.info("send batch left to the planner", { messageId, reason: stop.reason });
    return true;
  };

  /** Settles once the batch sent last has taken its last recipient: the next one may start. */
  let lastTaken: Promise<void> = Promise.resolve();
  /** Settles once the batch sent last has started. */
  let lastStarted: Promise<void> = Promise.resolve();

  /** Batches handed over and not yet done: when none is left, the unspent budget goes back. */
  let active = 0;

  const send = async (batch: SendBatch, messageId: string, lastDelivery = false): Promise<void> => {
    const previous = lastTaken;
    let taken = () => {};
    lastTaken = new Promise((resolve) => {
      taken = resolve;
    });
    const previousStarted = lastStarted;
    let started = () => {};
    lastStarted = new Promise((resolve) => {
      started = resolve;
    });
    active += 1;
    try {
      // Its units are asked for once the batch before has started: while that one sends.
      await previousStarted;
      const units = shareOut(batch.recipients.length);
      units.catch(() => undefined); // its error reaches the batch that awaits it
      await previous;
      started();
      await sendOne(batch, messageId, lastDelivery, taken, units);
    } finally {
      taken();
      started();
      active -= 1;
      if (active === 0) await giveBack();
    }
  };

  const sendOne = async (
    batch: SendBatch,
    messageId: string,
    lastDelivery: boolean,
    taken: () => void,
    units: Promise<UnitsShort | undefined>,
  ) => {
    if (notBegun(batch.week, deps.clock.now())) {
      // A week that has not begun in any time zone comes from a fault or a forgery: sending it
      // would also push the reader's next slot past every real week. Never better: let it go.
      log.error("send batch of a week not begun", { messageId, week: batch.week });
      return;
    }
    if (sender.halted) {
      if (letGo(sender.halted, messageId, lastDelivery)) return;
      throw new BatchUnfinishedError(`sending stopped: ${sender.halted.reason}`);
    }
    let result: BatchResult;
    let short: UnitsShort | undefined;
    try {
      short = await units;
      result = await sender.sendBatch(batch, taken, short);
    } catch (error) {
      // The store failed: claims taken are left pending and are taken over after the stale window.
      log.error("send batch failed", { messageId, error: error as Error });
      throw new BatchUnfinishedError("the store failed", { cause: error });
    }
    const { report } = result;
    addBatch(total, report);
    const requeued = report.stopped ? 0 : await requeue(batch, result.outOfTime, messageId);
    log.info("send batch done", {
      messageId,
      week: batch.week,
      runId: batch.runId,
      limit,
      ...report,
      requeued,
    });
    if (report.stopped) halt(report.stopped);
    if (report.stopped && letGo(report.stopped, messageId, lastDelivery)) return;
    if (lastDelivery && !report.stopped && report.unattempted > 0 && short === "held") {
      // Other senders held what was left of the weekly part at each delivery: its readers stay
      // due, and the hourly planner plans them again.
      log.info("send batch left to the planner", { messageId, reason: "quota-held" });
      return;
    }
    if (unfinished(report, requeued)) {
      throw new BatchUnfinishedError("recipients left for a later delivery");
    }
  };

  return { limit, rate: pacer.rate, report: total, send };
}
