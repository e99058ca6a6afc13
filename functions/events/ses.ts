/**
 * SES feedback Lambda: bounce and complaint notifications, through SNS or EventBridge
 * (see handleSesNotification in core/subscriptions-ses.ts).
 */
import { systemClock } from "../adapters/system.js";
import { handleSesNotification } from "../core/subscriptions-ses.js";
import { log } from "../runtime/log.js";
import { subscriberStore } from "../runtime/store.js";

export const handler = (event: unknown) =>
  handleSesNotification({ store: subscriberStore(), clock: systemClock, log: log() }, event);
