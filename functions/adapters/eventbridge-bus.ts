/**
 * EventBus (core/events.ts) on EventBridge: PutEvents, ten entries a call (its limit), each with
 * source "strength-tips", the event's type as detail-type and its detail as JSON. An entry
 * EventBridge did not take fails the whole publish, so the caller's retry sends the change again
 * (consumers drop ids they have seen).
 */
import {
  EventBridgeClient,
  type EventBridgeClientConfig,
  PutEventsCommand,
} from "@aws-sdk/client-eventbridge";
import { type DomainEvent, EVENT_SOURCE, type EventBus } from "../core/events.js";

const PER_CALL = 10;

export class EventBridgeBus implements EventBus {
  private readonly client: EventBridgeClient;

  constructor(
    private readonly busName: string,
    options: { client?: EventBridgeClient; clientOptions?: EventBridgeClientConfig } = {},
  ) {
    this.client = options.client ?? new EventBridgeClient(options.clientOptions ?? {});
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += PER_CALL) {
      const chunk = events.slice(i, i + PER_CALL);
      const result = await this.client.send(
        new PutEventsCommand({
          Entries: chunk.map((event) => ({
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: event.type,
            Detail: JSON.stringify(event.detail),
            Time: new Date(event.detail.at),
          })),
        }),
      );
      if ((result.FailedEntryCount ?? 0) > 0) {
        const codes = (result.Entries ?? []).flatMap((e) => (e.ErrorCode ? [e.ErrorCode] : []));
        throw new Error(
          `EventBridge refused ${result.FailedEntryCount} of ${chunk.length} events (${[...new Set(codes)].join(", ")})`,
        );
      }
    }
  }
}
