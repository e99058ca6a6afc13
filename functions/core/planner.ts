/**
 * The weekly planner: reads the active set (every shard in parallel, page by page), decides who
 * gets which tip this week, and enqueues batches of recipients for the sender. It writes nothing
 * to the store: the sender's conditional claim is what makes each email go out once, so running
 * the planner twice (a duplicate EventBridge delivery, an operator rerun) is harmless.
 */
import { verdict } from "./eligibility.js";
import type { Queue, SubscriberStore } from "./ports.js";
import { nextTip } from "./sequence.js";
import type { CompiledTip, Subscriber } from "./types.js";

export interface Recipient {
  id: string;
  email: string;
  firstName?: string;
  /** Slug of the tip to send. */
  tip: string;
  /** The subscriber's send revision when planned: the claim needs no second read while unchanged. */
  rev?: number;
}

/** One queue message: what one sender invocation handles. */
export interface SendBatch {
  week: string;
  runId: string;
  recipients: Recipient[];
}

export interface PlanInput {
  store: SubscriberStore;
  queue: Queue<SendBatch>;
  /** In order (see sequence.ts inOrder). */
  tips: readonly CompiledTip[];
  week: string;
  runId: string;
  now: Date;
  batchSize: number;
  /** A pending claim older than this is a dead sender's and is planned again. */
  staleClaimSeconds: number;
  /** Plan at most this many recipients. */
  limit?: number;
  /** Items per listActive page (default 250). */
  pageSize?: number;
  /** Batches handed to the queue per sendAll call (default 10: one SQS SendMessageBatch). */
  flushEvery?: number;
  /** Polled between pages: true stops planning (the consumer died). */
  shouldStop?: () => boolean;
}

export interface PlanReport {
  week: string;
  runId: string;
  /** Active subscribers read. */
  active: number;
  /** Recipients enqueued. */
  planned: number;
  batches: number;
  /** Sent (or permanently failed) this week already. */
  skippedAlreadySent: number;
  /** A later week was sent already: this older week sends them nothing. */
  superseded: number;
  /** Received every tip. */
  caughtUp: number;
  /** Pending claims of this week younger than the stale window: another run is on them. */
  inFlight: number;
  /** Pending claims older than the stale window (a crashed run's), planned again. */
  staleRetried: number;
  /** Recipients per tip slug. */
  byTip: Record<string, number>;
}

type Decision =
  | { kind: "send"; tip: CompiledTip; stale: boolean }
  | { kind: "already-sent" | "superseded" | "caught-up" | "in-flight" | "inactive" };

/** What this week holds for one subscriber (the rule itself is core/eligibility.ts). */
export function decide(
  subscriber: Subscriber,
  tips: readonly CompiledTip[],
  week: string,
  staleBefore: Date,
): Decision {
  const tip = nextTip(tips, subscriber.sentTips);
  const judged = verdict(subscriber, { week, staleBefore, ...(tip ? { tip: tip.slug } : {}) });
  if (judged.kind !== "eligible") return judged;
  return tip ? { kind: "send", tip, stale: judged.takeover } : { kind: "caught-up" };
}

export async function plan(input: PlanInput): Promise<PlanReport> {
  const { store, queue, tips, week, runId, batchSize } = input;
  const pageSize = input.pageSize ?? 250;
  const flushEvery = Math.max(1, input.flushEvery ?? 10);
  const limit = input.limit ?? Number.POSITIVE_INFINITY;
  const staleBefore = new Date(input.now.getTime() - input.staleClaimSeconds * 1000);
  const report: PlanReport = {
    week,
    runId,
    active: 0,
    planned: 0,
    batches: 0,
    skippedAlreadySent: 0,
    superseded: 0,
    caughtUp: 0,
    inFlight: 0,
    staleRetried: 0,
    byTip: {},
  };

  let current: Recipient[] = [];
  let ready: SendBatch[] = [];
  const full = () => report.planned >= limit || (input.shouldStop?.() ?? false);

  const seal = () => {
    if (current.length === 0) return;
    ready.push({ week, runId, recipients: current });
    report.batches += 1;
    current = [];
  };
  const flush = async (force: boolean) => {
    if (ready.length === 0 || (!force && ready.length < flushEvery)) return;
    const out = ready;
    ready = [];
    await queue.sendAll(out);
  };

  const readShard = async (shard: number) => {
    let cursor: string | undefined;
    do {
      if (full()) return;
      const page = await store.listActive(shard, cursor, pageSize);
      cursor = page.cursor;
      for (const subscriber of page.items) {
        if (full()) break;
        report.active += 1;
        const decision = decide(subscriber, tips, week, staleBefore);
        switch (decision.kind) {
          case "already-sent":
            report.skippedAlreadySent += 1;
            break;
          case "superseded":
            report.superseded += 1;
            break;
          case "inactive":
            break;
          case "caught-up":
            report.caughtUp += 1;
            break;
          case "in-flight":
            report.inFlight += 1;
            break;
          case "send": {
            if (decision.stale) report.staleRetried += 1;
            const recipient: Recipient = {
              id: subscriber.id,
              email: subscriber.email,
              tip: decision.tip.slug,
              rev: subscriber.rev ?? 0,
            };
            if (subscriber.firstName) recipient.firstName = subscriber.firstName;
            current.push(recipient);
            report.planned += 1;
            report.byTip[decision.tip.slug] = (report.byTip[decision.tip.slug] ?? 0) + 1;
            if (current.length >= batchSize) seal();
          }
        }
      }
      await flush(false);
    } while (cursor !== undefined);
  };

  await Promise.all(Array.from({ length: store.shards }, (_, shard) => readShard(shard)));
  seal();
  await flush(true);
  return report;
}
