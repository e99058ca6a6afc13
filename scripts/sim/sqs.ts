/**
 * A simulated SQS queue with its dead-letter queue: at-least-once (a message may be stored
 * twice), delivered in no particular order, hidden for the visibility timeout while a consumer
 * holds it, visible again unless deleted, and moved to the dead-letter queue once it has been
 * received maxReceiveCount times.
 */
import type { Queue } from "../../functions/core/ports.js";
import type { Trace } from "./checks.js";
import type { FaultProfile } from "./faults.js";
import type { Rng } from "./random.js";
import type { Scheduler } from "./scheduler.js";

export interface Message<T> {
  id: string;
  body: T;
  receives: number;
  /** Changes with each receive: only the latest receiver may delete. */
  receipt: number;
  deleted: boolean;
  /** Held by a consumer (received, visibility timeout not yet over). */
  hidden: boolean;
}

export interface SqsOptions {
  visibilityMs: number;
  maxReceives: number;
  profile: FaultProfile["sqs"];
}

export class SimSqs<T> implements Queue<T> {
  private readonly ready: Message<T>[] = [];
  private n = 0;
  readonly deadLetters: Array<{ message: Message<T>; at: number }> = [];
  /** Called when a message becomes visible (the event source wakes up). */
  onVisible: () => void = () => {};
  /** Called when a message moves to the dead-letter queue (the alarm). */
  onDeadLetter: (message: Message<T>) => void = () => {};
  stored = 0;
  inFlight = 0;

  constructor(
    private readonly sim: Scheduler,
    private readonly rng: Rng,
    private readonly trace: Trace,
    private readonly options: SqsOptions,
  ) {}

  get visible(): number {
    return this.ready.length;
  }

  async sendAll(bodies: readonly T[]): Promise<void> {
    for (const body of bodies) {
      const copies = this.rng.chance(this.options.profile.duplicate) ? 2 : 1;
      for (let c = 0; c < copies; c += 1) this.store(body);
    }
  }

  private store(body: T): void {
    this.n += 1;
    this.stored += 1;
    const message: Message<T> = {
      id: `m${this.n}`,
      body,
      receives: 0,
      receipt: 0,
      deleted: false,
      hidden: false,
    };
    const [min, max] = this.options.profile.delayMs;
    this.sim.after(this.rng.between(min, max), () => this.show(message));
  }

  private show(message: Message<T>): void {
    if (message.deleted) return;
    this.ready.push(message);
    this.onVisible();
  }

  /** One visible message, any of them (SQS keeps no order), hidden for the visibility timeout. */
  receive(): Message<T> | undefined {
    while (this.ready.length > 0) {
      const i = this.rng.int(this.ready.length);
      const message = this.ready[i] as Message<T>;
      this.ready[i] = this.ready[this.ready.length - 1] as Message<T>;
      this.ready.pop();
      if (message.deleted) continue;
      if (message.receives >= this.options.maxReceives) {
        message.deleted = true;
        this.deadLetters.push({ message, at: this.sim.now });
        this.trace.record(
          this.sim.now,
          undefined,
          `sqs: ${message.id} dead-lettered after ${message.receives} receives`,
        );
        this.onDeadLetter(message);
        continue;
      }
      message.receives += 1;
      message.receipt += 1;
      message.hidden = true;
      this.inFlight += 1;
      const receipt = message.receipt;
      this.sim.after(this.options.visibilityMs, () => {
        if (message.deleted || message.receipt !== receipt) return;
        message.hidden = false;
        this.inFlight -= 1;
        this.show(message);
      });
      return message;
    }
    return undefined;
  }

  /** Deletes a message, if `receipt` is still its latest (an older receiver's delete fails). */
  delete(message: Message<T>, receipt: number): void {
    if (message.deleted || message.receipt !== receipt) return;
    message.deleted = true;
    if (message.hidden) this.inFlight -= 1;
    message.hidden = false;
  }
}
