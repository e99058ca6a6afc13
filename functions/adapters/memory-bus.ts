/** EventBus (core/events.ts) in memory: what was published, in order, for tests and tools. */
import type { DomainEvent, EventBus } from "../core/events.js";

export class MemoryBus implements EventBus {
  readonly published: DomainEvent[] = [];

  async publish(events: readonly DomainEvent[]): Promise<void> {
    this.published.push(...structuredClone(events));
  }
}
