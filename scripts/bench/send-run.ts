/**
 * One side of the weekly send's benchmark in its own process, so its CPU and memory are measured
 * alone. Input: one JSON argument. It gets ready (the path plans its week, the floor reads its
 * list), prints {"ready": …}, then sends in chunks as told on stdin, one JSON line per line read:
 *
 *   {"chunk": 1000}  → sends the next 1,000 recipients, prints a ChunkOutput
 *   {"end": true}    → prints the SendRunOutput of all its chunks, exits
 *
 * so that the bench can let the path and the floor take turns a chunk at a time, and both see the
 * same machine however its speed changes from one minute to the next.
 *
 *   mode "path":  the pieces `npm run send` and the Lambdas run (the planner into an in-process
 *                 queue, then the send worker, the send-batch Lambda's code, draining it) on
 *                 DynamoStore and SesMailer, the SES client as functions/runtime builds it (no SDK
 *                 retries). A chunk is that many of the planner's batches put on an in-process
 *                 queue and drained two at a time, as `npm run send` drains them (the send-batch
 *                 Lambda takes one per invocation).
 *   mode "floor": the least any sender could do for the same emails: per subscriber one
 *                 conditional UpdateItem (claim), one SendEmail of an email of the same size, one
 *                 UpdateItem (mark), each write the same as the store's (so DynamoDB works as
 *                 hard for both sides), at the concurrency it is told, against the same stand-ins,
 *                 with clients built by the adapters' own builders (sesClient,
 *                 dynamoUpdateClient), so the ratio weighs the engine, not the settings.
 *
 * Both report emails/s over the chunks' sending time, and CPU-ms per email: the process's own
 * (process.cpuUsage) from its first chunk to its end, the waits between chunks included, so work
 * a chunk leaves to V8's own threads is counted too. "path" also reports the window
 * between SES accepting an email and its markSent being stored (the one place a crash could still
 * cause a second email), as percentiles.
 */
import { Agent } from "node:http";
import { createInterface } from "node:readline";
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
  /** Recipients in progress at once: the path's limit, the floor's workers (64 unpaced). */
  parallel: number;
}

/** Sends the next `chunk` recipients (the path: in whole batches of 100). */
export interface ChunkCommand {
  chunk: number;
}

export interface ReadyOutput {
  ready: true;
  /** Recipients this side can send (the path: planned; the floor: listed). */
  recipients: number;
  /** The path's planning (before any chunk). */
  planning?: { ms: number; cpuMsPerEmail: number };
}

export interface ChunkOutput {
  sent: number;
  ms: number;
  /** User + system CPU of this process over the chunk. */
  cpuMs: number;
  /** Recipients between claim and mark at once, averaged over the chunk (time-weighted). */
  meanInProgress: number;
}

