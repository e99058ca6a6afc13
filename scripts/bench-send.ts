/**
 * `npm run bench:send [-- --n 20000 --pacing-seconds 20 --pacing-rate 50 --plan-n 100000]`
 *
 * The weekly send's cost on this machine, loopback only, bounded in time:
 *   1. starts dynalite and aws-ses-v2-local in two child processes (so they use the other core),
 *   2. seeds N subscribers for each side (BatchWriteItem),
 *   3. starts each side in a process of its own and lets them take turns, 1,000 recipients at a
 *      time (path, floor; floor, path; …), every email counted, the first ones too: the path, the
 *      same planner and send worker as `npm run send` and the Lambdas (the planner's batches go,
 *      ten a turn, on an in-process queue the worker drains; the sending is timed, as the
 *      floor's is after it read its list); the floor, a minimal client making the same three SDK
 *      calls per email (claim, SendEmail, mark) at the same concurrency (at most the path's limit
 *      of 64 recipients in progress), unpaced: emails/s, CPU-ms per email (sender, and the
 *      planner's beside it), ratio to the floor (the turns keep it fair on a machine whose speed
 *      changes from minute to minute; each turn's ratio and CPU are printed too), and the window
 *      between SES accepting an email and its record; then the floor taken apart: what one
 *      UpdateItem and one SendEmail cost through the SDK, each kind run alone, against the same
 *      requests sent by node:http (scripts/bench/sdk-call.ts),
 *   4. the path paced at 50/s for 20 s: the busiest second vs the limit, the rate vs the aim,
 *   5. one hourly planning pass over --plan-n readers whose due instants spread over the week,
 *      against a pass that reads them all,
 *   6. the sender and API Lambdas bundled as SST deploys them: size, and import time in a fresh
 *      process (cold start).
 * The SES stand-in keeps every email in memory, so its store is cleared every second. Each figure
 * is printed against its aim at the end; the bench exits 1 if any is missed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoStore } from "../functions/adapters/dynamo-store.js";
import {
  ACTIVE_SHARDS,
  activeKey,
  dueSortKey,
  subscriberKey,
} from "../functions/adapters/dynamo-table.js";
import { shardOf, subscriberId } from "../functions/core/email.js";
import { plan } from "../functions/core/planner.js";
import type { RunReport } from "../functions/core/send-run.js";
import { inOrder } from "../functions/core/sequence.js";
import { bundle } from "../functions/generated/content.js";
import { SENDER_CONCURRENCY } from "../infra/wiring.js";
import { kb } from "./bench/bundle.js";
import { coldStart } from "./bench/cold-start.js";
import type { SdkCallInput, SdkCallOutput } from "./bench/sdk-call.js";
import type {
  ChunkCommand,
  ChunkOutput,
  ReadyOutput,
  SendRunInput,
  SendRunOutput,
} from "./bench/send-run.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./local/aws.js";

const ROOT = path.resolve(import.meta.dirname, "..");
/** The seeded readers' time zones, both hemispheres and a half-hour offset. */
const BENCH_ZONES = [
  "Europe/London",
  "America/New_York",
  "America/Los_Angeles",
  "Europe/Berlin",
  "Asia/Kolkata",
  "Australia/Sydney",
  "America/Sao_Paulo",
];
const HARD_LIMIT_MS = 10 * 60_000;
const AIMS = {
  /** The whole bench on this 2-core machine. */
  totalMinutes: 5,
  ratioToFloor: 0.85,
  cpuMsPerEmail: 3.0,
  pacingError: 0.03,
  importMs: 150,
  bundleBytes: 1024 * 1024,
};

const children: ChildProcess[] = [];
function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
}
process.on("exit", cleanup);
const deadline = setTimeout(() => {
  console.error(`bench:send: still running after ${HARD_LIMIT_MS / 60_000} min, giving up`);
  cleanup();
  process.exit(1);
}, HARD_LIMIT_MS);
deadline.unref();

