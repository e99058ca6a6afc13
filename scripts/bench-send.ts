/**
 * `npm run bench:send [-- --n 100000 --pacing-seconds 30 --pacing-rate 50]`
 *
 * The weekly send's throughput, memory and pacing on this machine, loopback only, bounded in time:
 *   1. starts dynalite and aws-ses-v2-local in two child processes (so they use the other core),
 *   2. seeds 10,000 and N subscribers into two tables (BatchWriteItem),
 *   3. sends one week to each, unpaced, each send in a fresh child process (the real runWeekly,
 *      DynamoStore, SesMailer): emails/s and the sender's peak RSS at 10k and at N,
 *   4. sends at a configured 50/s for 30 s: achieved rate vs configured,
 *   5. bundles the sender Lambda as SST deploys it (scripts/bench/bundle.ts: the AWS SDK external,
 *      from infra/wiring.ts NODEJS_BUNDLE) and prints its size.
 * The SES stand-in keeps every email in memory, so its store is cleared every second.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ACTIVE_SHARDS, activeKey, subscriberKey } from "../functions/adapters/dynamo-table.js";
import { shardOf, subscriberId } from "../functions/core/email.js";
import { bundleLambda, kb } from "./bench/bundle.js";
import type { SendRunInput, SendRunOutput } from "./bench/send-run.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./local/aws.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const HARD_LIMIT_MS = 25 * 60_000;
const AIMS = { emailsPerSecond: 1000, rssRatio: 1.3, pacingError: 0.03, bundleBytes: 300 * 1024 };

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

/** Runs a TypeScript file in a child node process; resolves with its first stdout line. */
async function tsChild(
  file: string,
  args: string[],
  keep: boolean,
): Promise<{ line: string; child: ChildProcess }> {
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
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await Promise.race([
    once(lines, "line").then(([line]) => line as string),
    once(child, "exit").then(([code]) => {
      throw new Error(`${file} exited with ${code} before answering`);
    }),
  ]);
  if (!keep) lines.close();
  return { line: first, child };
}

async function standIn(kind: "dynamo" | "ses", tables: string[] = []): Promise<string> {
  const { line } = await tsChild("scripts/bench/standin.ts", [kind, ...tables], true);
  return (JSON.parse(line) as { endpoint: string }).endpoint;
}

