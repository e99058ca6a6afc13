/**
 * SES feedback Lambda: bounce and complaint notifications, through SNS or EventBridge
 * (see handleSesNotification in core/subscriptions-ses.ts). Only the SesEvents topic is trusted.
 */
import { sesEventsTopic } from "../config.js";
import { systemClock } from "../core/ports.js";
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
