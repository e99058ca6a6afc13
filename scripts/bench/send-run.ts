/**
 * One weekly send in its own process (so its memory is measured alone): the real runWeekly with
 * DynamoStore and SesMailer on the stand-ins. Input: one JSON argument; output: one JSON line with
 * the run report and this process's peak RSS (sampled every 50 ms).
 */
import { Agent } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { DynamoStore } from "../../functions/adapters/dynamo-store.js";
import { ACTIVE_SHARDS } from "../../functions/adapters/dynamo-table.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { SesMailer } from "../../functions/adapters/ses-mailer.js";
import { subscriberId } from "../../functions/core/email.js";
import { type Mailer, type SubscriberStore, systemClock } from "../../functions/core/ports.js";
import { createSigner } from "../../functions/core/tokens.js";
import { runWeekly } from "../../functions/core/weekly.js";
import { bundle } from "../../functions/generated/content.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local/aws.js";

export interface SendRunInput {
  /** "stand-ins": DynamoStore + SesMailer on the stand-ins; "engine": MemoryStore + a counting mailer. */
  mode?: "stand-ins" | "engine";
  /** Subscribers to seed into the MemoryStore (engine mode). */
  seed?: number;
  dynamo: string;
  ses: string;
  table: string;
  week: string;
  /** Emails per second; null = unpaced. */
  rate: number | null;
  limit?: number;
  parallel?: number;
}

export interface SendRunOutput {
  report: Awaited<ReturnType<typeof runWeekly>>;
  peakRss: number;
  startRss: number;
  /** From the first SES call's start to the last one's (the pacer's output), ms. */
  sendWindowMs: number;
}

const input = JSON.parse(process.argv[2] ?? "{}") as SendRunInput;
let peakRss = process.memoryUsage().rss;
const startRss = peakRss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

// Keep-alive sockets, enough for every send in flight (the SDK default is 50 per client).
const handler = () => ({ httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }) });
const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, requestHandler: handler() };

let store: SubscriberStore;
let inner: Mailer;
if (input.mode === "engine") {
  const memory = new MemoryStore(ACTIVE_SHARDS);
  for (let i = 0; i < (input.seed ?? 0); i += 1) {
    const email = `bench${i}@example.com`;
    const at = "2026-01-05T10:00:00.000Z";
    await memory.create({
      id: subscriberId(email),
      email,
      status: "active",
      createdAt: at,
      updatedAt: at,
      consent: { at, ip: "127.0.0.1", userAgent: "bench", source: "bench", textVersion: "v1" },
      sentTips: [],
    });
  }
  store = memory;
  let n = 0;
  inner = {
    send: async () => ({ messageId: `m-${++n}` }),
    quota: async () => undefined,
  };
} else {
  store = new DynamoStore({
    tableName: input.table,
    shards: ACTIVE_SHARDS,
    client: new DynamoDBClient({ ...common, endpoint: input.dynamo }),
  });
  inner = new SesMailer({
    from: "Weekly Strength Tips <tips@example.com>",
    client: new SESv2Client({ ...common, endpoint: input.ses, requestHandler: handler() }),
  });
}
let firstSend = 0;
let lastSend = 0;
const mailer: Mailer = {
  send(email) {
    lastSend = performance.now();
    firstSend ||= lastSend;
    return inner.send(email);
  },
  quota: () => inner.quota(),
};

const report = await runWeekly({
  store,
  mailer,
  signer: createSigner(
    [{ kid: "bench", secret: "bench-signing-secret-0123456789abcdef" }],
    systemClock,
  ),
  clock: systemClock,
  tips: bundle.tips,
  settings: {
    baseUrl: "https://tips.example.com",
    postalAddress: "Strength Tips, 1 Example Street, Springfield 00000",
    batchSize: 100,
    staleClaimMinutes: 60,
    maxSendRate: 14,
    max24HourSend: 10_000_000,
  },
  week: input.week,
  runId: `bench-${input.week}-${Date.now()}`,
  rate: input.rate ?? Number.POSITIVE_INFINITY,
  ...(input.limit !== undefined ? { limit: input.limit } : {}),
  ...(input.parallel !== undefined ? { parallel: input.parallel } : {}),
});
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const output: SendRunOutput = { report, peakRss, startRss, sendWindowMs: lastSend - firstSend };
process.stdout.write(`${JSON.stringify(output)}\n`);
process.exit(0);
