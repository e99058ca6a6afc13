/**
 * One weekly send in its own process, so its CPU and memory are measured alone. Input: one JSON
 * argument; output: one JSON line.
 *
 *   mode "path":  the pieces `npm run send` and the Lambdas run (the planner into an in-process
 *                 queue, then the send worker, the send-batch Lambda's code, draining it) on
 *                 DynamoStore and SesMailer, the SES client as functions/runtime builds it (no SDK
 *                 retries). The sending is timed; the planning is reported beside it.
 *   mode "floor": the least any sender could do for the same emails: per subscriber one
 *                 conditional UpdateItem (claim), one SendEmail of an email of the same size, one
 *                 UpdateItem (mark), each write the same as the store's (so DynamoDB works as
 *                 hard for both sides), at the same concurrency, against the same stand-ins, with
 *                 clients built by the adapters' own builders (sesClient,
 *                 dynamoUpdateClient), so the ratio weighs the engine, not the settings.
 *
 * Both report emails/s and CPU-ms per email (process.cpuUsage over the run); "path" also reports
 * the window between SES accepting an email and its markSent being stored (the one place a crash
 * could still cause a second email), as percentiles.
 */
import { Agent } from "node:http";
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { SendEmailCommand, type SendEmailCommandOutput } from "@aws-sdk/client-sesv2";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  claimWrite,
  DynamoStore,
  dynamoUpdateClient,
  markSentWrite,
  updateItemInput,
} from "../../functions/adapters/dynamo-store.js";
import { ACTIVE_INDEX, ACTIVE_SHARDS, activeKey } from "../../functions/adapters/dynamo-table.js";
import { MemoryQueue } from "../../functions/adapters/memory-queue.js";
import { SesMailer, sendEmailInput, sesClient } from "../../functions/adapters/ses-mailer.js";
import { realSleep, systemClock } from "../../functions/adapters/system.js";
import { plan } from "../../functions/core/planner.js";
import type { Mailer, SubscriberStore } from "../../functions/core/ports.js";
import { createSendWorker } from "../../functions/core/send-queue.js";
import { type RunReport, runReport } from "../../functions/core/send-run.js";
import { composeEmail, tipIndex } from "../../functions/core/sender.js";
import { inOrder } from "../../functions/core/sequence.js";
import { createSigner } from "../../functions/core/tokens.js";
import { bundle } from "../../functions/generated/content.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local/aws.js";
import { busiestWindow } from "./windows.js";

export interface SendRunInput {
  mode: "path" | "floor";
  dynamo: string;
  ses: string;
  table: string;
  week: string;
  /** Emails per second; null = unpaced. */
  rate: number | null;
  limit?: number;
  /** SES calls in flight (the path's default for an unpaced run is 64). */
  parallel: number;
}

export interface SendRunOutput {
  sent: number;
  durationMs: number;
  emailsPerSecond: number;
  /** User + system CPU of this process over the run, per email sent. */
  cpuMsPerEmail: number;
  peakRss: number;
  /** First to last SES call, ms (what the pacer controls). */
  sendWindowMs: number;
  /** The most SES calls that started within any 1,000 ms. */
  busiestSecond: number;
  report?: RunReport;
  /** SES accepted → markSent stored, ms: p50, p99, max. */
  unrecorded?: { p50: number; p99: number; max: number };
  /** The path's planning phase (before the timed sending). */
  planning?: { ms: number; cpuMsPerEmail: number };
  /** Recipients between claim and mark at once, averaged over the sending (time-weighted). */
  meanInProgress: number;
}

const input = JSON.parse(process.argv[2] ?? "{}") as SendRunInput;
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

// Keep-alive sockets, enough for every send in flight (the SDK default is 50 per client).
const handler = () => ({ httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }) });
const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
const signer = createSigner(
  [{ kid: "bench", secret: "bench-signing-secret-0123456789abcdef" }],
  systemClock,
);
const links = {
  baseUrl: "https://tips.example.com",
  postalAddress: "Strength Tips, 1 Example Street, Springfield 00000",
};

const FROM = "Weekly Strength Tips <tips@example.com>";
const SCHEDULE = { defaultTimeZone: "UTC", slot: { weekday: 1, hour: 7 } } as const;
const callStarts: number[] = [];

