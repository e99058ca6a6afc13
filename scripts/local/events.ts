/**
 * The readers' events on the local stack. dynalite has no table stream, so the stores' own view
 * of each change (runtime/table-changes.ts) stands in for it, mapped by the same code as the
 * stream's Lambda (core/events.ts eventsFor). Events go out one change at a time, in order, as a
 * stream shard hands them over: a publish that fails is tried again after a delay that doubles
 * (up to `maxDelayMs`) and holds back the ones behind it; the reader's action never waits on it.
 */
import {
  type ChangeListener,
  type DomainEvent,
  type EventBus,
  eventsFor,
} from "../../functions/core/events.js";

export interface LocalEvents {
  /** Hand it every change of a reader's record. */
  readonly listener: ChangeListener;
  /** Publishes tried again so far. */
  readonly retries: number;
  /** Changes whose events are not yet published. */
  readonly pending: number;
  /** Resolves once nothing is pending (for tests). */
  idle(): Promise<void>;
  stop(): void;
}

/** The local stack's bus: one line per event on stdout. */
export const logBus: EventBus = {
  async publish(events: readonly DomainEvent[]) {
    for (const event of events) console.log(`event ${event.type} ${JSON.stringify(event.detail)}`);
  },
};

export function startLocalEvents(
  bus: EventBus,
  options: { firstDelayMs?: number; maxDelayMs?: number } = {},
): LocalEvents {
  const queue: DomainEvent[][] = [];
  const waiters: Array<() => void> = [];
  let pumping = false;
  let stopped = false;
  let retries = 0;
  let timer: NodeJS.Timeout | undefined;

  const settle = () => {
    if (queue.length > 0) return;
    for (const wake of waiters.splice(0)) wake();
  };
  const pump = async (attempt = 0): Promise<void> => {
    const head = queue[0];
    if (stopped || !head) {
      pumping = false;
      settle();
      return;
    }
    try {
      await bus.publish(head);
      queue.shift();
      void pump();
    } catch {
      retries += 1;
      const delay = Math.min(
        options.maxDelayMs ?? 5_000,
        (options.firstDelayMs ?? 100) * 2 ** attempt,
      );
      timer = setTimeout(() => void pump(attempt + 1), delay);
    }
  };

  return {
    listener: (change) => {
      const events = eventsFor(change);
      if (events.length === 0 || stopped) return;
      queue.push(events);
      if (!pumping) {
        pumping = true;
        void pump();
      }
    },
    get retries() {
      return retries;
    },
    get pending() {
      return queue.length;
    },
    idle: () =>
      new Promise<void>((resolve) => {
        if (queue.length === 0) resolve();
        else waiters.push(resolve);
      }),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