interface Child {
  child: ChildProcess;
  /** The child's next line on stdout (rejects if it exits first). */
  next(): Promise<string>;
  /** Writes one line to the child's stdin. */
  send(line: string): void;
}

/** Runs a TypeScript file in a child node process, talking to it a line at a time. */
function tsChild(file: string, args: string[]): Child {
  // BENCH_PROFILE=1: CPU profiles of each process in .artifacts/bench-profile (chrome devtools).
  const profile = process.env.BENCH_PROFILE
    ? ["--cpu-prof", "--cpu-prof-dir", path.join(ROOT, ".artifacts/bench-profile")]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, "--import", "tsx", path.join(ROOT, file), ...args],
    {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    },
  );
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[
    Symbol.asyncIterator
  ]();
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`${file} exited with ${code} before answering`);
  });
  exited.catch(() => {});
  return {
    child,
    next: () =>
      Promise.race([
        lines.next().then((r) => {
          if (r.done) throw new Error(`${file} closed its output before answering`);
          return r.value;
        }),
        exited,
      ]),
    send: (line) => child.stdin?.write(`${line}\n`),
  };
}

async function standIn(kind: "dynamo" | "ses", tables: string[] = []): Promise<string> {
  const line = await tsChild("scripts/bench/standin.ts", [kind, ...tables]).next();
  return (JSON.parse(line) as { endpoint: string }).endpoint;
}

/**
 * Seeds active subscribers `from`..`to`. With `dueFrom`, reader i is next due `i mod 168` hours
 * after it (spread evenly over a week, as readers in every zone are), else due now.
 */
async function seed(
  endpoint: string,
  table: string,
  from: number,
  to: number,
  dueFrom?: Date,
): Promise<number> {
  const started = performance.now();
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
  );
  const at = "2026-01-05T10:00:00.000Z";
  let next = from;
  const worker = async () => {
    while (next < to) {
      const start = next;
      next = Math.min(to, next + 25);
      let items = [];
      for (let i = start; i < Math.min(to, start + 25); i += 1) {
        const email = `bench${i}@example.com`;
        const id = subscriberId(email);
        const dueAt = dueFrom
          ? new Date(dueFrom.getTime() + (i % 168) * 3_600_000).toISOString()
          : undefined;
        items.push({
          PutRequest: {
            Item: {
              ...subscriberKey(id),
              id,
              email,
              ...(i % 2 === 0 ? { firstName: `Runner${i}` } : {}),
              // Readers name their zone at signup; one in ten predates that (the stage default).
              ...(i % 10 === 0 ? {} : { timeZone: BENCH_ZONES[i % BENCH_ZONES.length] }),
              status: "active",
              createdAt: at,
              updatedAt: at,
              consent: {
                at,
                ip: "127.0.0.1",
                userAgent: "bench",
                source: "bench",
                textVersion: "v1",
              },
              confirmedAt: at,
              gsi1pk: activeKey(shardOf(id, ACTIVE_SHARDS)),
              gsi1sk: dueSortKey(id, dueAt),
              ...(dueAt ? { dueAt } : {}),
            },
          },
        });
      }
      while (items.length > 0) {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: items } }));
        items = (out.UnprocessedItems?.[table] ?? []) as typeof items;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  doc.destroy();
  return performance.now() - started;
}

/** aws-ses-v2-local keeps every email: empties it every second until the returned stop is called. */
function keepEmpty(ses: string): () => Promise<void> {
  const clear = () => fetch(`${ses}/clear-store`, { method: "POST" }).catch(() => {});
  const clearing = setInterval(clear, 1000);
  return async () => {
    clearInterval(clearing);
    await clear();
  };
}

/** Runs sdk-call.ts, which answers one line and exits, while the SES stand-in is kept empty. */
async function measureCalls(input: SdkCallInput, ses: string): Promise<SdkCallOutput> {
  const stop = keepEmpty(ses);
  try {
    return JSON.parse(await tsChild("scripts/bench/sdk-call.ts", [JSON.stringify(input)]).next());
  } finally {
    await stop();
  }
}