/** Time-weighted count of recipients between their claim and their mark. */
const inProgress = { now: 0, area: 0, since: 0, first: 0 };
function progress(delta: 1 | -1) {
  const t = performance.now();
  if (inProgress.first === 0) inProgress.first = t;
  if (inProgress.since !== 0) inProgress.area += inProgress.now * (t - inProgress.since);
  inProgress.now += delta;
  inProgress.since = t;
}
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** The path: the same sendWeek as `npm run send`, with timing wrappers around the adapters. */
async function path(): Promise<{ sent: number; report: RunReport; unrecorded: number[] }> {
  const inner = new DynamoStore({
    tableName: input.table,
    shards: ACTIVE_SHARDS,
    clientOptions: { ...common, endpoint: input.dynamo, requestHandler: handler() },
  });
  const ses = new SesMailer({
    from: FROM,
    clientOptions: { ...common, endpoint: input.ses, requestHandler: handler() },
  });
  const accepted = new Map<string, number>();
  const unrecorded: number[] = [];
  const mailer: Mailer = {
    async send(email) {
      callStarts.push(performance.now());
      const result = await ses.send(email);
      accepted.set(email.to, performance.now());
      return result;
    },
    status: () => ses.status(),
  };
  const emailOf = new Map<string, string>();
  const store: SubscriberStore = Object.assign(Object.create(inner) as DynamoStore, {
    // A recipient is in progress from its claim until the claim ends: marked sent, marked
    // failed, released (halted, throttled, transient), or never taken (not "claimed").
    async claim(...args: Parameters<SubscriberStore["claim"]>) {
      progress(1);
      const result = await inner.claim(...args).catch((error: unknown) => {
        progress(-1);
        throw error;
      });
      if (result !== "claimed") progress(-1);
      return result;
    },
    async markFailed(...args: Parameters<SubscriberStore["markFailed"]>) {
      await inner.markFailed(...args).finally(() => progress(-1));
    },
    async releaseClaim(...args: Parameters<SubscriberStore["releaseClaim"]>) {
      await inner.releaseClaim(...args).finally(() => progress(-1));
    },
    async markSent(...args: Parameters<SubscriberStore["markSent"]>) {
      await inner.markSent(...args);
      progress(-1);
      const to = emailOf.get(args[0]);
      const at = to === undefined ? undefined : accepted.get(to);
      if (at !== undefined) unrecorded.push(performance.now() - at);
    },
    async listActive(...args: Parameters<SubscriberStore["listActive"]>) {
      const page = await inner.listActive(...args);
      for (const s of page.items) emailOf.set(s.id, s.email);
      return page;
    },
  });
  const settings = {
    ...links,
    batchSize: 100,
    staleClaimSeconds: 960,
    maxSendRate: input.rate ?? Number.POSITIVE_INFINITY,
    max24HourSend: 10_000_000,
  };
  // Two phases, the same pieces as sendWeek: the planner fills an in-process queue, then the send
  // worker, the send-batch Lambda's code, drains it. The sending phase is what is timed, as the
  // floor's is after it has read its list; the planning is reported beside it.
  const queue = new MemoryQueue<string>();
  const planStarted = performance.now();
  const planCpu = process.cpuUsage();
  const planned = await plan({
    store,
    queue: { sendAll: (batches) => queue.sendAll(batches.map((b) => JSON.stringify(b))) },
    tips: inOrder(bundle.tips),
    week: input.week,
    runId: `bench-${input.week}-${Date.now()}`,
    now: systemClock.now(),
    schedule: SCHEDULE,
    batchSize: settings.batchSize,
    staleClaimSeconds: settings.staleClaimSeconds,
    ...(input.limit !== undefined ? { limit: input.limit } : {}),
  });
  const planUsed = process.cpuUsage(planCpu);
  planning = {
    ms: performance.now() - planStarted,
    cpuMsPerEmail: (planUsed.user + planUsed.system) / 1000 / Math.max(1, planned.planned),
  };
  const worker = await createSendWorker({
    store,
    mailer,
    signer,
    clock: systemClock,
    sleep: realSleep,
    random: Math.random,
    tips: tipIndex(bundle.tips),
    links,
    settings,
    schedule: SCHEDULE,
    workers: 1,
    parallel: input.parallel,
    log: { info: () => {}, warn: console.error, error: console.error },
  });
  const started = performance.now();
  const cpu = process.cpuUsage();
  let n = 0;
  await queue.drain(
    async (body) => {
      n += 1;
      await worker.handle([{ id: `b${n}`, body }]);
    },
    { concurrency: 2, untilClosed: false },
  );
  timing = { ms: performance.now() - started, cpu: process.cpuUsage(cpu) };
  const report = runReport(planned, worker.report, 0, timing.ms, worker);
  return { sent: report.sent, report, unrecorded };
}

