/**
 * One simulated SES account: one MaxSendRate and one daily quota for every caller (each sender
 * container's worker, the confirmation and welcome emails), account pauses, and the faults of
 * the profile. It counts every call by the simulated second it arrives in, and each email it
 * accepts is a delivery the invariants look at.
 */

import { SES_REQUEST_TIMEOUT_MS } from "../../functions/adapters/ses-mailer.js";
import {
  MailRejectedError,
  MailStoppedError,
  MailThrottledError,
  MailTransientError,
  MailUnansweredError,
  type StopReason,
} from "../../functions/core/errors.js";
import { weeklyBudget } from "../../functions/core/pacing.js";
import type { Mailer, OutgoingEmail, SendingStatus, Sleep } from "../../functions/core/ports.js";
import type { Checks, Trace } from "./checks.js";
import type { FaultProfile } from "./faults.js";
import type { Rng } from "./random.js";
import type { Scheduler } from "./scheduler.js";

const DAY_MS = 86_400_000;

/** Who calls SES: one worker (an invocation of a container), or another path. */
export interface Caller {
  name: string;
  sleep: Sleep;
  /** Set by the first stop answer it got. */
  stopAnswered?: StopReason;
}

export interface Accepted {
  email: OutgoingEmail;
  messageId: string;
  at: number;
  caller: string;
  /** The tip email's (reader address | week | tip), undefined for other emails. */
  key?: string;
}

export interface SesOptions {
  maxSendRate: number;
  quota: number;
  profile: FaultProfile["ses"];
  /** `resend-after-timeout`: a call whose answer was lost is made again, unaware. */
  resendAfterTimeout: boolean;
  badAddresses: ReadonlySet<string>;
  onAccepted: (accepted: Accepted) => void;
  /** The reader an address belongs to, for the trace. */
  readerOf: (address: string) => string | undefined;
}

export const tipKey = (email: OutgoingEmail): string | undefined =>
  email.tags?.kind === "tip" ? `${email.to}|${email.tags.week}|${email.tags.tip}` : undefined;

/** The index of the first of `at` (instants in order) after `bound`, looked for from `from` on. */
function pastBound(at: readonly number[], from: number, bound: number): number {
  let i = from;
  while (i < at.length && (at[i] as number) <= bound) i += 1;
  return i;
}

/** How long before a tip another email may have come after the tip's units were given. */
const OTHERS_UNSEEN_MS = 5 * 60_000;

export class SimSes {
  private readonly perSecond = new Map<number, number>();
  /** When each email SES accepted was accepted, in order (the daily quota). */
  private readonly acceptedAt: number[] = [];
  private quotaHead = 0;
  private readonly pauses: Array<{ from: number; to: number }> = [];
  calls = 0;
  acceptedCount = 0;
  busiestSecond = 0;
  /** Tip emails accepted, by simulated second (utilization). */
  readonly tipsBySecond = new Map<number, number>();

  constructor(
    private readonly sim: Scheduler,
    private readonly rng: Rng,
    private readonly checks: Checks,
    private readonly trace: Trace,
    private readonly options: SesOptions,
  ) {}

  /** The account is paused (by AWS, a review) from `from` to `to`. */
  pause(from: number, to: number): void {
    this.pauses.push({ from, to });
  }

  pausedAt(t: number): boolean {
    return this.pauses.some((p) => p.from <= t && t < p.to);
  }

  /** Whether sending stopped at any moment in [from, to], and when the last such stop ended. */
  stoppedDuring(from: number, to: number): number | undefined {
    let end: number | undefined;
    for (const p of this.pauses) {
      if (p.from <= to && p.to >= from) end = Math.max(end ?? 0, p.to);
    }
    // A spent quota frees up as the day's sends age out: count it stopped for a day.
    for (const t of this.quotaSpent) {
      if (t <= to && t + DAY_MS >= from) end = Math.max(end ?? 0, t + DAY_MS);
    }
    return end;
  }

