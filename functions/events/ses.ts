/**
 * SES feedback Lambda: bounce and complaint notifications, through SNS or EventBridge
 * (see handleSesNotification in core/subscriptions-ses.ts). Only the SesEvents topic is trusted.
 */
import { systemClock } from "../adapters/system.js";
import { sesEventsTopic } from "../config.js";
import { handleSesNotification } from "../core/subscriptions-ses.js";
import { log } from "../runtime/log.js";
import { subscriberStore } from "../runtime/store.js";

export const handler = (event: unknown) =>
  handleSesNotification(
    {
      store: subscriberStore(),
      clock: systemClock,
      log: log(),
      sources: { topicArn: sesEventsTopic() },
    },
    event,
  );
