/**
 * The weekly send on the local stand-ins: DynamoStore on dynalite, SesMailer on aws-ses-v2-local
 * (through a throttling proxy where said), the real planner and sender. Exactly once is checked
 * from the SES stand-in's mailbox: every recipient has exactly one email.
 */
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DynamoStore } from "../../functions/adapters/dynamo-store.js";
import { SesMailer } from "../../functions/adapters/ses-mailer.js";
import { systemClock } from "../../functions/core/ports.js";
import type { Subscriber } from "../../functions/core/types.js";
import { type RunWeeklyInput, runWeekly } from "../../functions/core/weekly.js";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalAws,
  localEnvironment,
  localStore,
  startLocalAws,
} from "../../scripts/local/aws.js";
import {
  CrashError,
  countByRecipient,
  crashingStore,
  SETTINGS,
  signer,
  subscriber,
  TIPS,
} from "../support/send-fixtures.js";
import { clearSes, seededRandom, sesEmails, startThrottleProxy } from "../support/ses-local.js";

let aws: LocalAws;
let store: DynamoStore;
let generation = 0;

/** `sdkAttempts: 1` turns the SDK's own retries off, so the sender's backoff handles throttling. */
function sesMailer(endpoint = aws.sesEndpoint, sdkAttempts?: number): SesMailer {
  return new SesMailer({
    from: "Weekly Strength Tips <tips@example.com>",
    client: new SESv2Client({
      endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      ...(sdkAttempts ? { maxAttempts: sdkAttempts } : {}),
    }),
  });
}

/** Fresh subscribers for one test (unique addresses: the table is shared by the file). */
async function seedActive(n: number, extra: Subscriber[] = []): Promise<Subscriber[]> {
  generation += 1;
  const subs = [
    ...Array.from({ length: n }, (_, i) => subscriber(`g${generation}-runner${i}@example.com`)),
    ...extra,
  ];
  for (const s of subs) expect(await store.create(s)).toBe(true);
  return subs;
}

/** A week nobody in the table has been sent yet, so tests in one table stay apart. */
let weekNumber = 10;
function nextWeek(): string {
  weekNumber += 1;
  return `2026-W${String(weekNumber).padStart(2, "0")}`;
}

function input(week: string, overrides: Partial<RunWeeklyInput> = {}): RunWeeklyInput {
  return {
    store,
    mailer: sesMailer(),
    signer,
    clock: systemClock,
    tips: TIPS,
    settings: { ...SETTINGS, batchSize: 7 },
    week,
    runId: `run-${Math.random().toString(36).slice(2)}`,
    parallel: 6,
    ...overrides,
  };
}

async function expectEachOnce(subs: Subscriber[]) {
  const emails = await sesEmails(aws.sesEndpoint);
  const counts = countByRecipient(emails.flatMap((e) => e.destination.to));
  for (const s of subs) expect(counts.get(s.email), s.email).toBe(1);
}

beforeAll(async () => {
  aws = await startLocalAws();
  store = localStore(aws.dynamoEndpoint, aws.tableName);
});

afterAll(async () => {
  await aws?.stop();
});

beforeEach(async () => {
  await clearSes(aws.sesEndpoint);
});