  /** The first instant from `t` on after which SES was not stopped for `stretch` ms. */
  resumedAfter(t: number, stretch: number): number {
    for (let at = t; ; ) {
      const end = this.stoppedDuring(at, at + stretch);
      if (end === undefined || end <= at) return at;
      at = end;
    }
  }

  /**
   * The planner left readers due because the day's quota left was too small for them: as good as
   * spent for the readers it held back.
   */
  quotaHeld(t: number): void {
    this.spent(t);
  }

  /** Instants at which the day's quota was found spent (at most one a minute). */
  private readonly quotaSpent: number[] = [];
  private spent(t: number): void {
    const last = this.quotaSpent[this.quotaSpent.length - 1];
    if (last === undefined || t - last > 60_000) this.quotaSpent.push(t);
  }

  /** When each tip email SES accepted was accepted, in order (the weekly send's part). */
  private readonly tipAcceptedAt: number[] = [];
  private tipHead = 0;

  private tipsLast24Hours(t: number): number {
    this.tipHead = pastBound(this.tipAcceptedAt, this.tipHead, t - DAY_MS);
    return this.tipAcceptedAt.length - this.tipHead;
  }

  /** When each other email SES accepted was accepted, in order. */
  private readonly otherAcceptedAt: number[] = [];
  private otherHead = 0;
  private otherSeenEnd = 0;

  /** Other emails accepted in the 24 hours before `t`, less those of its last OTHERS_UNSEEN_MS. */
  private othersSeen(t: number): number {
    const at = this.otherAcceptedAt;
    this.otherHead = pastBound(at, this.otherHead, t - DAY_MS);
    this.otherSeenEnd = pastBound(at, this.otherSeenEnd, t - OTHERS_UNSEEN_MS);
    return Math.max(0, this.otherSeenEnd - this.otherHead);
  }

  private quotaAt(t: number) {
    return {
      maxSendRate: this.options.maxSendRate,
      max24HourSend: this.options.quota,
      sentLast24Hours: this.sentLast24Hours(t),
    };
  }

  private sentLast24Hours(t: number): number {
    this.quotaHead = pastBound(this.acceptedAt, this.quotaHead, t - DAY_MS);
    return this.acceptedAt.length - this.quotaHead;
  }

  private stopAt(t: number): StopReason | undefined {
    if (this.pausedAt(t)) return "paused";
    if (this.sentLast24Hours(t) >= this.options.quota) {
      this.spent(t);
      return "daily-quota";
    }
    return undefined;
  }

  status(): SendingStatus {
    const t = this.sim.now;
    const quota = this.quotaAt(t);
    // Spent, for the weekly send: nothing of its part is left.
    if (weeklyBudget(quota, 0) === 0) this.spent(t);
    const stop = this.pausedAt(t) ? "paused" : undefined;
    return stop
      ? { quota, stopped: { reason: stop, message: "the account's sending is paused" } }
      : { quota };
  }

  /** The Mailer port as `caller` sees the account. */
  mailer(caller: Caller): Mailer {
    const latency = () =>
      this.rng.between(this.options.profile.latencyMs[0], this.options.profile.latencyMs[1]);
    return {
      status: async () => {
        await caller.sleep(latency() * 2);
        return this.status();
      },
      send: async (email) => {
        // A call started after this worker was answered stop (counted here, where it starts:
        // calls already on their way when the answer came are not the worker's fault).
        const key = tipKey(email);
        const knew = caller.stopAnswered;
        const [min, max] = this.options.profile.arrivalMs;
        await caller.sleep(this.rng.between(min, max));
        try {
          return await this.arrive(caller, email, key, latency, knew);
        } catch (error) {
          // The planted bug: an unanswered call made again, as a naive retry would.
          if (!(error instanceof MailUnansweredError) || !this.options.resendAfterTimeout)
            throw error;
          await caller.sleep(this.rng.between(min, max));
          return this.arrive(caller, email, key, latency, knew);
        }
      },
    };
  }

