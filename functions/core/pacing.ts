/**
 * Send pacing: every SES call, first try or retry, takes one slot from a pacer. The pacer aims at
 * PACE_AIM of the limit on an absolute timeline (GCRA: a late timer delays one call, not the ones
 * after it) and never releases more than floor(limit) calls in any CAP_WINDOW_MS, counted from
 * the times slots were really released. Releases are serialised, so concurrent callers share one
 * schedule. Written here, not taken from npm: `limiter` and `bottleneck` keep their own clock and
 * timers and have no sliding cap, and here the clock and sleep are ports.
 */
import type { Clock, SendQuota, Sleep } from "./ports.js";

/** The share of the limit the schedule aims at: a little under, so jitter never crosses it. */
export const PACE_AIM = 0.9;

/** The cap's window: one second as SES counts it, plus 50 ms for network and timer jitter. */
export const CAP_WINDOW_MS = 1050;

export interface Pacer {
  /** The limit in calls per second (Infinity: unpaced). */
  readonly limit: number;
  /** The rate the schedule aims at (PACE_AIM × limit). */
  readonly rate: number;
  /** Resolves when the caller may make one SES call. */
  acquire(): Promise<void>;
}

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
  if (limit === Number.POSITIVE_INFINITY) {
    return { limit, rate: limit, acquire: async () => {} };
  }
  const rate = limit * (options.aim ?? PACE_AIM);
  const interval = 1000 / rate;
  const cap = Math.max(1, Math.floor(limit));
  /** Times of the last `cap` releases, oldest first. */
  const released: number[] = options.afterBusy
    ? Array.from({ length: cap }, () => clock.now().getTime())
    : [];
  /** The schedule's next slot, ms since epoch. */
  let next = Number.NEGATIVE_INFINITY;
  let turn: Promise<void> = Promise.resolve();

  const take = async () => {
    const now = clock.now().getTime();
    const slot = Math.max(next, now);
    const capped = released.length === cap ? (released[0] as number) + CAP_WINDOW_MS : slot;
    const at = Math.max(slot, capped);
    next = at + interval;
    if (at > now) await sleep(at - now);
    released.push(Math.max(at, clock.now().getTime()));
    if (released.length > cap) released.shift();
  };

  return {
    limit,
    rate,
    acquire() {
      turn = turn.then(take);
      return turn;
    },
  };
}

/**
 * The pacer of one send lane (a Lambda container: one invocation at a time), kept across its
 * invocations while the limit stays the same, so the hand-over from one invocation to the next
 * keeps the schedule instead of starting a fresh one beside the last one's calls. A new lane (a
 * new container, a changed limit) starts `afterBusy`: another lane may have just stopped on the
 * same share of the rate.
 */
export function lanePacer(clock: Clock, sleep: Sleep): (limit: number) => Pacer {
  let kept: Pacer | undefined;
  return (limit) => {
    if (kept?.limit !== limit) kept = createPacer({ limit, clock, sleep, afterBusy: true });
    return kept;
  };
}

/**
 * Senders that each hold less than one call a second of the account's rate (a rate below the
 * number of senders, as in the SES sandbox's 1/s) cannot keep to it each on their own: each
 * pacer allows one call per window, and all of them may make it in the same second. Each call
 * then also takes the account's one shared turn, `CAP_WINDOW_MS ÷ rate` after the last one taken
 * by anyone (`take`: one conditional write in the store), waiting a part of that between tries.
 */
export function sharedTurns(
  pacer: Pacer,
  options: {
    accountLimit: number;
    take: (at: Date, spacingMs: number) => Promise<boolean>;
    clock: Clock;
    sleep: Sleep;
    random: () => number;
  },
): Pacer {
  const spacingMs = CAP_WINDOW_MS / options.accountLimit;
  return {
    limit: pacer.limit,
    rate: pacer.rate,
    async acquire() {
      await pacer.acquire();
      while (!(await options.take(options.clock.now(), spacingMs))) {
        await options.sleep(spacingMs * (0.25 + options.random() * 0.5));
      }
    },
  };
}

/**
 * The limit one sender worker may use: the account's MaxSendRate when SES tells it (else the
 * configured fallback), optionally lowered by the operator (never raised above a known quota),
 * split evenly over the `workers` senders that may run at once.
 */
export function workerLimit(
  quota: SendQuota | undefined,
  fallbackRate: number,
  workers: number,
  override?: number,
): number {
  const account = quota?.maxSendRate;
  const total =
    override === undefined
      ? (account ?? fallbackRate)
      : account === undefined
        ? override
        : Math.min(account, override);
  return total / Math.max(1, workers);
}

/** How many sends to keep in flight to reach `rate` when one SES call takes ~`latencyMs`. */
export function inFlightFor(rate: number, latencyMs = 100, max = 64): number {
  if (rate === Number.POSITIVE_INFINITY) return max;
  return Math.min(max, Math.max(2, Math.ceil((rate * latencyMs * 2) / 1000)));
}

/**
 * Emails that may still go out in the current 24 hours: max24HourSend − sentLast24Hours from SES,
 * or the configured max24HourSend when SES cannot tell (nothing known to be sent yet).
 */
export function dailyBudget(quota: SendQuota | undefined, fallbackMax: number): number {
  if (!quota) return Math.max(0, Math.floor(fallbackMax));
  return Math.max(0, Math.floor(quota.max24HourSend - quota.sentLast24Hours));
}
