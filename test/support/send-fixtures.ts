/** Shared fixtures for the send engine's tests: tips, subscribers, a fake clock, crash wrappers. */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { SQSEvent } from "aws-lambda";
import { MemoryQueue } from "../../functions/adapters/memory-queue.js";
import { realSleep } from "../../functions/adapters/system.js";
import type { SendBatch } from "../../functions/core/planner.js";
import type {
  Clock,
  Limits,
  Log,
  Mailer,
  SendLedger,
  Subscribers,
} from "../../functions/core/ports.js";
import { createSendWorker, type SendWorker } from "../../functions/core/send-queue.js";
import { type RunReport, sendInProcess } from "../../functions/core/send-run.js";
import { tipIndex } from "../../functions/core/sender.js";
import { createSigner } from "../../functions/core/tokens.js";
import type { CompiledTip, Subscriber, SubscriberStatus } from "../../functions/core/types.js";
import { SEND_BATCHES, sendBatchRecord } from "../../functions/events/sqs.js";
import { SETTINGS as WIRED } from "../../infra/wiring.js";
import { subscriberId } from "./ids.js";

export function tip(slug: string, order: number): CompiledTip {
  return {
    slug,
    order,
    title: `Tip ${slug}`,
    tags: [],
    hash: "0".repeat(64),
    subject: `Strength tip: ${slug}`,
    preheader: `About ${slug}`,
    html: `<p>Hi {{first_name}},</p><p>${slug}</p><a href="{{view_url}}">view</a><a href="{{manage_url}}">manage</a><a href="{{unsubscribe_url}}">unsubscribe</a><p>{{postal_address}}</p>`,
    text: `Hi {{first_name}},\n${slug}\nView: {{view_url}}\nUnsubscribe: {{unsubscribe_url}}\n{{postal_address}}`,
  };
}

export function tips(...slugs: string[]): CompiledTip[] {
  return slugs.map((slug, i) => tip(slug, (i + 1) * 10));
}

export const TIPS = tips("squats", "lunges", "planks", "bridges", "calf-raises");

export function subscriber(
  n: number | string,
  overrides: Partial<Subscriber> & { status?: SubscriberStatus } = {},
): Subscriber {
  const email = typeof n === "number" ? `runner${n}@example.com` : n;
  const at = "2026-01-05T10:00:00.000Z";
  return {
    id: subscriberId(email),
    email,
    status: "active",
    createdAt: at,
    updatedAt: at,
    consent: { at, ip: "127.0.0.1", userAgent: "test", source: "test", textVersion: "v1" },
    confirmedAt: at,
    sentTips: [],
    ...overrides,
  };
}

/** The whole table, every port of it: MemoryStore, or DynamoStore on dynalite. */
export type TableStore = Subscribers & SendLedger & Limits;

export async function seed(
  store: Pick<Subscribers, "create">,
  subscribers: Subscriber[],
): Promise<void> {
  for (const s of subscribers) await store.create(s);
}

/** A clock tests move by hand; sleep() advances it instead of waiting. */
export class FakeClock implements Clock {
  constructor(public ms = Date.parse("2026-11-23T09:00:00.000Z")) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  sleep = async (ms: number): Promise<void> => {
    this.ms += Math.max(0, ms);
  };
}

/**
 * A clock for work that runs concurrently (several senders, a backoff beside a pacer): sleep()
 * resolves at now + ms of virtual time, and the clock moves to the earliest sleeper's time one
 * event-loop turn at a time (setImmediate), when the work in progress has run as far as it can.
 * Nothing waits in real time. With `late`, each wake-up comes that many ms late, as real
 * timers do.
 */
export class VirtualClock implements Clock {
  private readonly sleepers: Array<{ at: number; wake: () => void }> = [];
  private turning = false;

  constructor(
    public ms = Date.parse("2026-11-23T09:00:00.000Z"),
    private readonly late: () => number = () => 0,
  ) {}

  now(): Date {
    return new Date(this.ms);
  }

  sleep = (ms: number): Promise<void> =>
    new Promise((wake) => {
      this.sleepers.push({ at: this.ms + Math.max(0, ms) + this.late(), wake });
      this.turn();
    });

  private turn(): void {
    if (this.turning) return;
    this.turning = true;
    setImmediate(() => {
      this.turning = false;
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers.shift();
      if (!next) return;
      this.ms = Math.max(this.ms, next.at);
      next.wake();
      if (this.sleepers.length > 0) this.turn();
    });
  }
}

export const signer = createSigner(
  [{ kid: "t1", secret: "test-signing-secret-0123456789-abcdef" }],
  { now: () => new Date() },
);

export const LINKS = {
  baseUrl: "https://tips.example.com",
  postalAddress: "Strength Tips, 1 Example Street, Springfield 00000",
};

/** The stage schedule of the tests: Monday 07:00, UTC for readers who chose no zone. */
/**
 * The zones the schedule's tests cross: both sides of the date line (Kiritimati +14, Pago Pago
 * −11), a 30-minute DST (Lord Howe), a half-hour offset (St John's), and both hemispheres' DST.
 */
