/**
 * EventBridge schedule → plan this week's send onto SendQueue. The week comes from the event's
 * time, not the clock, and the run id from the event id: a retried or duplicated delivery, or the
 * sweep pass later on Monday, plans the same week again, and the claims make that a no-op for
 * everyone already sent.
 */
import type { ScheduledEvent } from "aws-lambda";
import { systemClock } from "../adapters/system.js";
import { settings } from "../config.js";
import { plan } from "../core/planner.js";
import { inOrder } from "../core/sequence.js";
import { isoWeek } from "../core/week.js";
import * as z from "../core/zod.js";
import { bundle } from "../generated/content.js";
import { log } from "../runtime/log.js";
import { sendQueue } from "../runtime/queue.js";
import { subscriberStore } from "../runtime/store.js";

/** What the schedule sends (sst.config.ts): a malformed event fails loudly, never plans "NaN-W…". */
const scheduleEvent = z.object({
  id: z.string().check(z.minLength(1)),
  time: z.iso.datetime({ offset: true }),
});

export const handler = async (event: Pick<ScheduledEvent, "id" | "time">) => {
  const { id, time } = z.parse(scheduleEvent, { id: event?.id, time: event?.time });
  const { batchSize, staleClaimSeconds } = settings();
  const report = await plan({
    store: subscriberStore(),
    queue: sendQueue(),
    tips: inOrder(bundle.tips),
    week: isoWeek(new Date(time)),
    runId: `cron-${id}`,
    now: systemClock.now(),
    batchSize,
    staleClaimSeconds,
  });
  log().info("weekly send planned", { ...report });
  return report;
};
