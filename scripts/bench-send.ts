/**
 * `npm run bench:send [-- --rate 50 --seconds 20 --readers 100000]`: what a weekly send feels
 * like, on the local stand-ins in this process. It prints, and judges nothing:
 *   - a paced send as `npm run send` makes it: emails/s against the MaxSendRate it is given,
 *     and the most SES calls that started within any one second;
 *   - one hourly planner pass over --readers readers due evenly over the week;
 *   - the sender's and the API's bundles: size, and import time in a fresh process (cold start).
 * docs/performance.md keeps the current figures.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { ACTIVE_SHARDS, DynamoTable, toItem } from "../functions/adapters/dynamo-table.js";
import { MemoryQueue } from "../functions/adapters/memory-queue.js";
import { systemClock } from "../functions/adapters/system.js";
import { keyedHashes } from "../functions/core/email.js";
import { plan, type SendBatch } from "../functions/core/planner.js";
import type { Mailer } from "../functions/core/ports.js";
import { sendInProcess } from "../functions/core/send-run.js";
import { inOrder } from "../functions/core/sequence.js";
import type { Subscriber } from "../functions/core/types.js";
import { bundle } from "../functions/generated/content.js";
import { busiestWindow } from "./bench/windows.js";
import { bundleLambda, kb } from "./lambda-bundle.js";
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localEnvironment,
  localStore,
  startLocalAws,
} from "./local/aws.js";
import { LOCAL_ID_KEY } from "./local/keys.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney"];
const SCHEDULE = { defaultTimeZone: "UTC", slot: { weekday: 1, hour: 7 } } as const;
const MONDAY = new Date("2026-11-23T07:00:00.000Z");
const BATCHES = { batchSize: 100, staleClaimSeconds: 960 };

/** Writes `count` active readers, 25 a request; with `dueFrom`, reader i is due i mod 168 h after it. */
async function seed(endpoint: string, tableName: string, count: number, dueFrom?: Date) {
  const clientOptions = { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const { doc } = new DynamoTable({ tableName, shards: ACTIVE_SHARDS, clientOptions });
  const at = "2026-01-05T10:00:00.000Z";
  const reader = (i: number): Subscriber => {
    const email = `bench${i}@example.com`;
    const dueAt = dueFrom && new Date(dueFrom.getTime() + (i % 168) * 3_600_000).toISOString();
    const consent = { at, ip: "127.0.0.1", userAgent: "bench", source: "bench", textVersion: "v1" };
    return {
      ...{
        id: keyedHashes(LOCAL_ID_KEY).subscriberId(email),
        email,
        status: "active",
        consent,
        sentTips: [],
      },
      ...{ createdAt: at, updatedAt: at, confirmedAt: at, ...(dueAt ? { dueAt } : {}) },
      ...(i % 10 === 0 ? {} : { timeZone: ZONES[i % ZONES.length] }),
    };
  };
  let next = 0;
  const writer = async () => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + 25);
      let requests = Array.from({ length: next - from }, (_, k) => ({
        PutRequest: { Item: toItem(reader(from + k), ACTIVE_SHARDS) },
      }));
      while (requests.length > 0) {
        const out = await doc.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
        );
        requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, writer));
  doc.destroy();
}

/** Import time of a Lambda bundled as SST deploys it, median of `runs` fresh processes. */
async function coldStart(entry: string, env: Record<string, string>, runs = 5) {
  const info = await bundleLambda(entry, { write: true });
  const dir = path.join(ROOT, ".artifacts/cold-start");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${path.basename(entry, ".ts")}.mjs`);
  writeFileSync(file, info.code ?? "");
  const child =
    "const t=performance.now();await import(process.argv[1]);process.stdout.write(String(performance.now()-t))";
  const times = Array.from({ length: runs }, () =>
    Number(
      execFileSync(process.execPath, ["--input-type=module", "-e", child, file], {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", NODE_NO_WARNINGS: "1", ...env },
      }),
    ),
  ).sort((a, b) => a - b);
  return { bytes: info.bytes, importMs: times[Math.floor(runs / 2)] as number };
}

async function main() {
  const { values } = parseArgs({
    options: {
      rate: { type: "string", default: "50" },
      seconds: { type: "string", default: "20" },
      readers: { type: "string", default: "100000" },
    },
  });
  const rate = Number(values.rate);
  const readers = Number(values.readers);
  const paced = Math.round(rate * Number(values.seconds) * 0.9);
  if (!(rate > 0) || !(paced > 0) || !Number.isInteger(readers) || readers < 1) {
    console.error("usage: npm run bench:send -- [--rate 50] [--seconds 20] [--readers 100000]");
    return 2;
  }
  const aws = await startLocalAws({ tableName: "BenchSend" });
  try {
    const settings = { maxSendRate: rate };
    const env = localEnvironment(aws, { baseUrl: "https://tips.example.com", extra: settings });
    Object.assign(process.env, env, { LOG_LEVEL: "ERROR" });
    // The wiring of `npm run send` and the Lambdas; the mailer notes when each SES call starts.
    const { buildSendWorker, sendPorts } = await import("../functions/runtime/send-worker.js");
    const ports = sendPorts();
    const starts: number[] = [];
    const send: Mailer["send"] = (email) => {
      starts.push(performance.now());
      return ports.mailer.send(email);
    };
    await seed(aws.dynamoEndpoint, aws.tableName, paced);
    const log = { info: () => {}, warn: console.error, error: console.error };
    const mailer: Mailer = { send, status: () => ports.mailer.status() };
    const worker = await buildSendWorker({ ...ports, mailer }, { workers: 1, log });
    const planning = { ledger: ports.ledger, tips: inOrder(bundle.tips), week: "2026-W48" };
    const report = await sendInProcess({
      planning: { ...planning, runId: "bench", now: new Date(), schedule: SCHEDULE, ...BATCHES },
      queue: new MemoryQueue<SendBatch>({ capacity: 4 }),
      worker,
      clock: systemClock,
    });
    const seconds = ((starts.at(-1) ?? 0) - (starts[0] ?? 0)) / 1000;
    console.log(
      `paced send, MaxSendRate ${rate}/s: ${report.sent} of ${paced} sent at ${((report.sent - 1) / seconds).toFixed(2)} emails/s (the pacer aims at ${report.targetRate.toFixed(1)}); busiest second ${busiestWindow(starts)} calls`,
    );

    await ensureTable(aws.dynamoEndpoint, "BenchPlan");
    await seed(aws.dynamoEndpoint, "BenchPlan", readers, MONDAY);
    const planStarted = performance.now();
    const pass = await plan({
      ledger: localStore(aws.dynamoEndpoint, "BenchPlan").ledger,
      queue: { sendAll: async () => {} },
      tips: inOrder(bundle.tips),
      runId: "bench-plan",
      now: new Date(MONDAY.getTime() + 30 * 60_000),
      schedule: SCHEDULE,
      ...BATCHES,
      dryRun: true,
    });
    console.log(
      `hourly planner pass, ${readers.toLocaleString()} readers due over the week: ${pass.active} due, read in ${(performance.now() - planStarted).toFixed(0)} ms`,
    );

    for (const entry of ["functions/events/send-batch.ts", "functions/http/api.ts"]) {
      const cold = await coldStart(entry, env);
      console.log(
        `${entry}: bundle ${kb(cold.bytes)}, cold start ${cold.importMs.toFixed(0)} ms (median of 5)`,
      );
    }
    return 0;
  } finally {
    await aws.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
