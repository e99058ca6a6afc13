/**
 * In-process Queue: `sendAll` stores messages, `drain(consumer)` runs them (the sender, locally:
 * `npm run send`, `npm start`, tests and the benchmark use the same planner and sender code as
 * the Lambdas, with this queue in place of SQS).
 *
 * With a `capacity`, `sendAll` waits while that many messages are waiting and a drain is running,
 * so a producer and a consumer running at the same time keep memory flat however long the run.
 */
import type { Queue } from "../core/ports.js";

export interface DrainOptions {
  /** Messages processed at once (default 1). */
  concurrency?: number;
  /**
   * Keep waiting for messages until close() (a producer runs alongside); otherwise return as soon
   * as the queue is empty.
   */
  untilClosed?: boolean;
}

export class MemoryQueue<T> implements Queue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private closed = false;
  private draining = 0;
  /** Woken when a message arrives or the queue closes. */
  private readonly consumersWaiting: Array<() => void> = [];
  /** Woken when room frees up. */
  private readonly producersWaiting: Array<() => void> = [];
  /** Messages handed to a consumer so far (every drain). */
  delivered = 0;

  constructor(private readonly options: { capacity?: number } = {}) {}

  /** Messages stored and not yet handed to a consumer. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Copies of the waiting messages, for assertions. */
  peek(): T[] {
    return this.items.slice(this.head);
  }

  async sendAll(messages: readonly T[]): Promise<void> {
    if (this.closed) throw new Error("MemoryQueue: sendAll after close()");
    for (const message of messages) {
      const capacity = this.options.capacity;
      while (capacity !== undefined && this.draining > 0 && this.size >= capacity) {
        await new Promise<void>((resolve) => this.producersWaiting.push(resolve));
      }
      this.items.push(message);
      this.consumersWaiting.shift()?.();
    }
  }

  /** No more messages will come: a drain with untilClosed returns once the queue is empty. */
  close(): void {
    this.closed = true;
    for (const wake of this.consumersWaiting.splice(0)) wake();
  }

  private take(): T | undefined {
    if (this.size === 0) return undefined;
    const message = this.items[this.head] as T;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    this.delivered += 1;
    this.producersWaiting.shift()?.();
    return message;
  }

  /**
   * Hands every message to `consumer`. Rejects with the first error a consumer throws (the other
   * consumers stop taking messages; the failed message is not put back, like a crashed worker).
   */
  async drain(consumer: (message: T) => Promise<void>, options: DrainOptions = {}): Promise<void> {
    const concurrency = Math.max(1, options.concurrency ?? 1);
    let failed = false;
    this.draining += 1;
    const worker = async () => {
      while (!failed) {
        const message = this.take();
        if (message === undefined) {
          if (!options.untilClosed || this.closed) return;
          await new Promise<void>((resolve) => this.consumersWaiting.push(resolve));
          continue;
        }
        try {
          await consumer(message);
        } catch (error) {
          failed = true;
          for (const wake of this.consumersWaiting.splice(0)) wake();
          throw error;
        }
      }
    };
    try {
      const results = await Promise.allSettled(Array.from({ length: concurrency }, worker));
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (rejected) throw rejected.reason;
    } finally {
      this.draining -= 1;
      // Producers blocked on a full queue must not wait for a drain that has ended.
      if (this.draining === 0) for (const wake of this.producersWaiting.splice(0)) wake();
    }
  }
}