/** One side (send-run.ts) in its own process, ready to send in chunks. */
async function startSide(input: SendRunInput) {
  const child = tsChild("scripts/bench/send-run.ts", [JSON.stringify(input)]);
  const ready = JSON.parse(await child.next()) as ReadyOutput;
  return {
    ready,
    async chunk(command: ChunkCommand): Promise<ChunkOutput> {
      child.send(JSON.stringify(command));
      return JSON.parse(await child.next()) as ChunkOutput;
    },
    async end(): Promise<SendRunOutput> {
      child.send(JSON.stringify({ end: true }));
      return JSON.parse(await child.next()) as SendRunOutput;
    },
  };
}

/** What a path run's report says it did not send, and its stop, one part each. */
function unsentParts(report: RunReport | undefined): string[] {
  if (!report) return ["no report"];
  const counts = {
    failed: report.failed,
    deferred: report.deferred,
    "failed transiently": report.failedTransient,
    "in flight elsewhere": report.inFlight,
    unattempted: report.unattempted,
    "batches handed back": report.leftForLater,
  };
  return [
    ...Object.entries(counts)
      .filter(([, count]) => count > 0)
      .map(([what, count]) => `${what} ${count}`),
    ...(report.stopped ? [`stopped: ${report.stopped.reason}`] : []),
  ];
}

const unsent = (report: RunReport | undefined) =>
  unsentParts(report).join(", ") || "nothing unsent";

/** Whether a path run sent all `expected` recipients with nothing unsent and no stop. */
const sentAll = (run: SendRunOutput, expected: number) =>
  run.sent === expected && unsentParts(run.report).length === 0;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
/** Whether every aim was met: the bench exits 1 otherwise. */
let allMet = true;
const verdict = (ok: boolean) => {
  if (!ok) allMet = false;
  return ok ? "✓" : "✗";
};
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;

const USAGE =
  "usage: npm run bench:send -- [--n 20000 (a multiple of 1000)] [--pacing-seconds 20] [--pacing-rate 50] [--plan-n 100000]";

