/**
 * The EventBus contract (functions/core/ports.ts): every event published arrives, with its type
 * and detail, however many a change makes (EventBridge takes ten a call). Run on the in-memory
 * twin and on EventBridge in moto (bus.test.ts).
 */
import { describe, expect, it } from "vitest";
import type { DomainEvent } from "../../functions/core/events.js";
import type { EventBus } from "../../functions/core/ports.js";

export interface BusUnderTest {
  bus: EventBus;
  /** Every event that reached a consumer of the bus so far, as type and detail. */
  received(): Promise<DomainEvent[]>;
}

const event = (n: number): DomainEvent => ({
  type: "tip.sent",
  detail: {
    id: `tip.sent:abc:2026-W50:tip-${n}`,
    at: "2026-12-07T09:00:00.000Z",
    subscriberId: "abc",
    week: "2026-W50",
    tip: `tip-${n}`,
  },
});

export function busContract(name: string, make: () => Promise<BusUnderTest>): void {
  describe(`EventBus contract: ${name}`, () => {
    it("delivers one event with its type and detail", async () => {
      const { bus, received } = await make();
      const one: DomainEvent = {
        type: "subscriber.paused",
        detail: {
          id: "p-1",
          at: "2026-12-07T09:00:00.000Z",
          subscriberId: "abc",
          until: "2026-12-28T07:00:00.000Z",
        },
      };
      await bus.publish([one]);
      expect(await received()).toEqual([one]);
    });

    it("delivers more than one call's worth (12 events)", async () => {
      const { bus, received } = await make();
      const many = Array.from({ length: 12 }, (_, i) => event(i));
      await bus.publish(many);
      const got = await received();
      expect(got.map((e) => e.detail.id).sort()).toEqual(many.map((e) => e.detail.id).sort());
    });
  });
}
