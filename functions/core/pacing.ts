/**
 * Send pacing: every SES call, first try or retry, takes one slot from a pacer. sharedPacer takes
 * its slots from the account's one schedule in the store, so every process and path that calls
 * SES keeps to one MaxSendRate together; createPacer paces one process on its own (GCRA on an
 * absolute timeline, never more than floor(limit) releases in any CAP_WINDOW_MS). Written here,
 * not taken from npm: `limiter` and `bottleneck` keep their own clock and timers, have no shared
 * store and no sliding cap, and here the clock, sleep and store are ports.
 */
import { MailStoppedError, MailUnansweredError } from "./errors.js";
import type { Clock, Mailer, SendQuota, Sleep, UnitsRequest } from "./ports.js";

/** The share of the limit the schedule aims at: a little under, so jitter never crosses it. */
export const PACE_AIM = 0.9;

/** The cap's window: one second as SES counts it, plus 50 ms for network and timer jitter. */
export const CAP_WINDOW_MS = 1050;

export interface Pacer {
  /** The limit in calls per second (Infinity: unpaced). */
  readonly limit: number;
  /** The rate the schedule aims at (PACE_AIM × limit). */
  readonly rate: number;
  /**
   * Resolves `leadMs` (default 0) before the caller's slot, with the slot's instant (ms since
   * epoch): the caller makes its one SES call at that instant, or within SLOT_LATE_MS after it,
   * or not at all (the slot is then lost). The lead is time to look at the recipient again.
   */
  acquire(leadMs?: number): Promise<number>;
}

/** An unpaced Pacer: every call may go now. */
const unpaced = (limit: number, clock: Clock): Pacer => ({
  limit,
  rate: limit,
  acquire: async () => clock.now().getTime(),
});

export interface PacerOptions {
  /** Calls per second never to exceed (> 0); Infinity turns pacing off. */
  limit: number;
  clock: Clock;
  sleep: Sleep;
  /** Share of the limit to aim at (default PACE_AIM). */
  aim?: number;
  /**
   * Start as though the cap's whole window had just been used: a pacer that takes over its share
   * of the rate from another that stopped a moment ago (the next Lambda invocation in a new
   * container) cannot add to that one's last second. Its first call waits one window.
   */
  afterBusy?: boolean;
}

export function createPacer(options: PacerOptions): Pacer {
  const { limit, clock, sleep } = options;
  if (!(limit > 0)) throw new Error(`createPacer: limit must be > 0, got ${limit}`);
  if (limit === Number.POSITIVE_INFINITY) return unpaced(limit, clock);
  const rate = limit * (options.aim ?? PACE_AIM);
  const interval = 1000 / rate;
  const cap = Math.max(1, Math.floor(limit));
  /** Times of the last `cap` releases, oldest first. */
  const released: number[] = options.afterBusy
    ? Array.from({ length: cap }, () => clock.now().getTime())
    : [];
  /** The schedule's next slot, ms since epoch. */
  let next = Number.NEGATIVE_INFINITY;
  let turn: Promise<unknown> = Promise.resolve();

  const take = async (lead: number) => {
    const now = clock.now().getTime();
    const slot = Math.max(next, now);
    const capped = released.length === cap ? (released[0] as number) + CAP_WINDOW_MS : slot;
    const at = Math.max(slot, capped);
    next = at + interval;
    if (at - lead > now) await sleep(at - lead - now);
    const release = Math.max(at, clock.now().getTime());
    released.push(release);
    if (released.length > cap) released.shift();
    return release;
  };

  return {
    limit,
    rate,
    acquire(leadMs = 0) {
      const mine = turn.then(() => take(leadMs));
      turn = mine;
      return mine;
    },
  };
}

/** The account's one send schedule in the store (item TURN#ses): every SES call takes a slot. */
export const ACCOUNT_SCHEDULE = "ses";

/**
 * How late a reserved slot may still be used. One missed by more is dropped, never used late:
 * late slots used together would bunch calls into one second.
 */
export const SLOT_LATE_MS = 25;

/** How far ahead one reservation reaches: its slots cover about this long at the rate. */
export const RUN_MS = 100;