/** The floor: claim, SendEmail, mark, and nothing else, at the same concurrency. */
async function floor(): Promise<{ sent: number }> {
  const dynamoOptions = { ...common, endpoint: input.dynamo, requestHandler: handler() };
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoOptions));
  const updates = dynamoUpdateClient(dynamoOptions);
  const ses = sesClient({ ...common, endpoint: input.ses, requestHandler: handler() });
  // The ids to mail, read before the clock starts (the path reads them as it goes).
  const ids: { id: string; email: string; rev?: number; timeZone?: string }[] = [];
  for (let shard = 0; shard < ACTIVE_SHARDS; shard += 1) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName: input.table,
          IndexName: ACTIVE_INDEX,
          KeyConditionExpression: "gsi1pk = :pk",
          ExpressionAttributeValues: { ":pk": activeKey(shard) },
          ProjectionExpression: "id, email, rev, #tz",
          ExpressionAttributeNames: { "#tz": "timeZone" },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) ids.push(item as (typeof ids)[number]);
      start = page.LastEvaluatedKey;
    } while (start);
  }
  const tip = inOrder(bundle.tips)[0];
  if (!tip) throw new Error("no tips in the bundle");
  // One email of the real size, composed once: the floor does no per-email work of its own.
  const email = composeEmail(
    { id: "0".repeat(32), email: "x@example.com", tip: tip.slug },
    tip,
    input.week,
    signer,
    links,
  );
  // One instant, one run and one next slot for all: the floor decides nothing per reader.
  const now = new Date();
  const at = now.toISOString();
  const runId = `floor-${input.week}-${Date.now()}`;
  const nextDue = new Date(Date.now() + 7 * 24 * 3_600_000);
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < ids.length) {
      const item = ids[next] as (typeof ids)[number];
      next += 1;
      progress(1);
      // The same two writes as DynamoStore's claim and markSent (so DynamoDB does the same work
      // for both sides), with none of the engine's decisions around them.
      const pending = { week: input.week, state: "pending", tip: tip.slug, at, runId } as const;
      await updates.send(
        new UpdateItemCommand(
          updateItemInput(input.table, claimWrite(item.id, pending, item.rev ?? 0, item.email)),
        ),
      );
      const command = new SendEmailCommand(
        sendEmailInput(FROM, undefined, { ...email, to: item.email }),
      );
      // The SES client makes one call (SES_CLIENT_POLICY): a reset keep-alive socket is retried
      // here, as the sender's own loop does.
      let result: SendEmailCommandOutput | undefined;
      for (let attempt = 1; !result; attempt += 1) {
        callStarts.push(performance.now());
        try {
          result = await ses.send(command);
        } catch (error) {
          if (attempt >= 6) throw error;
        }
      }
      const mark = { ...pending, state: "sent", messageId: result.MessageId } as const;
      await updates.send(
        new UpdateItemCommand(
          updateItemInput(
            input.table,
            markSentWrite(item.id, mark, now, nextDue, {
              ...(item.timeZone !== undefined ? { timeZone: item.timeZone } : {}),
            }),
          ),
        ),
      );
      progress(-1);
      sent += 1;
    }
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: input.parallel }, worker));
  timing = { ms: performance.now() - started, cpu: process.cpuUsage(cpu) };
  return { sent };
}
/** The timed phase of either side: sending, once the list is at hand. */
let timing: { ms: number; cpu: NodeJS.CpuUsage } | undefined;
/** The path's planning phase, reported beside its sending. */
let planning: { ms: number; cpuMsPerEmail: number } | undefined;

const started = performance.now();
const cpu = process.cpuUsage();
const result: { sent: number; report?: RunReport; unrecorded?: number[] } =
  input.mode === "floor" ? await floor() : await path();
const elapsed = timing?.ms ?? performance.now() - started;
const used = timing?.cpu ?? process.cpuUsage(cpu);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const output: SendRunOutput = {
  sent: result.sent,
  durationMs: elapsed,
  emailsPerSecond: result.sent / (elapsed / 1000),
  cpuMsPerEmail: (used.user + used.system) / 1000 / Math.max(1, result.sent),
  peakRss,
  sendWindowMs: (callStarts[callStarts.length - 1] ?? 0) - (callStarts[0] ?? 0),
  busiestSecond: busiestWindow(callStarts),
  meanInProgress: inProgress.area / Math.max(1, inProgress.since - inProgress.first),
};
if (planning) output.planning = planning;
if (result.report && result.unrecorded) {
  output.report = result.report;
  const sorted = [...result.unrecorded].sort((a, b) => a - b);
  output.unrecorded = {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? 0,
  };
}
process.stdout.write(`${JSON.stringify(output)}\n`);
process.exit(0);