  private async arrive(
    caller: Caller,
    email: OutgoingEmail,
    key: string | undefined,
    latency: () => number,
    /** The stop this caller had been answered when the call started. */
    knew: StopReason | undefined,
  ) {
    const t = this.sim.now;
    const second = Math.floor(t / 1000);
    const count = (this.perSecond.get(second) ?? 0) + 1;
    this.perSecond.set(second, count);
    this.calls += 1;
    this.busiestSecond = Math.max(this.busiestSecond, count);
    const reader = email.to;
    this.checks.check(
      "rate",
      count <= this.options.maxSendRate,
      t,
      undefined,
      () =>
        `${count} calls in the second from ${new Date(second * 1000).toISOString()} (MaxSendRate ${this.options.maxSendRate}), by ${caller.name}`,
    );
    this.checks.check(
      "after-stop",
      knew === undefined,
      t,
      undefined,
      () => `${caller.name} called SES after it was answered ${knew}`,
    );
    const stop = this.stopAt(t);
    const answer = () => caller.sleep(latency());
    const note = (text: string) =>
      this.trace.record(t, this.options.readerOf(reader), `ses ${text} (${caller.name})`);
    if (stop) {
      this.checks.check(
        "quota",
        stop !== "daily-quota",
        t,
        undefined,
        () => `${caller.name} called SES with the day's quota of ${this.options.quota} spent`,
      );
      await answer();
      // Known to the worker once the answer has run through its code: a call its other workers
      // start at this same instant, before that, was under way when the answer came.
      this.sim.after(0, () => {
        caller.stopAnswered ??= stop;
      });
      this.trace.record(t, undefined, `ses answers ${caller.name}: stop (${stop})`);
      throw new MailStoppedError(`SES: sending stopped (${stop})`, stop);
    }
    const p = this.options.profile;
    if (count > this.options.maxSendRate || this.rng.chance(p.throttle)) {
      note("throttles");
      await answer();
      throw new MailThrottledError("SES: Maximum sending rate exceeded.");
    }
    if (this.rng.chance(p.serverError)) {
      note("fails with a 500");
      await answer();
      throw new MailTransientError("SES: InternalFailure (500)");
    }
    if (this.options.badAddresses.has(reader)) {
      note("rejects the address");
      await answer();
      throw new MailRejectedError(`MessageRejected: Address blacklisted: ${reader}`);
    }
    this.acceptedCount += 1;
    const messageId = `sim-${this.acceptedCount}`;
    this.acceptedAt.push(t);
    if (key) {
      this.tipsBySecond.set(second, (this.tipsBySecond.get(second) ?? 0) + 1);
      // The part as the sender saw it: less the other emails of the last 24 hours, but for those
      // of the last few minutes, which may have come after its units were given.
      const part = weeklyBudget({ ...this.quotaAt(t), sentLast24Hours: this.othersSeen(t) }, 0);
      const tips = this.tipsLast24Hours(t);
      this.checks.check(
        "weekly-part",
        tips < part,
        t,
        this.options.readerOf(reader),
        () => `a tip beyond the weekly send's part: ${tips} in 24 hours of ${part} left to it`,
      );
      this.tipAcceptedAt.push(t);
    } else this.otherAcceptedAt.push(t);
    this.options.onAccepted({
      email,
      messageId,
      at: t,
      caller: caller.name,
      ...(key ? { key } : {}),
    });
    if (this.rng.chance(p.timeoutAfterAccept)) {
      note("accepted, and its answer is lost");
      // The production client's own limit (functions/adapters/ses-mailer.ts).
      await caller.sleep(SES_REQUEST_TIMEOUT_MS);
      throw new MailUnansweredError(`SES: no answer within ${SES_REQUEST_TIMEOUT_MS} ms`);
    }
    await answer();
    return { messageId };
  }
}
