/**
 * SES feedback Lambda. Takes either an SNS event (a configuration set's SNS destination, or an
 * identity's bounce/complaint topic: Records[].Sns.Message is the SES JSON) or an EventBridge
 * event (a configuration set's EventBridge destination: `detail` is the SES event).
 *
 * A record that is not an SES event is logged and skipped (retrying would not fix it); a store
 * failure throws, so that Lambda retries the delivery (suppression is idempotent).
 */
import { BadRequestError } from "../core/errors.js";
import { type Clock, type SubscriberStore, systemClock } from "../core/ports.js";
import { handleSesEvent, type SesEventOutcome } from "../core/subscriptions-ses.js";
import * as z from "../core/zod.js";
import { log } from "../http/log.js";
import { subscriberStore } from "../runtime/store.js";

const snsEvent = z.object({
  Records: z.array(z.object({ Sns: z.object({ Message: z.string() }) })).check(z.minLength(1)),
});
const eventBridgeEvent = z.object({
  source: z.string(),
  "detail-type": z.string(),
  detail: z.unknown(),
});

/** The SES events inside an SNS or EventBridge envelope; undefined entries did not parse as JSON. */
export function unwrap(event: unknown): unknown[] {
  const sns = z.safeParse(snsEvent, event);
  if (sns.success) {
    return sns.data.Records.map((record) => {
      try {
        return JSON.parse(record.Sns.Message) as unknown;
      } catch {
        return undefined;
      }
    });
  }
  const bridge = z.safeParse(eventBridgeEvent, event);
  if (bridge.success) return [bridge.data.detail];
  return [undefined];
}

export interface SesDeps {
  store: SubscriberStore;
  clock: Clock;
}

export function createSesHandler(deps: () => SesDeps) {
  return async (event: unknown): Promise<{ processed: number; skipped: number }> => {
    let processed = 0;
    let skipped = 0;
    for (const sesEvent of unwrap(event)) {
      let outcome: SesEventOutcome;
      try {
        outcome = await handleSesEvent(deps(), sesEvent);
      } catch (error) {
        if (!(error instanceof BadRequestError)) throw error;
        skipped += 1;
        log().warn("skipping a record that is not an SES event", { issues: error.issues });
        continue;
      }
      processed += 1;
      log().info("ses event", { ...outcome });
    }
    return { processed, skipped };
  };
}

export const handler = createSesHandler(() => ({ store: subscriberStore(), clock: systemClock }));
