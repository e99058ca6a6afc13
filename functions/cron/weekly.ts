/**
 * EventBridge schedule, every hour → plan whoever is due onto SendQueue: each reader whose own
 * Monday 07:00 (core/schedule.ts) has passed in their own week and who has not had that week's tip.
 * The instant comes from the event's scheduled time, not the clock, and the run id from the event
 * id: a retried or duplicated delivery plans the same hour again, and the claims make that a no-op
 * for everyone already sent. A reader missed by one pass (a planner that died, a dead-lettered
 * batch) is still due at the next.
 */
import type { ScheduledEvent } from "aws-lambda";
import { scheduleOf, settings } from "../config.js";
import { plan } from "../core/planner.js";
import { series } from "../core/sequence.js";
import * as z from "../core/zod.js";
import { bundle } from "../generated/content.js";
import { log } from "../runtime/log.js";
import { plannerStatus } from "../runtime/mailer.js";
import {
  countPlanningPaused,
  countReadersSetAside,
  countSendingStopped,
} from "../runtime/metrics.js";
import { sendQueue } from "../runtime/send-queue.js";
import { sendLedger } from "../runtime/store.js";

/** What the schedule sends (sst.config.ts): a malformed event fails loudly, never plans garbage. */
const scheduleEvent = z.object({
  id: z.string().check(z.minLength(1)),
  time: z.iso.datetime({ offset: true }),
});

export const handler = async (event: Pick<ScheduledEvent, "id" | "time">) => {
  const { id, time } = z.parse(scheduleEvent, { id: event?.id, time: event?.time });
  const config = settings();
  const report = await plan({
    ledger: sendLedger(),
    queue: sendQueue(),
    sending: plannerStatus(),
    tips: series(bundle.tips, bundle.emails.finished),
    runId: `cron-${id}`,
    now: new Date(time),
    schedule: scheduleOf(config),
    batchSize: config.batchSize,
    staleClaimSeconds: config.staleClaimSeconds,
    log: log(),
  });
  const said = report.sendingStopped
    ? "planned nobody: SES would refuse every send"
    : "send planned";
  log().info(said, { ...report });
  if (report.sendingStopped) countPlanningPaused(report.sendingStopped);
  countReadersSetAside(report.setAside);
  // A tip no email can be made from: its readers are held, and the sender's alarm speaks.
  if (report.unfillable) countSendingStopped("bad-content");
  return report;
};