async function seed(endpoint: string, table: string, from: number, to: number): Promise<number> {
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
        items.push({
          PutRequest: {
            Item: {
              ...subscriberKey(id),
              id,
              email,
              ...(i % 2 === 0 ? { firstName: `Runner${i}` } : {}),
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
              gsi1sk: id,
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

async function sendRun(input: SendRunInput, ses: string): Promise<SendRunOutput> {
  // aws-ses-v2-local keeps every email: empty it every second while the run goes on.
  const clearing = setInterval(() => {
    fetch(`${ses}/clear-store`, { method: "POST" }).catch(() => {});
  }, 1000);
  try {
    const { line } = await tsChild("scripts/bench/send-run.ts", [JSON.stringify(input)], false);
    return JSON.parse(line) as SendRunOutput;
  } finally {
    clearInterval(clearing);
    await fetch(`${ses}/clear-store`, { method: "POST" }).catch(() => {});
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const verdict = (ok: boolean) => (ok ? "✓" : "✗");

const USAGE =
  "usage: npm run bench:send -- [--n 100000 (≥ 1000)] [--pacing-seconds 30] [--pacing-rate 50]";

function options() {
  try {
    return parseArgs({
      options: {
        n: { type: "string", default: "100000" },
        "pacing-seconds": { type: "string", default: "30" },
        "pacing-rate": { type: "string", default: "50" },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

async function main() {
  const values = options();
  const n = Number(values.n);
  const pacingSeconds = Number(values["pacing-seconds"]);
  const pacingRate = Number(values["pacing-rate"]);
  if (!Number.isInteger(n) || n < 1000 || !(pacingSeconds > 0) || !(pacingRate > 0)) {
    console.error(USAGE);
    process.exit(2);
  }
  const small = Math.min(10_000, n);
  console.log(
    `bench:send: ${small.toLocaleString()} and ${n.toLocaleString()} subscribers, loopback stand-ins in child processes`,
  );

  const [dynamo, ses] = await Promise.all([
    standIn("dynamo", ["Bench10k", "BenchN"]),
    standIn("ses"),
  ]);
  const seedSmall = await seed(dynamo, "Bench10k", 0, small);
  const seedN = await seed(dynamo, "BenchN", 0, n);
  console.log(
    `seeded: ${small.toLocaleString()} in ${(seedSmall / 1000).toFixed(1)} s, ${n.toLocaleString()} in ${(seedN / 1000).toFixed(1)} s (BatchWriteItem)`,
  );

  const runs: { label: string; out: SendRunOutput }[] = [];
  for (const [label, table, count] of [
    ["10k", "Bench10k", small],
    [n >= 1000 ? `${n / 1000}k` : String(n), "BenchN", n],
  ] as const) {
    const out = await sendRun({ dynamo, ses, table, week: "2026-W48", rate: null }, ses);
    runs.push({ label, out });
    const r = out.report;
    console.log(
      `send ${label}: ${r.sent.toLocaleString()}/${count.toLocaleString()} sent in ${(r.durationMs / 1000).toFixed(1)} s = ${r.rate.toFixed(0)} emails/s, ` +
        `peak RSS ${mb(out.peakRss)} (start ${mb(out.startRss)}), failed ${r.failed}, deferred ${r.deferred}`,
    );
  }

  const limit = Math.round(pacingRate * pacingSeconds);
  const paced = await sendRun(
    { dynamo, ses, table: "BenchN", week: "2026-W49", rate: pacingRate, limit },
    ses,
  );
  const pr = paced.report;
  // Measured between the first and the last SES call (what the pacer controls): `sent` calls span
  // (sent − 1) intervals. The whole run, start-up and planning included, is shown too.
  const achievedRate = (pr.sent - 1) / (paced.sendWindowMs / 1000);
  const pacingError = achievedRate / pacingRate - 1;
  console.log(
    `pacing: ${pr.sent} sent at a configured ${pacingRate}/s over ${(paced.sendWindowMs / 1000).toFixed(2)} s of sending → ${achievedRate.toFixed(2)}/s (${(pacingError * 100).toFixed(2)}%); whole run incl. start-up ${(pr.durationMs / 1000).toFixed(2)} s`,
  );

  // The engine alone (MemoryStore, a mailer that only counts): what the planner and sender cost
  // without the SDK and the stand-ins.
  const engine = await sendRun(
    { mode: "engine", seed: n, dynamo, ses, table: "-", week: "2026-W48", rate: null },
    ses,
  );
  console.log(
    `engine only (in-memory store and mailer): ${engine.report.sent.toLocaleString()} in ${(engine.report.durationMs / 1000).toFixed(1)} s = ${engine.report.rate.toFixed(0)} emails/s`,
  );

  const info = await bundleLambda("functions/events/send-batch.ts");
  const top = info.breakdown
    .slice(0, 6)
    .map(([name, bytes]) => `${name} ${kb(bytes)}`)
    .join(", ");
  console.log(
    `sender bundle: ${kb(info.bytes)} minified, as SST deploys it, SDK external (${top})`,
  );

  const a = runs[0] as { out: SendRunOutput };
  const b = runs[1] as { out: SendRunOutput };
  const big = b.out.report;
  const ratio = b.out.peakRss / a.out.peakRss;
  console.log("\nsummary vs aims");
  console.log(
    `  ${verdict(big.rate >= AIMS.emailsPerSecond)} throughput at ${n.toLocaleString()}: ${big.rate.toFixed(0)} emails/s (aim ≥ ${AIMS.emailsPerSecond})`,
  );
  console.log(
    `  ${verdict(ratio <= AIMS.rssRatio)} peak RSS ${mb(b.out.peakRss)} at ${n.toLocaleString()} vs ${mb(a.out.peakRss)} at 10k = ${ratio.toFixed(2)}× (aim ≤ ${AIMS.rssRatio}×)`,
  );
  console.log(
    `  ${verdict(Math.abs(pacingError) <= AIMS.pacingError)} pacing ${achievedRate.toFixed(2)}/s vs ${pacingRate}/s = ${(pacingError * 100).toFixed(2)}% (aim ±3%)`,
  );
  console.log(
    `  ${verdict(info.bytes <= AIMS.bundleBytes)} sender bundle ${kb(info.bytes)} (aim ≤ ${kb(AIMS.bundleBytes)})`,
  );
  cleanup();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    cleanup();
    process.exit(1);
  },
);