/**
 * The spacing of the account's slots: floor(limit) of them in CAP_WINDOW_MS, so that calls made
 * within SLOT_LATE_MS of their slots put at most floor(limit) into any second, with 25 ms to
 * spare for the network. Below one call a second, one call per CAP_WINDOW_MS ÷ limit.
 */
export function slotSpacing(limit: number): number {
  const cap = Math.floor(limit);
  return cap >= 1 ? CAP_WINDOW_MS / cap : CAP_WINDOW_MS / limit;
}

/** The rate the account's schedule gives at `limit` (about 95 % of it). */
export const scheduleRate = (limit: number) =>
  limit === Number.POSITIVE_INFINITY ? limit : 1000 / slotSpacing(limit);

export interface SharedPacerOptions {
  /** The account's calls per second (or an operator's lower figure); Infinity: unpaced. */
  limit: number;
  /**
   * Reserves `count` slots `spacingMs` apart on the account's schedule (Limits.reserveSlots
   * with ACCOUNT_SCHEDULE and the clock's now): resolves to the first one's instant.
   */
  reserve: (count: number, spacingMs: number) => Promise<Date>;
  clock: Clock;
  sleep: Sleep;
}

/**
 * A pacer on the account's one schedule, shared by every process and path that calls SES (each
 * sender container, each `npm run send`, the confirmation outbox, the API's welcome and goodbye
 * emails): whoever calls, no second holds more than the account's MaxSendRate. It reserves runs
 * of slots for the callers waiting on it (one slot each, up to RUN_MS worth a store write),
 * releases each call at its slot, never before, and drops a slot it missed by more than
 * SLOT_LATE_MS. A run never holds more slots than callers wait for: a slot reserved for nobody is
 * time the whole account loses, and a sender that finishes its batch would leave the rest of a
 * long run unused. Releases are serialised, as in createPacer.
 */
export function sharedPacer(options: SharedPacerOptions): Pacer {
  const { limit, clock, sleep, reserve } = options;
  if (!(limit > 0)) throw new Error(`sharedPacer: limit must be > 0, got ${limit}`);
  if (limit === Number.POSITIVE_INFINITY) return unpaced(limit, clock);
  const spacing = slotSpacing(limit);
  const most = Math.max(1, Math.floor(RUN_MS / spacing));
  /** Slots reserved and not yet used, earliest first (ms since epoch). */
  let slots: number[] = [];
  /** The next run, for the callers the current one does not cover, so no call waits on a write. */
  let ahead: Promise<number[]> | undefined;
  let turn: Promise<unknown> = Promise.resolve();
  /** Callers queued behind the one being served: each will use a slot. */
  let queued = 0;

  const reserveRun = (count: number) =>
    reserve(count, spacing).then((first) =>
      Array.from({ length: count }, (_, i) => first.getTime() + i * spacing),
    );

  const take = async (lead: number): Promise<number> => {
    for (;;) {
      const now = clock.now().getTime();
      while (slots.length > 0 && (slots[0] as number) + SLOT_LATE_MS < now) slots.shift();
      const slot = slots[0];
      if (slot === undefined) {
        const next = ahead ?? reserveRun(Math.min(most, queued + 1));
        ahead = undefined;
        slots = await next;
      } else if (slot - lead > now) {
        await sleep(slot - lead - now);
      } else {
        slots.shift();
        if (!ahead && queued > slots.length && slots.length <= most / 2) {
          ahead = reserveRun(Math.min(most, queued - slots.length));
          ahead.catch(() => undefined); // its error reaches the call that awaits it
        }
        return slot;
      }
    }
  };

  return {
    limit,
    rate: 1000 / spacing,
    acquire(leadMs = 0) {
      queued += 1;
      const mine = turn.then(() => {
        queued -= 1;
        return take(leadMs);
      });
      turn = mine.catch(() => undefined); // a failed reservation fails its caller only
      return mine;
    },
  };
}

/** How long a caller outside the weekly send trusts SES's last quota before asking again. */
export const QUOTA_MAX_AGE_MS = 5 * 60_000;

export interface AccountMailerOptions {
  /** SES's quota (GetAccount), undefined when SES cannot tell: asked again once stale. */
  quota: () => Promise<SendQuota | undefined>;
  /** The account's rate when SES cannot tell (settings maxSendRate). */
  fallbackRate: number;
  /** This process's pacer for a limit: its slots on the account's one schedule. */
  pacerFor: (limit: number) => Pacer;
  clock: Clock;
  /** Default QUOTA_MAX_AGE_MS. */
  maxAgeMs?: number;
}

