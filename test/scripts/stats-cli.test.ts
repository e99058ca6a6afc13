/** `npm run stats` on dynalite: the counters as JSON and as a table, and what bad input gets. */
import { createServer } from "node:net";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIVE_SHARDS, DynamoTable, statsKey } from "../../functions/adapters/dynamo-table.js";
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalAws,
  localStore,
  startLocalAws,
} from "../../scripts/local/aws.js";
import { main as stats } from "../../scripts/stats.js";
import { runMain } from "../support/cli.js";
import { subscriber } from "../support/send-fixtures.js";

const T0 = new Date("2026-12-07T09:00:00.000Z"); // 2026-W50

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
  const store = localStore(aws.dynamoEndpoint, aws.tableName);
  const consent = {
    at: T0.toISOString(),
    ip: "1.1.1.1",
    userAgent: "t",
    source: "t",
    textVersion: "v",
  };
  const pending = subscriber("stats.pending@example.org", { status: "pending", consent });
  const reader = subscriber("stats.reader@example.org", { status: "pending", consent });
  await store.create(pending);
  await store.create(reader);
  await store.activate(reader.id, T0, "192.0.2.1");
  const request = { week: "2026-W50", tip: "squats", runId: "r", now: T0, staleBefore: T0 };
  expect(await store.claim(reader.id, request)).toBe("claimed");
  await store.markSent(reader.id, "2026-W50", "squats", "r", "m-1", T0, new Date("2026-12-14"));
  await store.markDelivered(reader.id, "2026-W50");
});
afterAll(async () => {
  await aws?.stop();
});

const local = () => ({ DYNAMODB_ENDPOINT: aws.dynamoEndpoint });

describe("npm run stats", () => {
  it("--json prints every counter in the agreed shape", async () => {
    const result = await runMain(stats, ["--json", "--table", aws.tableName], local());
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      readers: {
        pending: 1,
        active: 1,
        paused: 0,
        finished: 0,
        unsubscribed: 0,
        bounced: 0,
        complained: 0,
      },
      weeks: [
        {
          week: "2026-W50",
          sent: 1,
          delivered: 1,
          bounced: 0,
          complained: 0,
          left: 0,
          signups: 2,
          confirmations: 1,
        },
      ],
      tips: [{ slug: "squats", sent: 1, clicks: 0, left: 0, complained: 0 }],
    });
  });

  it("the plain form is a short table: readers, then weeks, then tips", async () => {
    const result = await runMain(stats, ["--table", aws.tableName], local());
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^Readers: pending 1, active 1, .*\(2 in all\)$/);
    expect(lines.find((l) => l.startsWith("2026-W50"))?.split(/\s+/)).toEqual([
      "2026-W50",
      "1",
      "1",
      "0",
      "0",
      "0",
      "2",
      "1",
    ]);
    expect(lines.find((l) => l.startsWith("squats"))?.split(/\s+/)).toEqual([
      "squats",
      "1",
      "0",
      "0",
      "0",
    ]);
  });

  it.each([
    [["--jsn"], /Unknown option '--jsn'/],
    [["extra"], /Unexpected argument 'extra'/],
    [["--stage", "production"], /--stage needs --table/],
    [["--stage", "", "--table", "t1x"], /--stage needs a stage name/],
    [["--weeks", "0"], /--weeks takes a whole number/],
    [["--weeks"], /argument missing/],
    [["--table", "no tables/here"], /is not a DynamoDB table name/],
  ])("bad usage %j: one line on stderr, exit 2", async (argv, message) => {
    const result = await runMain(stats, argv, local());
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it("a table that is not there, or no stack listening: one line, exit 1", async () => {
    const missing = await runMain(stats, ["--table", "NoSuchTable"], local());
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe("There is no table named NoSuchTable there.");
    // A port nobody listens on: taken, then let go.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const down = await runMain(stats, [], { DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}` });
    expect(down.status).toBe(1);
    expect(down.stderr.trim().split("\n")).toHaveLength(1);
    expect(down.stderr).toMatch(/is `npm start` running\?/);
  });
});

describe("npm run stats at a million readers", () => {
  it("reads only the counter items: two years of weeks and 150 tips in a few Queries", async () => {
    const tableName = "StatsAtScale";
    await ensureTable(aws.dynamoEndpoint, tableName);
    const table = new DynamoTable({
      tableName,
      shards: ACTIVE_SHARDS,
      clientOptions: {
        endpoint: aws.dynamoEndpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      },
    });
    // What two years of sends to 1,000,000 readers leave: per shard, the readers' states, a row
    // for each of 104 weeks and for each of 150 tips.
    const perShard = 1_000_000 / ACTIVE_SHARDS;
    const items: Record<string, unknown>[] = [];
    for (let shard = 0; shard < ACTIVE_SHARDS; shard += 1) {
      items.push({ ...statsKey(shard, "READERS"), active: perShard - 100, paused: 100 });
      for (let w = 1; w <= 104; w += 1) {
        const week = `${w <= 52 ? 2025 : 2026}-W${String(((w - 1) % 52) + 1).padStart(2, "0")}`;
        items.push({
          ...statsKey(shard, `WEEK#${week}`),
          sent: perShard,
          delivered: perShard - 10,
        });
      }
      for (let t = 0; t < 150; t += 1) {
        items.push({
          ...statsKey(shard, `TIP#tip-${String(t).padStart(3, "0")}`),
          sent: 1000,
          clicks: 7,
        });
      }
    }
    for (let i = 0; i < items.length; i += 25) {
      const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      await table.doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } }));
    }
    const started = performance.now();
    const result = await runMain(stats, ["--json", "--table", tableName], local());
    const elapsed = performance.now() - started;
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.readers.active + report.readers.paused).toBe(1_000_000);
    expect(report.weeks).toHaveLength(104);
    expect(report.weeks[103]).toMatchObject({ week: "2026-W52", sent: 1_000_000 });
    expect(report.tips).toHaveLength(150);
    expect(report.tips[0]).toMatchObject({ slug: "tip-000", sent: 16_000, clicks: 112 });
    console.log(
      `npm run stats, 1,000,000 readers, ${items.length} counter items: ${Math.round(elapsed)} ms`,
    );
    // Well under a second here; the margin is for a busy test machine.
    expect(elapsed).toBeLessThan(3_000);
  }, 60_000);
});