function options() {
  try {
    return parseArgs({
      options: {
        n: { type: "string", default: "20000" },
        "pacing-seconds": { type: "string", default: "20" },
        "pacing-rate": { type: "string", default: "50" },
        "plan-n": { type: "string", default: "100000" },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

/** SES calls in flight for an unpaced run: what the path uses (inFlightFor(Infinity)). */
const PARALLEL = 64;
/** Recipients per turn: ten batches, some 3 seconds of sending. */
const CHUNK = 1000;

async function main() {
  const benchStarted = performance.now();
  const values = options();
  const n = Number(values.n);
  const pacingSeconds = Number(values["pacing-seconds"]);
  const pacingRate = Number(values["pacing-rate"]);
  const planN = Number(values["plan-n"]);
  if (
    !Number.isInteger(n) ||
    n < CHUNK ||
    n % CHUNK !== 0 ||
    !(pacingSeconds > 0) ||
    !(pacingRate > 0) ||
    !Number.isInteger(planN) ||
    planN < 1000
  ) {
    console.error(USAGE);
    process.exit(2);
  }
  console.log(
    `bench:send: ${n.toLocaleString()} subscribers, loopback stand-ins in child processes, at most ${PARALLEL} recipients in progress on the path (two batches at a time share them), the floor with as many`,
  );
  // The path and the floor each run in one process of their own, and take turns 1,000 recipients
  // at a time (path, floor; floor, path; …), so a host whose speed changes from one minute to the
  // next weighs on both alike. Every email counts, the first ones too (V8 compiling hot code).
  const [dynamo, ses] = await Promise.all([
    standIn("dynamo", ["BenchPath", "BenchFloor", "BenchPace", "BenchPlan"]),
    standIn("ses"),
  ]);
  const seedStarted = performance.now();
  for (const table of ["BenchPath", "BenchFloor"]) await seed(dynamo, table, 0, n);
  console.log(
    `seeded: 2 × ${n.toLocaleString()} in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s (BatchWriteItem)`,
  );

  const base = { dynamo, ses, week: "2026-W48", rate: null, parallel: PARALLEL } as const;
  const stopEmptying = keepEmpty(ses);
  const pathSide = await startSide({ ...base, mode: "path", table: "BenchPath" });
  const floorSide = await startSide({ ...base, mode: "floor", table: "BenchFloor" });
  for (const [name, side] of [
    ["path", pathSide],
    ["floor", floorSide],
  ] as const) {
    if (side.ready.recipients !== n) {
      throw new Error(`the ${name} has ${side.ready.recipients} recipients to send, not ${n}`);
    }
  }
  // The same concurrency: both sides are given PARALLEL (base), the floor's workers and the path's
  // limit of recipients in progress.
  const command = { chunk: CHUNK };
  const turns: { path: ChunkOutput; floor: ChunkOutput }[] = [];
  for (let i = 0; i < n / CHUNK; i += 1) {
    if (i % 2 === 0) {
      const p = await pathSide.chunk(command);
      turns.push({ path: p, floor: await floorSide.chunk(command) });
    } else {
      const f = await floorSide.chunk(command);
      turns.push({ path: await pathSide.chunk(command), floor: f });
    }
  }
  // Both processes idle a moment before they are read, so work left behind by either side's last
  // turn is counted alike.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const [path, floor] = await Promise.all([pathSide.end(), floorSide.end()]);
  await stopEmptying();
  const complete = sentAll(path, n) && floor.sent === n;
  console.log(
    `floor (claim + SendEmail + mark, nothing else): ${floor.sent.toLocaleString()} in ${(floor.durationMs / 1000).toFixed(1)} s = ${floor.emailsPerSecond.toFixed(0)} emails/s, ${ms(floor.cpuMsPerEmail)} CPU per email, SendEmail calls made again ${floor.sesRetries}`,
  );
  console.log(
    `path (npm run send / the Lambdas): ${path.sent.toLocaleString()} in ${(path.durationMs / 1000).toFixed(1)} s = ${path.emailsPerSecond.toFixed(0)} emails/s, peak RSS ${mb(path.peakRss)}, ${unsent(path.report)}`,
  );
  console.log(
    `recipients in progress at once (claim → mark, time-weighted): path ${path.meanInProgress.toFixed(0)}, floor ${floor.meanInProgress.toFixed(0)}`,
  );
  const ratio = path.emailsPerSecond / floor.emailsPerSecond;
  console.log(
    `sender CPU per email: ${path.cpuMsPerEmail.toFixed(2)} ms (every email of its process, the first ones too)`,
  );
  console.log(
    `planner CPU per email (before the timed sending, as the floor reads its list first): ${(path.planning?.cpuMsPerEmail ?? 0).toFixed(2)} ms`,
  );
  const perEmail = (xs: ChunkOutput[]) =>
    xs.reduce((sum, x) => sum + x.cpuMs, 0) /
    Math.max(
      1,
      xs.reduce((sum, x) => sum + x.sent, 0),
    );
  const later = turns.slice(1);
  console.log(
    `  the first ${CHUNK.toLocaleString()} (V8 compiling hot code): path ${ms(perEmail(turns.slice(0, 1).map((t) => t.path)))} CPU per email, floor ${ms(perEmail(turns.slice(0, 1).map((t) => t.floor)))}; the rest: path ${ms(perEmail(later.map((t) => t.path)))}, floor ${ms(perEmail(later.map((t) => t.floor)))}`,
  );
  // A sender container's share of a send: SENDER_CONCURRENCY containers split it, each from its
  // first email.
  const share = Math.max(1, Math.round(n / SENDER_CONCURRENCY / CHUNK));
  console.log(
    `  a process's first ${(share * CHUNK).toLocaleString()} emails (one of ${SENDER_CONCURRENCY} sender containers' share of this send, each from its first email; CPU within its turns): path ${ms(perEmail(turns.slice(0, share).map((t) => t.path)))} CPU per email, floor ${ms(perEmail(turns.slice(0, share).map((t) => t.floor)))}`,
  );
  console.log(
    `  CPU per email, turn by turn: path ${turns.map((t) => (t.path.cpuMs / t.path.sent).toFixed(2)).join(" ")}; floor ${turns.map((t) => (t.floor.cpuMs / t.floor.sent).toFixed(2)).join(" ")}`,
  );
  console.log(`ratio to the floor: ${ratio.toFixed(2)}`);
  const ratios = turns.map((t) => t.path.sent / t.path.ms / (t.floor.sent / t.floor.ms));
  const sorted = [...ratios].sort((x, y) => x - y);
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2 === 1
      ? (sorted[Math.floor(middle)] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  console.log(
    `  turn by turn (${ratios.length} turns of ${CHUNK.toLocaleString()} each, in order): ${ratios.map((r) => r.toFixed(2)).join(" ")}; median ${median.toFixed(2)}`,
  );
  // The floor's own cost taken apart: its three SDK calls, and the same requests without the
  // SDK, at the same concurrency.
  const calls = await measureCalls(
    {
      dynamo,
      ses,
      table: "BenchPace",
      parallel: Math.max(1, Math.round(path.meanInProgress)),
      calls: 2000,
    },
    ses,
  );
  const sdkPerEmail = 2 * calls.updateItem.sdk + calls.sendEmail.sdk;
  const httpPerEmail = 2 * calls.updateItem.http + calls.sendEmail.http;
  console.log(
    `one SDK call, each kind run alone, CPU in the sending process (the same request by node:http alone): UpdateItem ${ms(calls.updateItem.sdk)} (${ms(calls.updateItem.http)}), SendEmail ${ms(calls.sendEmail.sdk)} (${ms(calls.sendEmail.http)}); the floor's 2 UpdateItem + 1 SendEmail: ${ms(sdkPerEmail)} per email (${ms(httpPerEmail)} without the SDK)`,
  );
  const u = path.unrecorded;
  if (u) {
    console.log(
      `SES accepted → recorded, unpaced (the only window where a crash could send twice; DynamoDB saturated): p50 ${ms(u.p50)}, p99 ${ms(u.p99)}, max ${ms(u.max)}`,
    );
  }

  const limit = Math.round(pacingRate * pacingSeconds * 0.9);
  await seed(dynamo, "BenchPace", 0, limit);
  const stopEmptyingPaced = keepEmpty(ses);
  const pacedSide = await startSide({
    ...base,
    mode: "path",
    table: "BenchPace",
    rate: pacingRate,
  });
  await pacedSide.chunk({ chunk: limit });
  const paced = await pacedSide.end();
  await stopEmptyingPaced();
  const pacedComplete = pacedSide.ready.recipients === limit && sentAll(paced, limit);
  const aimed = pacingRate * 0.9;
  const achieved = (paced.sent - 1) / (paced.sendWindowMs / 1000);
  const pacingError = achieved / aimed - 1;
  console.log(
    `pacing at a limit of ${pacingRate}/s: ${paced.sent} sent over ${(paced.sendWindowMs / 1000).toFixed(2)} s → ${achieved.toFixed(2)}/s vs an aim of ${aimed}/s (${(pacingError * 100).toFixed(2)}%), busiest second ${paced.busiestSecond} calls`,
  );
  const pu = paced.unrecorded;
  if (pu) {
    console.log(
      `SES accepted → recorded at ${aimed}/s (a production pace): p50 ${ms(pu.p50)}, p99 ${ms(pu.p99)}, max ${ms(pu.max)}`,
    );
  }

  // One hourly planning pass over planN readers due evenly over the week, against a full read.
  const monday = new Date("2026-11-23T07:00:00.000Z");
  const seededPlan = await seed(dynamo, "BenchPlan", 0, planN, monday);
  const planStore = new DynamoStore({
    tableName: "BenchPlan",
    shards: ACTIVE_SHARDS,
    clientOptions: { endpoint: dynamo, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
  });
  const planPass = async (week?: string) => {
    const started = performance.now();
    const report = await plan({
      store: planStore,
      queue: { sendAll: async () => {} },
      tips: inOrder(bundle.tips),
      ...(week ? { week } : {}),
      runId: "bench-plan",
      now: new Date(monday.getTime() + 30 * 60_000),
      schedule: { defaultTimeZone: "UTC", slot: { weekday: 1, hour: 7 } },
      batchSize: 100,
      staleClaimSeconds: 960,
      dryRun: true,
    });
    return { ms: performance.now() - started, read: report.active };
  };
  const hourly = await planPass();
  const full = await planPass("2026-W48");
  console.log(
    `planning pass at ${planN.toLocaleString()} readers (seeded in ${(seededPlan / 1000).toFixed(1)} s, due evenly over the week): the hourly pass reads ${hourly.read.toLocaleString()} due in ${ms(hourly.ms)}; reading everyone would take ${ms(full.ms)} for ${full.read.toLocaleString()} (${(full.ms / hourly.ms).toFixed(0)}×)`,
  );

  const cold = [];
  for (const entry of ["functions/events/send-batch.ts", "functions/http/api.ts"]) {
    const c = await coldStart(entry);
    cold.push(c);
    console.log(
      `cold start ${entry}: import ${ms(c.importMs)} (median of 5 fresh processes), bundle ${kb(c.bytes)}`,
    );
  }

  console.log("\nsummary vs aims");
  if (!complete) {
    console.log(
      `  ${verdict(false)} every recipient sent on both sides: path ${path.sent}, floor ${floor.sent} of ${n}; the path's ${unsent(path.report)}`,
    );
  }
  console.log(
    `  ${verdict(complete && ratio >= AIMS.ratioToFloor)} ratio to the floor ${ratio.toFixed(2)} (aim ≥ ${AIMS.ratioToFloor}): ${path.emailsPerSecond.toFixed(0)} vs ${floor.emailsPerSecond.toFixed(0)} emails/s`,
  );
  console.log(
    `  ${verdict(complete && path.cpuMsPerEmail <= AIMS.cpuMsPerEmail)} sender CPU per email ${path.cpuMsPerEmail.toFixed(2)} ms (aim ≤ ${AIMS.cpuMsPerEmail}; the floor's ${floor.cpuMsPerEmail.toFixed(2)} ms, its three SDK calls alone ${sdkPerEmail.toFixed(2)} ms)`,
  );
  console.log(
    `  ${verdict(pacedComplete && paced.busiestSecond <= pacingRate && Math.abs(pacingError) <= AIMS.pacingError)} pacing (${paced.sent} of ${limit} sent): busiest second ${paced.busiestSecond} ≤ ${pacingRate}, rate ${(pacingError * 100).toFixed(2)}% from the aim (±3%)`,
  );
  for (const c of cold) {
    console.log(
      `  ${verdict(c.importMs <= AIMS.importMs && c.bytes <= AIMS.bundleBytes)} ${c.entry}: import ${ms(c.importMs)} (aim ≤ ${AIMS.importMs}), bundle ${kb(c.bytes)} (aim ≤ 1 MB)`,
    );
  }
  const minutes = (performance.now() - benchStarted) / 60_000;
  console.log(
    `  ${verdict(minutes < AIMS.totalMinutes)} the whole bench in ${minutes.toFixed(1)} min (aim < ${AIMS.totalMinutes})`,
  );
  cleanup();
  return allMet;
}

main().then(
  // Exits 1 when an aim was missed, so a script can tell a failed run from a passing one.
  (met) => process.exit(met ? 0 : 1),
  (error: unknown) => {
    console.error(error);
    cleanup();
    process.exit(1);
  },
);