/**
 * The Mailer of the paths outside the weekly send (confirmations, welcome, goodbye and test
 * emails): each send takes a slot of the account's schedule at the rate SES last gave, and none is
 * made while the day's quota is spent as far as this caller knows: SES's last answer less what it
 * has sent since, or a daily-quota answer from SES (until SES is asked again). Then it throws
 * MailStoppedError("daily-quota") as SES would, without calling SES. status() is not paced.
 */
export function accountMailer(mailer: Mailer, options: AccountMailerOptions): Mailer {
  const maxAge = options.maxAgeMs ?? QUOTA_MAX_AGE_MS;
  let known: { at: number; quota: Promise<SendQuota | undefined>; sent: number; spent: boolean };
  const current = () => {
    const now = options.clock.now().getTime();
    if (!known || now - known.at > maxAge) {
      known = { at: now, quota: options.quota(), sent: 0, spent: false };
    }
    return known;
  };
  return {
    send: async (email) => {
      const reading = current();
      const quota = await reading.quota;
      if (reading.spent || dailyBudget(quota, Number.POSITIVE_INFINITY) <= reading.sent) {
        throw new MailStoppedError("SES: the day's sending quota is used up", "daily-quota");
      }
      // Counted before the call, so that calls at once cannot together pass the last one left.
      reading.sent += 1;
      try {
        await options.pacerFor(accountLimit(quota, options.fallbackRate)).acquire();
        return await mailer.send(email);
      } catch (error) {
        if (!(error instanceof MailUnansweredError)) reading.sent -= 1;
        if (error instanceof MailStoppedError && error.reason === "daily-quota") {
          reading.spent = true;
        }
        throw error;
      }
    },
    status: () => mailer.status(),
  };
}

/**
 * The limit every SES caller keeps to together: the account's MaxSendRate when SES tells it (else
 * the configured fallback), optionally lowered by the operator (never raised above a known quota).
 */
export function accountLimit(
  quota: SendQuota | undefined,
  fallbackRate: number,
  override?: number,
): number {
  const account = quota?.maxSendRate;
  if (override === undefined) return account ?? fallbackRate;
  return account === undefined ? override : Math.min(account, override);
}

/** How many sends to keep in flight to reach `rate` when one SES call takes ~`latencyMs`. */
export function inFlightFor(rate: number, latencyMs = 100, max = 64): number {
  if (rate === Number.POSITIVE_INFINITY) return max;
  return Math.min(max, Math.max(2, Math.ceil((rate * latencyMs * 2) / 1000)));
}

/**
 * Emails that may still go out in the current 24 hours: max24HourSend − sentLast24Hours from SES,
 * or the configured max24HourSend when SES cannot tell (nothing known to be sent yet). SES gives
 * a negative max24HourSend (−1) for an account without a daily quota: then there is no bound.
 */
export function dailyBudget(quota: SendQuota | undefined, fallbackMax: number): number {
  if (!quota) return Math.max(0, Math.floor(fallbackMax));
  if (quota.max24HourSend < 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, Math.floor(quota.max24HourSend - quota.sentLast24Hours));
}

/**
 * The share of the day's quota the weekly send leaves to the emails someone is waiting for:
 * confirmations and welcomes above all, goodbyes and test sends. On a day the weekly send fills
 * the quota, a reader who signs up still gets their confirmation.
 */
export const KEPT_FOR_SIGNUPS = 0.05;

/** What Limits.holdUnits gives a holder when the others hold `others` units: 0 … want. */
export function unitsGiven({ holding, want, available }: UnitsRequest, others: number): number {
  return Math.max(0, Math.min(want, Math.floor(available - others - holding)));
}

/** What the weekly send may spend today: dailyBudget less KEPT_FOR_SIGNUPS of SES's quota. */
export function weeklyBudget(quota: SendQuota | undefined, fallbackMax: number): number {
  const kept =
    quota && quota.max24HourSend > 0 ? Math.ceil(quota.max24HourSend * KEPT_FOR_SIGNUPS) : 0;
  return Math.max(0, dailyBudget(quota, fallbackMax) - kept);
}