export interface SendRunOutput {
  sent: number;
  durationMs: number;
  emailsPerSecond: number;
  /** User + system CPU of this process from its first chunk to its end, per email sent. */
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
  /** The floor's SendEmail calls made again after a failure (the path's are in its report). */
  sesRetries: number;
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
const BATCH_SIZE = 100;
/** SES call starts. */
const callStarts: number[] = [];
/** SES accepted → recorded, ms. */
const unrecorded: number[] = [];
/** The floor's SendEmail calls made again after a failure (a reset keep-alive socket, say). */
let sesRetries = 0;

/** Time-weighted count of recipients between their claim and their mark, over one chunk. */
const inProgress = { now: 0, area: 0, since: 0, first: 0 };
function progress(delta: 1 | -1) {
  const t = performance.now();
  if (inProgress.first === 0) inProgress.first = t;
  if (inProgress.since !== 0) inProgress.area += inProgress.now * (t - inProgress.since);
  inProgress.now += delta;
  inProgress.since = t;
}
function startChunk() {
  Object.assign(inProgress, { now: 0, area: 0, since: 0, first: 0 });
}
const meanInProgress = () => inProgress.area / Math.max(1, inProgress.since - inProgress.first);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const callStarted = () => {
  callStarts.push(performance.now());
};

interface Side {
  recipients: number;
  planning?: { ms: number; cpuMsPerEmail: number };
  /** Sends the next `count` recipients. */
  chunk(count: number): Promise<number>;
  /** The run's report, given the chunks' sending time in all. */
  report?(sendingMs: number): RunReport;
}

/** The path: the same planner and send worker as `npm run send`, with timing around the adapters. */
async function path(): Promise<Side> {
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
  const mailer: Mailer = {
    async send(email) {
      callStarted();
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
    batchSize: BATCH_SIZE,
    staleClaimSeconds: 960,
    maxSendRate: input.rate ?? Number.POSITIVE_INFINITY,
    max24HourSend: 10_000_000,
  };
  // The planner's messages, as it puts them on the queue; each chunk puts the next ones on an
  // in-process queue and the send worker, the send-batch Lambda's code, drains it.
  const messages: string[] = [];
  const planStarted = performance.now();
  const planCpu = process.cpuUsage();
  const planned = await plan({
    store,
    queue: {
      sendAll: async (batches) => {
        for (const batch of batches) messages.push(JSON.stringify(batch));
      },
    },
    tips: inOrder(bundle.tips),
    week: input.week,
    runId: `bench-${input.week}-${Date.now()}`,
    now: systemClock.now(),
    schedule: SCHEDULE,
    batchSize: settings.batchSize,
    staleClaimSeconds: settings.staleClaimSeconds,
  });
  const planUsed = process.cpuUsage(planCpu);
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
  let next = 0;
  let n = 0;
  /** Batches the worker handed back for a later delivery (unfinished recipients). */
  let leftForLater = 0;
  return {
    recipients: planned.planned,
    planning: {
      ms: performance.now() - planStarted,
      cpuMsPerEmail: (planUsed.user + planUsed.system) / 1000 / Math.max(1, planned.planned),
    },
    async chunk(count) {
      const sentBefore = worker.report.sent;
      const queue = new MemoryQueue<string>();
      const batches = Math.ceil(count / BATCH_SIZE);
      await queue.sendAll(messages.slice(next, next + batches));
      next += batches;
      await queue.drain(
        async (body) => {
          n += 1;
          leftForLater += (await worker.handle([{ id: `b${n}`, body }])).length;
        },
        { concurrency: 2, untilClosed: false },
      );
      return worker.report.sent - sentBefore;
    },
    report: (sendingMs) => runReport(planned, worker.report, leftForLater, sendingMs, worker),
  };
}

/** The floor: claim, SendEmail, mark, and nothing else, at the same concurrency. */
async function floor(): Promise<Side> {
  const dynamoOptions = { ...common, endpoint: input.dynamo, requestHandler: handler() };
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoOptions));
  const updates = dynamoUpdateClient(dynamoOptions);
  const ses = sesClient({ ...common, endpoint: input.ses, requestHandler: handler() });
  // The ids to mail, read before any chunk (the path plans before any chunk).
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
  const one = async (item: (typeof ids)[number]) => {
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
      callStarted();
      try {
        result = await ses.send(command);
      } catch (error) {
        if (attempt >= 6) throw error;
        sesRetries += 1;
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
  };
  return {
    recipients: ids.length,
    async chunk(count) {
      const end = Math.min(ids.length, next + count);
      let sent = 0;
      const worker = async () => {
        while (next < end) {
          const item = ids[next] as (typeof ids)[number];
          next += 1;
          await one(item);
          sent += 1;
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, input.parallel) }, worker));
      return sent;
    },
  };
}

const side = input.mode === "floor" ? await floor() : await path();
const ready: ReadyOutput = {
  ready: true,
  recipients: side.recipients,
  ...(side.planning ? { planning: side.planning } : {}),
};
process.stdout.write(`${JSON.stringify(ready)}\n`);

/** The chunks added up. */
const total = { sent: 0, ms: 0, inProgressArea: 0 };
/**
 * The process's CPU from its first chunk to its end, the waits between chunks included: work a
 * chunk leaves behind (V8 sweeping on its own threads, say) is counted too.
 */
let countedFrom: NodeJS.CpuUsage | undefined;
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as ChunkCommand | { end: true };
  if ("end" in command) break;
  countedFrom ??= process.cpuUsage();
  startChunk();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const sent = await side.chunk(command.chunk);
  const used = process.cpuUsage(cpu);
  const chunk: ChunkOutput = {
    sent,
    ms: performance.now() - started,
    cpuMs: (used.user + used.system) / 1000,
    meanInProgress: meanInProgress(),
  };
  total.sent += chunk.sent;
  total.ms += chunk.ms;
  total.inProgressArea += chunk.meanInProgress * chunk.ms;
  process.stdout.write(`${JSON.stringify(chunk)}\n`);
}
const counted = countedFrom ? process.cpuUsage(countedFrom) : { user: 0, system: 0 };
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const output: SendRunOutput = {
  sent: total.sent,
  durationMs: total.ms,
  emailsPerSecond: total.sent / (total.ms / 1000),
  cpuMsPerEmail: (counted.user + counted.system) / 1000 / Math.max(1, total.sent),
  peakRss,
  sendWindowMs: (callStarts[callStarts.length - 1] ?? 0) - (callStarts[0] ?? 0),
  busiestSecond: busiestWindow(callStarts),
  meanInProgress: total.inProgressArea / Math.max(1, total.ms),
  sesRetries,
};
if (side.planning) output.planning = side.planning;
const report = side.report?.(total.ms);
if (report) {
  output.report = report;
  const sorted = [...unrecorded].sort((a, b) => a - b);
  output.unrecorded = {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? 0,
  };
}
process.stdout.write(`${JSON.stringify(output)}\n`);
process.exit(0);