export const EDGE_ZONES = [
  "Pacific/Kiritimati",
  "Pacific/Pago_Pago",
  "Australia/Lord_Howe",
  "America/St_Johns",
  "Europe/London",
  "America/Los_Angeles",
] as const;

export const SCHEDULE = { defaultTimeZone: "UTC", slot: { weekday: 1, hour: 7 } } as const;

export const SETTINGS = {
  ...LINKS,
  batchSize: 3,
  /** As in AWS: the send queue's visibility timeout (infra/wiring.ts SETTINGS). */
  staleClaimSeconds: WIRED.staleClaimSeconds,
  maxSendRate: Number.POSITIVE_INFINITY,
  max24HourSend: 1_000_000,
};

/** A log that keeps every line, for assertions. */
export function recordingLog() {
  const lines: Array<{ level: string; message: string; data: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, data: Record<string, unknown>) =>
    lines.push({ level, message, data });
  return { lines, log: { info: at("info"), warn: at("warn"), error: at("error") } };
}

export interface WeekRun {
  /** An hourly pass at this instant: each reader's own week (no `week` override). */
  hourly?: Date;
  store: TableStore;
  mailer: Mailer;
  clock: FakeClock | Clock;
  week?: string;
  runId?: string;
  settings?: Partial<typeof SETTINGS>;
  limit?: number;
  rate?: number;
  parallel?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  tips?: CompiledTip[];
  log?: Log;
}

/** One week through the same path as `npm run send`: planner → in-process queue → send worker. */
export async function runWeek(run: WeekRun): Promise<RunReport> {
  const settings = { ...SETTINGS, ...run.settings };
  const tips = run.tips ?? TIPS;
  const sleep = run.sleep ?? ("sleep" in run.clock ? run.clock.sleep : realSleep);
  const log = run.log ?? recordingLog().log;
  const worker = await createSendWorker({
    subscribers: run.store,
    ledger: run.store,
    limits: run.store,
    mailer: run.mailer,
    signer,
    clock: run.clock,
    sleep,
    random: run.random ?? (() => 0.5),
    tips: tipIndex(tips),
    links: settings,
    settings,
    schedule: SCHEDULE,
    workers: 1,
    ...(run.rate !== undefined ? { rate: run.rate } : {}),
    ...(run.parallel !== undefined ? { parallel: run.parallel } : {}),
    log,
  });
  return sendInProcess({
    planning: {
      ledger: run.store,
      tips,
      ...(run.hourly ? {} : { week: run.week ?? "2026-W48" }),
      runId: run.runId ?? `run-${Math.random().toString(36).slice(2)}`,
      now: run.hourly ?? run.clock.now(),
      schedule: SCHEDULE,
      batchSize: settings.batchSize,
      staleClaimSeconds: settings.staleClaimSeconds,
      ...(run.limit !== undefined ? { limit: run.limit } : {}),
      log,
    },
    queue: new MemoryQueue<SendBatch>({ capacity: 4 }),
    worker,
    clock: run.clock,
  });
}

/**
 * One SQS delivery of `records` to `worker`, through the send-batch Lambda's edge (the body
 * parsed, Powertools' batch processor): the ids of the records to deliver again. `receives` is
 * the record's ApproximateReceiveCount (default 1), against the send queue's maxReceiveCount.
 */
export async function deliverRecords(
  worker: Pick<SendWorker, "send">,
  records: ReadonlyArray<{ id: string; body: string; receives?: number }>,
  log: Pick<Log, "error"> = recordingLog().log,
): Promise<string[]> {
  const event = {
    Records: records.map((r) => ({
      messageId: r.id,
      body: r.body,
      attributes: { ApproximateReceiveCount: String(r.receives ?? 1) },
    })),
  } as unknown as SQSEvent;
  const processor = new BatchProcessor(EventType.SQS);
  const record = sendBatchRecord(worker, log, WIRED.sendMaxReceives);
  const { batchItemFailures } = await processPartialResponse(
    event,
    record,
    processor,
    SEND_BATCHES,
  );
  return batchItemFailures.map((failure) => failure.itemIdentifier);
}

export class CrashError extends Error {
  override name = "CrashError";
}

/**
 * Wraps a store so that the run "crashes" once `after` emails are recorded as sent: every later
 * claim is written (so it is left pending, as by a process that died) and then throws CrashError.
 */
export function crashingStore<S extends SendLedger>(inner: S, after: number): S {
  let sent = 0;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "markSent") {
        return async (...args: Parameters<SendLedger["markSent"]>) => {
          await target.markSent(...args);
          sent += 1;
        };
      }
      if (prop === "claim") {
        return async (...args: Parameters<SendLedger["claim"]>) => {
          const result = await target.claim(...args);
          if (sent >= after) throw new CrashError(`crash after ${sent} sends`);
          return result;
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function"
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/** Every email address with how many emails it got. */
export function countByRecipient(recipients: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const to of recipients) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}
