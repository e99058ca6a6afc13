/**
 * The readers' events for a Lambda: the EventBridge bus of the Events link, one client per
 * container (only the table stream's function imports it: the client stays out of the others).
 */
import { EventBridgeBus } from "../adapters/eventbridge-bus.js";
import { aws, clientOptions, eventBusName } from "../config.js";
import type { EventBus } from "../core/events.js";

let bus: EventBus | undefined;

export function eventBus(): EventBus {
  bus ??= new EventBridgeBus(eventBusName(), {
    clientOptions: clientOptions(aws().EVENTBRIDGE_ENDPOINT),
  });
  return bus;
}
