/**
 * The simulation's one clock: a discrete-event scheduler. Timers wait in a priority queue by
 * virtual time; the loop lets every promise that can run do so, then moves the clock to the
 * earliest timer and fires every timer due at that instant. Nothing waits in real time, and the
 * order is the same on every run.
 */
import TinyQueue from "tinyqueue";
import type { Clock, Sleep } from "../../functions/core/ports.js";

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

/**
 * Resolves once the microtask queue is empty, without a trip round the event loop: Node runs a
 * tick queued from a microtask only after the whole microtask queue has drained
 * (processTicksAndRejections). The code under test queues no ticks of its own.
 */
const turn = () => new Promise<void>((resolve) => queueMicrotask(() => process.nextTick(resolve)));

export class Scheduler {
  private readonly timers = new TinyQueue<Timer>([], (a, b) => a.at - b.at || a.seq - b.seq);
  private seq = 0;
  /** Timers fired so far. */
  fired = 0;

  constructor(public now: number) {}

  readonly clock: Clock = { now: () => new Date(this.now) };

  /** Runs `fire` at virtual time `at` (never in the past). */
  at(at: number, fire: () => void): void {
    this.timers.push({ at: Math.max(at, this.now), seq: this.seq++, fire });
  }

  after(ms: number, fire: () => void): void {
    this.at(this.now + Math.max(0, ms), fire);
  }

  readonly sleep: Sleep = (ms) => new Promise((resolve) => this.after(ms, resolve));

  /** Fires timers in order until none is left at or before `until`; the clock ends at `until`. */
  async run(until: number): Promise<void> {
    for (;;) {
      await turn();
      const next = this.timers.peek();
      if (next === undefined || next.at > until) break;
      this.now = next.at;
      while (this.timers.length > 0 && (this.timers.peek() as Timer).at === this.now) {
        (this.timers.pop() as Timer).fire();
        this.fired += 1;
      }
    }
    await turn();
    this.now = Math.max(this.now, until);
  }
}

/** A promise that never settles: what every await of a dead container waits on. */
export const never = <T>(): Promise<T> => new Promise<T>(() => {});