describe("weekly send on dynalite + aws-ses-v2-local", () => {
  it("sends each active subscriber one email with the unsubscribe headers; a rerun sends 0", async () => {
    const week = nextWeek();
    const subs = await seedActive(25, [
      subscriber(`g${generation + 1}-pending@example.com`, { status: "pending" }),
      subscriber(`g${generation + 1}-left@example.com`, { status: "unsubscribed" }),
      subscriber(`g${generation + 1}-bounced@example.com`, { status: "bounced" }),
      subscriber(`g${generation + 1}-complained@example.com`, { status: "complained" }),
    ]);
    const active = subs.slice(0, 25);
    const first = await runWeekly(input(week));
    // Earlier tests' subscribers share the table; this week is new to all of them.
    expect(first.sent).toBeGreaterThanOrEqual(25);
    expect(first.failed + first.deferred).toBe(0);
    await expectEachOnce(active);

    const emails = await sesEmails(aws.sesEndpoint);
    const addresses = new Set(emails.flatMap((e) => e.destination.to));
    for (const s of subs.slice(25)) expect(addresses.has(s.email), s.email).toBe(false);
    for (const email of emails) {
      const lu = (email.headers ?? []).filter((h) => h.name.toLowerCase() === "list-unsubscribe");
      expect(lu).toHaveLength(1);
      const urls = [...(lu[0]?.value ?? "").matchAll(/<([^>]+)>/g)].map((m) => m[1] ?? "");
      expect(urls.filter((u) => u.startsWith("https://"))).toHaveLength(1);
      expect(urls.every((u) => u.startsWith("https://") || u.startsWith("mailto:"))).toBe(true);
      expect(email.headers).toContainEqual({
        name: "List-Unsubscribe-Post",
        value: "List-Unsubscribe=One-Click",
      });
      expect(email.body.html).not.toMatch(/\{\{/);
      expect(email.body.text).not.toMatch(/\{\{/);
    }
    for (const s of active) {
      expect((await store.get(s.id))?.lastWeekSent).toBe(week);
    }

    const rerun = await runWeekly(input(week));
    expect(rerun.sent).toBe(0);
    expect(rerun.skippedAlreadySent).toBe(first.sent);
    expect((await sesEmails(aws.sesEndpoint)).length).toBe(first.sent);
  });

  it("two concurrent runs send each email once", async () => {
    const week = nextWeek();
    const subs = await seedActive(40);
    const [a, b] = await Promise.all([runWeekly(input(week)), runWeekly(input(week))]);
    const total = (await sesEmails(aws.sesEndpoint)).length;
    expect(a.sent + b.sent).toBe(total);
    await expectEachOnce(subs);
  });

  it("a crash after k sends: a rerun skips the crashed claims, a later one sends the rest", async () => {
    const week = nextWeek();
    const subs = await seedActive(30);
    await expect(
      runWeekly(input(week, { store: crashingStore(store, 12) })),
    ).rejects.toBeInstanceOf(CrashError);
    const before = (await sesEmails(aws.sesEndpoint)).length;
    expect(before).toBeGreaterThanOrEqual(12);

    // Inside the stale window: the crashed run's pending claims are reported in flight.
    const rerun = await runWeekly(input(week));
    expect(rerun.inFlight).toBeGreaterThan(0);
    // With a stale window of 0 they are taken over.
    const late = await runWeekly(
      input(week, { settings: { ...SETTINGS, batchSize: 7, staleClaimMinutes: 0 } }),
    );
    expect(late.sent).toBe(rerun.inFlight);
    expect(late.staleRetried).toBe(rerun.inFlight);
    const total = (await sesEmails(aws.sesEndpoint)).length;
    expect(before + rerun.sent + late.sent).toBe(total);
    await expectEachOnce(subs);
  });

  it("20% of SES calls throttled (429 TooManyRequestsException): every email still sent once", async () => {
    const week = nextWeek();
    const subs = await seedActive(60);
    const proxy = await startThrottleProxy(aws.sesEndpoint, 0.2, seededRandom(42));
    try {
      const report = await runWeekly(
        input(week, {
          mailer: sesMailer(proxy.endpoint, 1),
          retry: { attempts: 8, baseMs: 5, maxMs: 50 },
        }),
      );
      expect(proxy.throttled).toBeGreaterThan(5);
      expect(report.sent).toBeGreaterThanOrEqual(60);
      expect(report.deferred).toBe(0);
      expect(report.failed).toBe(0);
    } finally {
      await proxy.close();
    }
    await expectEachOnce(subs);
    const emails = await sesEmails(aws.sesEndpoint);
    expect(new Set(emails.flatMap((e) => e.destination.to)).size).toBe(emails.length);
  });
});

describe("Lambda handlers on the local stack", () => {
  it("the cron handler called twice with the same event sends once", async () => {
    const subs = await seedActive(15);
    Object.assign(
      process.env,
      localEnvironment(aws, {
        baseUrl: "https://tips.example.com",
        queueUrl: "memory://send-queue",
        extra: { maxSendRate: 2000, senderConcurrency: 2 },
      }),
      { LOG_LEVEL: "SILENT", POWERTOOLS_LOG_LEVEL: "SILENT" },
    );
    const { handler: weekly } = await import("../../functions/cron/weekly.js");
    const { handler: sendBatch } = await import("../../functions/events/send-batch.js");
    const { memoryQueue } = await import("../../functions/runtime/queue.js");
    const event = { id: "5f1c-event", time: "2026-12-28T07:00:00Z" }; // 2026-W53
    const first = await weekly(event);
    const second = await weekly(event);
    expect(first.week).toBe("2026-W53");
    expect(second).toMatchObject({ week: "2026-W53", runId: first.runId, planned: first.planned });

    const queue = memoryQueue("memory://send-queue");
    expect(queue.size).toBe(first.batches + second.batches);
    let n = 0;
    await queue.drain(async (batch) => {
      n += 1;
      const result = await sendBatch({
        Records: [{ messageId: `m${n}`, body: JSON.stringify(batch) }],
      } as unknown as Parameters<typeof sendBatch>[0]);
      expect(result.batchItemFailures).toEqual([]);
    });
    await expectEachOnce(subs);
    const emails = await sesEmails(aws.sesEndpoint);
    expect(new Set(emails.flatMap((e) => e.destination.to)).size).toBe(emails.length);
    expect(emails.length).toBe(first.planned);
  });

  it.each([
    ["no time", { id: "e1" }],
    ["a time that is not a date", { id: "e1", time: "next monday" }],
    ["no id", { time: "2026-12-28T07:00:00Z" }],
  ])("refuses a schedule event with %s, and queues nothing", async (_what, event) => {
    const { handler: weekly } = await import("../../functions/cron/weekly.js");
    const { memoryQueue } = await import("../../functions/runtime/queue.js");
    const queued = memoryQueue("memory://send-queue").size;
    await expect(weekly(event as unknown as Parameters<typeof weekly>[0])).rejects.toThrow();
    expect(memoryQueue("memory://send-queue").size).toBe(queued);
  });
});
