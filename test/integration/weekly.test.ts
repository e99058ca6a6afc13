/**
 * The weekly send on the local stand-ins, through the production builders: the DynamoDB adapters,
 * and the mailer and signer of functions/runtime/* (so the SES client is exactly the one the
 * Lambdas build: no SDK retries), the cron and send-batch handlers, and `npm run send`'s main(). All SES traffic goes
 * through a loopback proxy in front of aws-ses-v2-local that records every SendEmail call and can
 * answer like SES does under pressure (429, daily quota). Exactly once is checked from the SES
 * stand-in's mailbox.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Context, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { realSleep, systemClock } from "../../functions/adapters/system.js";
import type { SendBatch } from "../../functions/core/planner.js";
import type { Clock } from "../../functions/core/ports.js";
import type { Subscriber } from "../../functions/core/types.js";
import { busiestWindow } from "../../scripts/bench/windows.js";
import {
  type LocalAws,
  localEnvironment,
  localStore,
  startLocalAws,
} from "../../scripts/local/aws.js";
import {
  countByRecipient,
  deliverRecords,
  recordingLog,
  runWeek,
  SCHEDULE,
  subscriber,
  VirtualClock,
} from "../support/send-fixtures.js";
import {
  clearSes,
  isSendEmail,
  type ProxyAnswer,
  SES_ACCOUNT,
  type SesProxy,
  seededRandom,
  sesEmails,
  startSesProxy,
  THROTTLED,
  withSesAccount,
} from "../support/ses-local.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

let aws: LocalAws;
let proxy: SesProxy;
let env: Record<string, string>;
/** How the proxy answers SendEmail right now (undefined: pass it to the stand-in). */
let answerSend: (() => ProxyAnswer | undefined) | undefined;
let runtime: {
  store: typeof import("../../functions/runtime/store.js");
  mailer: typeof import("../../functions/runtime/mailer.js");
};
let generation = 0;

/** Fresh subscribers for one test (unique addresses: the table is shared by the file). */
async function seedActive(n: number, extra: Subscriber[] = []): Promise<Subscriber[]> {
  generation += 1;
  const subs = [
    ...Array.from({ length: n }, (_, i) => subscriber(`g${generation}-runner${i}@example.com`)),
    ...extra,
  ];
  const store = localStore(aws.dynamoEndpoint, aws.tableName);
  for (const s of subs) expect(await store.create(s)).toBe(true);
  return subs;
}

/** A week nobody in the table has been sent yet, so tests in one table stay apart. */
let weekNumber = 10;
function nextWeek(): string {
  weekNumber += 1;
  return `2026-W${String(weekNumber).padStart(2, "0")}`;
}

/**
 * One week through planner → in-process queue → send worker, on the production adapters. With a
 * virtual clock, pacing and backoffs wait in virtual time, and `starts` gets each SES call's
 * start on it.
 */
function send(
  week: string,
  options: { clock?: Clock; maxSendRate?: number; virtual?: VirtualClock; starts?: number[] } = {},
) {
  const { virtual, starts } = options;
  const mailer = runtime.mailer.sendWorkerMailer();
  return runWeek({
    store: localStore(aws.dynamoEndpoint, aws.tableName),
    mailer: {
      send: (email) => {
        if (virtual) starts?.push(virtual.ms);
        return mailer.send(email);
      },
      status: () => mailer.status(),
    },
    clock: virtual ?? options.clock ?? systemClock,
    sleep: virtual?.sleep ?? realSleep,
    random: Math.random,
    week,
    settings: {
      batchSize: 7,
      maxSendRate: options.maxSendRate ?? Number.POSITIVE_INFINITY,
    },
  });
}

/** `npm run send` with `args`, in this process; what it prints is kept for the test, not shown. */
async function sendCli(args: string[]): Promise<{ code: number; out: string; errors: string }> {
  const { main } = await import("../../scripts/send.js");
  const out: string[] = [];
  const errors: string[] = [];
  const quiet = { log: console.log, error: console.error };
  console.log = (...parts: unknown[]) => out.push(parts.join(" "));
  console.error = (...parts: unknown[]) => errors.push(parts.join(" "));
  try {
    const code = await main(args);
    return { code, out: out.join("\n"), errors: errors.join("\n") };
  } finally {
    Object.assign(console, quiet);
  }
}

async function mailTo(subs: Subscriber[]): Promise<Map<string, number>> {
  const wanted = new Set(subs.map((s) => s.email));
  const emails = await sesEmails(aws.sesEndpoint);
  return countByRecipient(emails.flatMap((e) => e.destination.to).filter((to) => wanted.has(to)));
}

async function expectEachOnce(subs: Subscriber[]) {
  const counts = await mailTo(subs);
  for (const s of subs) expect(counts.get(s.email), s.email).toBe(1);
}

beforeAll(async () => {
  aws = await startLocalAws();
  proxy = await startSesProxy(aws.sesEndpoint, (r) =>
    isSendEmail(r) && answerSend ? answerSend() : undefined,
  );
  env = {
    ...localEnvironment(
      { ...aws, sesEndpoint: proxy.endpoint },
      {
        baseUrl: "https://tips.example.com",
        queueUrl: "memory://send-queue",
        // The stand-in has no account quota: the settings' rate applies (unpaced here).
        extra: { maxSendRate: 10_000 },
      },
    ),
    LOG_LEVEL: "SILENT",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
  };
  Object.assign(process.env, env);
  runtime = {
    store: await import("../../functions/runtime/store.js"),
    mailer: await import("../../functions/runtime/mailer.js"),
  };
});

afterAll(async () => {
  await proxy?.close();
  await aws?.stop();
});

beforeEach(async () => {
  answerSend = undefined;
  proxy.calls.length = 0;
  await clearSes(aws.sesEndpoint);
});

describe("weekly send on dynalite + aws-ses-v2-local, production client configuration", () => {
  it("sends each active subscriber one email with the unsubscribe headers; a rerun sends 0", async () => {
    const week = nextWeek();
    const subs = await seedActive(25, [
      subscriber(`g${generation + 1}-pending@example.com`, { status: "pending" }),
      subscriber(`g${generation + 1}-left@example.com`, { status: "unsubscribed" }),
      subscriber(`g${generation + 1}-bounced@example.com`, { status: "bounced" }),
      subscriber(`g${generation + 1}-complained@example.com`, { status: "complained" }),
    ]);
    const active = subs.slice(0, 25);
    const first = await send(week);
    expect(first.sent).toBeGreaterThanOrEqual(25);
    expect(first.failed + first.deferred).toBe(0);
    await expectEachOnce(active);
    const counts = await mailTo(subs.slice(25));
    expect(counts.size).toBe(0);

    for (const email of await sesEmails(aws.sesEndpoint)) {
      const lu = (email.headers ?? []).filter((h) => h.name.toLowerCase() === "list-unsubscribe");
      expect(lu).toHaveLength(1);
      const urls = [...(lu[0]?.value ?? "").matchAll(/<([^>]+)>/g)].map((m) => m[1] ?? "");
      expect(urls.filter((u) => u.startsWith("https://"))).toHaveLength(1);
      expect(email.headers).toContainEqual({
        name: "List-Unsubscribe-Post",
        value: "List-Unsubscribe=One-Click",
      });
      expect(email.body.html).not.toMatch(/\{\{/);
      expect(email.body.text).not.toMatch(/\{\{/);
    }
    const store = runtime.store.subscriberStore();
    for (const s of active) expect((await store.get(s.id))?.lastWeekSent).toBe(week);

    const rerun = await send(week);
    expect(rerun.sent).toBe(0);
    expect(rerun.skippedAlreadySent).toBeGreaterThanOrEqual(25);
    await expectEachOnce(active);
  });

  it("two `npm run send` and the confirmation outbox at once share MaxSendRate: no second over it", async () => {
    const week = nextWeek();
    const subs = await seedActive(30);
    const account = { ...SES_ACCOUNT.SendQuota, MaxSendRate: 10 };
    // When each SES call is made, whichever path makes it (the proxy, in this busy process, may
    // see them late).
    const { SesMailer } = await import("../../functions/adapters/ses-mailer.js");
    const send = SesMailer.prototype.send;
    const starts: number[] = [];
    SesMailer.prototype.send = function (this: InstanceType<typeof SesMailer>, email) {
      starts.push(performance.now());
      return send.call(this, email);
    };
    const codes = await withSesAccount({ SendQuota: account }, () =>
      Promise.all([
        sendCli(["--week", week]).then((r) => r.code),
        sendCli(["--week", week]).then((r) => r.code),
        // Confirmations, through the mailer the outbox Lambda sends with.
        Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            runtime.mailer.confirmationMailer().send({
              to: `outbox-${generation}-${i}@example.org`,
              subject: "Confirm your subscription",
              html: "<p>Confirm</p>",
              text: "Confirm",
            }),
          ),
        ).then(() => 0),
      ]),
    ).finally(() => {
      SesMailer.prototype.send = send;
    });
    // A run that met the other's claims in flight says so (4); neither stops.
    for (const code of codes) expect([0, 4]).toContain(code);
    await expectEachOnce(subs);
    expect(starts.length).toBeGreaterThanOrEqual(30 + 10);
    expect(proxy.calls).toHaveLength(starts.length);
    expect(busiestWindow(starts)).toBeLessThanOrEqual(10);
  });

  it("two concurrent runs send each email once", async () => {
    const week = nextWeek();
    const subs = await seedActive(40);
    const [a, b] = await Promise.all([send(week), send(week)]);
    expect(a.sent + b.sent).toBe((await sesEmails(aws.sesEndpoint)).length);
    await expectEachOnce(subs);
  });

  it("readers another run had claimed, sent by it before this run ends: nothing left, exit 0", async () => {
    const week = nextWeek();
    const subs = await seedActive(30);
    const { bundle } = await import("../../functions/generated/content.js");
    const tip = bundle.tips[0]?.slug as string;
    const store = runtime.store.subscriberStore();
    const ledger = localStore(aws.dynamoEndpoint, aws.tableName);
    // Another run (its own process) has claimed ten of them and is sending.
    const theirs = subs.slice(0, 10);
    const now = new Date();
    for (const s of theirs) {
      const request = { week, tip, runId: "other-run", now, staleBefore: new Date(0) };
      expect(await ledger.claim(s.id, request)).toBe("claimed");
    }
    // It records them sent while this run is still sending the other twenty (at 25/s).
    const other = realSleep(400).then(async () => {
      for (const s of theirs) {
        await ledger.markSent(
          s.id,
          week,
          tip,
          "other-run",
          `other-${s.id}`,
          new Date(),
          new Date(Date.now() + 7 * 86_400_000),
        );
      }
    });
    const run = await sendCli(["--week", week, "--rate", "25"]);
    await other;
    expect(run.out).toMatch(/in flight \(another run\) +0\n/);
    expect(run.code, run.out + run.errors).toBe(0);
    expect((await store.get(theirs[0]?.id as string))?.lastWeekSent).toBe(week);
    // Off the list again, so that the table's later --week runs are the size they expect.
    for (const s of subs) await ledger.unsubscribe(s.id, new Date());
  });

  it("readers another run still holds when this run ends: in flight, exit 4", async () => {
    const week = nextWeek();
    const subs = await seedActive(12);
    const { bundle } = await import("../../functions/generated/content.js");
    const tip = bundle.tips[0]?.slug as string;
    const ledger = localStore(aws.dynamoEndpoint, aws.tableName);
    for (const s of subs.slice(0, 4)) {
      const request = { week, tip, runId: "slow-run", now: new Date(), staleBefore: new Date(0) };
      expect(await ledger.claim(s.id, request)).toBe("claimed");
    }
    const run = await sendCli(["--week", week]);
    // Given back, so that the table's later runs do not find them in flight.
    for (const s of subs.slice(0, 4)) await ledger.releaseClaim(s.id, week, "slow-run");
    for (const s of subs) await ledger.unsubscribe(s.id, new Date());
    expect(run.out).toMatch(/in flight \(another run\) +4\n/);
    expect(run.code).toBe(4);
  });

  it("20% of SES calls throttled: never over MaxSendRate in any second, ≤ 6 calls a recipient, each sent once", async () => {
    const week = nextWeek();
    const subs = await seedActive(90);
    const random = seededRandom(42);
    answerSend = () => (random() < 0.2 ? THROTTLED : undefined);
    // Paced and backed off in virtual time: each call's start is noted on that clock.
    const virtual = new VirtualClock(Date.now());
    const starts: number[] = [];
    // The stand-in has no account: the sender falls back to settings.maxSendRate.
    const report = await send(week, { maxSendRate: 30, virtual, starts });
    expect(report.limit).toBe(30);
    const ours = new Set(subs.map((s) => s.email));
    const calls = [...proxy.calls];
    expect(calls.filter((c) => c.status === 429).length).toBeGreaterThan(10);
    expect(starts).toHaveLength(calls.length);
    expect(busiestWindow(starts)).toBeLessThanOrEqual(30);
    const perRecipient = countByRecipient(calls.flatMap((c) => c.to));
    for (const [to, n] of perRecipient) expect(n, to).toBeLessThanOrEqual(6);
    expect(calls.length).toBe(report.sesCalls);
    expect([...perRecipient.keys()].filter((to) => ours.has(to))).toHaveLength(90);
    // A recipient throttled on all six calls (0.2^6 each, about one run in a hundred) is
    // deferred, its claim given back: the next run (SQS's redelivery in AWS) sends it. Nothing lost.
    if (report.deferred > 0) {
      proxy.calls.length = 0;
      const again = await send(week, { maxSendRate: 30, virtual });
      expect(again.sent).toBe(report.deferred);
      for (const [to, n] of countByRecipient(proxy.calls.flatMap((c) => c.to))) {
        expect(n, to).toBeLessThanOrEqual(6);
      }
    }
    await expectEachOnce(subs);
  });
});

describe("replays: an older week after a newer one sends nothing", () => {
  it("through `npm run send -- --week`", async () => {
    const subs = await seedActive(12);
    expect((await sendCli(["--week", "2026-W12", "--rate", "500"])).code).toBe(0);
    expect((await sendCli(["--week", "2026-W13", "--rate", "500"])).code).toBe(0);
    const before = await mailTo(subs);
    for (const s of subs) expect(before.get(s.email)).toBe(2);
    proxy.calls.length = 0;
    expect((await sendCli(["--week", "2026-W12", "--rate", "500"])).code).toBe(0);
    expect((await sendCli(["--week", "2026-W05", "--rate", "500"])).code).toBe(0);
    expect((await sendCli(["--week", "2026-W13", "--rate", "500"])).code).toBe(0);
    expect(proxy.calls).toEqual([]);
    const after = await mailTo(subs);
    for (const s of subs) expect(after.get(s.email)).toBe(2);
  });

  it("through the queue: a dead-lettered batch of an older week, redriven after the next week went out", async () => {
    const { handler: weekly } = await import("../../functions/cron/weekly.js");
    const { handler: sendBatch } = await import("../../functions/events/send-batch.js");
    const { memoryQueue } = await import("../../functions/runtime/queue.js");
    const subs = await seedActive(20);
    const queue = memoryQueue("memory://send-queue");
    const deliver = async (bodies: string[]) => {
      const event = {
        Records: bodies.map((body, i) => ({ messageId: `m${i}`, body })),
      } as unknown as SQSEvent;
      return (await sendBatch(event)).batchItemFailures;
    };
    const drain = async () => {
      const bodies: string[] = [];
      await queue.drain(async (batch) => {
        bodies.push(JSON.stringify(batch));
      });
      return bodies;
    };

    // 2026-W03's batches fail their first deliveries (say DynamoDB was down) and are kept, as
    // the dead-letter queue keeps them; 2026-W04 goes out normally; then W03 is redriven. (Past
    // weeks, after the readers' confirmation: the sender drops a batch of a week not begun.)
    await weekly({ id: "w03", time: "2026-01-12T07:00:00Z" });
    const w03 = await drain();
    await weekly({ id: "w04", time: "2026-01-19T07:00:00Z" });
    expect(await deliver(await drain())).toEqual([]);
    await expectEachOnce(subs);

    proxy.calls.length = 0;
    expect(await deliver(w03)).toEqual([]);
    expect(proxy.calls).toEqual([]);
    await expectEachOnce(subs);
  });
});

describe("each reader's own Monday 07:00, through `npm run send -- --at`", () => {
  it("plans by each reader's zone, shows the hours ahead in a dry run, and sends each once", async () => {
    generation += 1;
    const readers = [
      subscriber(`g${generation}-kiritimati@example.com`, { timeZone: "Pacific/Kiritimati" }),
      subscriber(`g${generation}-la@example.com`, { timeZone: "America/Los_Angeles" }),
    ];
    const store = localStore(aws.dynamoEndpoint, aws.tableName);
    for (const r of readers) expect(await store.create(r)).toBe(true);
    // Sunday 2026-11-15 18:00 UTC: Monday 08:00 of 2026-W47 in Kiritimati; Sunday 10:00 of
    // 2026-W46 in Los Angeles, whose W46 slot passed six days ago and was never sent.
    const at = "2026-11-15T18:00:00Z";
    const dry = await sendCli(["--at", at, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/Dry run for the pass at 2026-11-15T18:00:00.000Z/);
    expect(dry.out).toMatch(/in their 2026-W47/);
    expect(dry.out).toMatch(/readers due per hour, next 24 h/);
    // With the day's quota spent, the pass it shows plans nobody, as the Lambda's would.
    const spent = {
      ...SES_ACCOUNT.SendQuota,
      SentLast24Hours: SES_ACCOUNT.SendQuota.Max24HourSend,
    };
    const refused = await withSesAccount({ SendQuota: spent }, () =>
      sendCli(["--at", at, "--dry-run"]),
    );
    expect(refused.out).toMatch(
      /SES WOULD REFUSE +the weekly send's part of the day's quota is spent/,
    );
    expect(refused.out).toMatch(/would send +0\n/);
    expect(proxy.calls).toEqual([]);
    expect((await sendCli(["--at", at, "--rate", "500"])).code).toBe(0);
    expect((await sendCli(["--at", at, "--rate", "500"])).code).toBe(0);
    await expectEachOnce(readers);
    const sent = new Map(
      (await sesEmails(aws.sesEndpoint)).map((e) => [e.destination.to[0], e.subject]),
    );
    expect(sent.size).toBeGreaterThanOrEqual(2);
    expect((await store.get(readers[0]?.id as string))?.lastWeekSent).toBe("2026-W47");
    expect((await store.get(readers[1]?.id as string))?.lastWeekSent).toBe("2026-W46");
    // Each is due next at their own following Monday 07:00.
    expect((await store.get(readers[0]?.id as string))?.dueAt).toBe("2026-11-22T17:00:00.000Z");
    expect((await store.get(readers[1]?.id as string))?.dueAt).toBe("2026-11-16T15:00:00.000Z");
  });
});

describe("a reader's record the code cannot use", () => {
  it("is set aside with an ERROR naming its key: `npm run send` and the planner send everyone else", async () => {
    generation += 1;
    const bad = [
      subscriber(`g${generation}-mars@example.com`, { timeZone: "Mars/Olympus" }),
      subscriber(`g${generation}-slot@example.com`, { deliverySlot: "Fri 9am" }),
    ];
    const subs = await seedActive(6, bad);
    const good = subs.filter((s) => !bad.includes(s));
    const run = await sendCli(["--week", nextWeek(), "--rate", "500"]);
    expect(run.code, run.errors).toBe(0);
    await expectEachOnce(good);
    expect((await mailTo(bad)).size).toBe(0);
    expect(run.out).toMatch(/set aside \(bad record\) +[1-9]/);
    for (const s of bad) expect(run.errors).toContain(`SUB#${s.id}`);
    expect(run.errors).toMatch(/reader set aside .*timeZone/);

    // The hourly planner's pass reads them too (due now), plans the rest, not throwing, logs each
    // at ERROR and counts them in ReadersSetAside (Powertools: the log to stderr, EMF to stdout).
    const { handler: weekly } = await import("../../functions/cron/weekly.js");
    let report: Awaited<ReturnType<typeof weekly>> | undefined;
    const logged = await lambdaOutput("ERROR", async () => {
      report = await weekly({ id: `bad-${generation}`, time: new Date().toISOString() });
    });
    if (!report) throw new Error("the planner returned nothing");
    expect(report.setAside).toBeGreaterThanOrEqual(bad.length);
    for (const s of bad) {
      expect(logged).toContainEqual(
        expect.objectContaining({
          level: "ERROR",
          message: "reader set aside",
          key: `SUB#${s.id}`,
        }),
      );
    }
    const emf = logged.find((l) => "_aws" in l && "ReadersSetAside" in l);
    expect(emf).toMatchObject({ ReadersSetAside: report.setAside, service: "records" });
    const { memoryQueue } = await import("../../functions/runtime/queue.js");
    await memoryQueue("memory://send-queue").drain(async () => {});
    // Out of the later tests' way.
    const store = localStore(aws.dynamoEndpoint, aws.tableName);
    for (const s of bad) await store.unsubscribe(s.id, new Date());
  });
});

describe("Ctrl-C during `npm run send`", () => {
  it("as a terminal sends it (to the whole process group, npm forwarding it too): exit 130, the summary, no claim left taken", async () => {
    const week = nextWeek();
    const subs = await seedActive(12);
    // `npm run send` itself, in a process group of its own as a terminal's foreground job.
    const child = spawn("npm", ["run", "--silent", "send", "--", "--week", week, "--rate", "4"], {
      cwd: ROOT,
      env: { ...process.env, ...env, NODE_NO_WARNINGS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      out += chunk;
    });
    // The shell sees 130 either way: our exit code, or npm ended by the signal (128 + 2).
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code, signal) => resolve(signal === "SIGINT" ? 130 : code)),
    );
    while ((await mailTo(subs)).size < 2) await realSleep(50);
    process.kill(-(child.pid as number), "SIGINT");
    expect(await exited).toBe(130);
    expect(out).toMatch(/Weekly send finished:/);
    expect(out).toMatch(/INTERRUPTED: no email started after Ctrl-C/);
    const store = runtime.store.subscriberStore();
    for (const s of subs)
      expect((await store.get(s.id))?.claim?.state, s.email).not.toBe("pending");
    const sent = (await mailTo(subs)).size;
    expect(sent).toBeLessThan(subs.length);
    // The rerun finishes the week: everyone once.
    const rerun = await sendCli(["--week", week]);
    expect(rerun.code).toBe(0);
    await expectEachOnce(subs);
    // Off the list again, so that the table's later --week runs are the size they expect.
    const ledger = localStore(aws.dynamoEndpoint, aws.tableName);
    for (const s of subs) await ledger.unsubscribe(s.id, new Date());
  }, 60_000);
});

describe("crashes and stops", () => {
  it("a sender killed mid-batch: the redelivered batch takes over its stale claims, N delivered exactly once", async () => {
    const subs = await seedActive(12);
    const { bundle } = await import("../../functions/generated/content.js");
    const firstTip = bundle.tips[0]?.slug as string;
    const batch = {
      week: nextWeek(),
      runId: "crash-run",
      recipients: subs.map((s) => ({ id: s.id, email: s.email, tip: firstTip, rev: 0 })),
    };
    const record = JSON.stringify(batch);
    // The real send-batch handler in its own process, paced slowly (5/s, one sender) so that the
    // kill lands while a claim is taken and its SES call is still waiting for a pacer slot.
    const childEnv = {
      ...process.env,
      ...env,
      SST_RESOURCE_Settings: JSON.stringify({
        ...JSON.parse(env.SST_RESOURCE_Settings as string),
        maxSendRate: 5,
        senderConcurrency: 1,
      }),
      NODE_NO_WARNINGS: "1",
    };
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "test/support/send-batch-child.ts"), record],
      { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "inherit"] },
    );
    const k = 4;
    const lines = createInterface({ input: child.stdout });
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(async () => {
        if ((await sesEmails(aws.sesEndpoint)).length >= k) {
          clearInterval(poll);
          // Past the k-th email's markSent, well before the next pacer slot (222 ms apart).
          setTimeout(() => {
            child.kill("SIGKILL");
            resolve();
          }, 60);
        }
      }, 20);
      child.once("exit", (code) => {
        clearInterval(poll);
        if (code !== null) reject(new Error(`the sender exited (${code}) before it was killed`));
      });
    });
    lines.close();
    const store = runtime.store.subscriberStore();
    const states = await Promise.all(subs.map((s) => store.get(s.id)));
    const stranded = states.filter((s) => s?.claim?.state === "pending").length;
    expect(stranded).toBeGreaterThan(0);
    const sentBeforeKill = (await sesEmails(aws.sesEndpoint)).length;
    expect(sentBeforeKill).toBeGreaterThanOrEqual(k);

    // SQS redelivers the record after the visibility timeout; the same worker code runs it, on
    // the production adapters, with the clock at that moment.
    const { createSendWorker } = await import("../../functions/core/send-queue.js");
    const { tipIndex } = await import("../../functions/core/sender.js");
    const { loadKeys, tokenSigner } = await import("../../functions/runtime/keys.js");
    await loadKeys({ tokens: true });
    const { settings } = await import("../../functions/config.js");
    const later = (seconds: number): Clock => ({
      now: () => new Date(Date.now() + seconds * 1000),
    });
    const redeliver = async (clock: Clock) => {
      const worker = await createSendWorker({
        subscribers: store,
        ledger: runtime.store.sendLedger(),
        limits: runtime.store.limits(),
        mailer: runtime.mailer.sendWorkerMailer(),
        signer: tokenSigner(),
        clock,
        sleep: realSleep,
        random: Math.random,
        tips: tipIndex(bundle.tips),
        links: settings(),
        settings: { ...settings(), maxSendRate: 1000 },
        schedule: SCHEDULE,
        workers: 1,
        // Unpaced: a clock minutes ahead must not move the account's schedule for later tests.
        pacerFor: () => ({ limit: Infinity, rate: Infinity, acquire: async () => Date.now() }),
        log: recordingLog().log,
      });
      return deliverRecords(worker, [{ id: "m1", body: record }]);
    };
    const visibility = settings().staleClaimSeconds;
    // Its claims may be younger than the window at the first redelivery: it hands itself back…
    expect(await redeliver(later(visibility - 300))).toEqual(["m1"]);
    // …and the next delivery, one visibility timeout later, takes them over.
    expect(await redeliver(later(2 * visibility))).toEqual([]);
    await expectEachOnce(subs);
  });

  it("SES's daily-quota answer stops `npm run send` at once: no SES call starts after it, exit code 3", async () => {
    const { EXIT } = await import("../../scripts/send.js");
    const { MailStoppedError } = await import("../../functions/core/errors.js");
    await seedActive(60);
    let calls = 0;
    answerSend = () => {
      calls += 1;
      if (calls < 10) return undefined;
      // SES answers a spent daily quota with the throttling exception and this message.
      return {
        status: 429,
        errorType: "TooManyRequestsException",
        body: { message: "Daily message quota exceeded." },
      };
    };
    // Watch the production mailer that main() uses: when each call starts, and when the first
    // stop answer came back.
    const mailer = runtime.mailer.sendWorkerMailer();
    const send = mailer.send.bind(mailer);
    const starts: number[] = [];
    let firstStop = Number.POSITIVE_INFINITY;
    mailer.send = async (email) => {
      starts.push(performance.now());
      try {
        return await send(email);
      } catch (error) {
        if (error instanceof MailStoppedError) firstStop = Math.min(firstStop, performance.now());
        throw error;
      }
    };
    let run: Awaited<ReturnType<typeof sendCli>>;
    try {
      run = await sendCli(["--week", nextWeek(), "--rate", "200"]);
    } finally {
      mailer.send = send;
    }
    expect(run.code).toBe(EXIT.stopped);
    expect(run.errors).toMatch(/SENDING STOPPED \(daily-quota\)/);
    expect(firstStop).toBeLessThan(Number.POSITIVE_INFINITY);
    // Calls already on their way may still come back with the same answer; none may start once
    // the first answer is in (1 ms of grace for callbacks already queued at that instant).
    expect(starts.filter((t) => t > firstStop + 1)).toEqual([]);
    expect(proxy.calls.length).toBe(starts.length);
  });
});

describe("SES refuses the sender itself: a stop, not a failure of each reader", () => {
  it.each([
    [
      "the From identity is not verified",
      "MessageRejected",
      "Email address is not verified. The following identities failed the check in region US-EAST-1: Weekly Strength Tips <tips@example.com>",
    ],
    [
      "the configuration set does not exist",
      "NotFoundException",
      "Configuration set tips does not exist.",
    ],
    [
      "IAM refuses SendEmail (a sandboxed stage, an unverified recipient)",
      "AccessDeniedException",
      "User: arn:aws:sts::123456789012:assumed-role/sender is not authorized to perform: ses:SendEmail on resource: arn:aws:ses:us-east-1:123456789012:identity/runner@example.com",
    ],
  ])(
    "%s: `npm run send` exits 3, nobody's week is spent, the fixed rerun sends everyone once",
    async (_what, errorType, message) => {
      const { EXIT } = await import("../../scripts/send.js");
      const subs = await seedActive(10);
      const week = nextWeek();
      answerSend = () => ({ status: 400, errorType, body: { message } });
      // Slots 50 ms apart: SES's first answer comes back well before one a reader has gone.
      const run = await sendCli(["--week", week, "--rate", "20"]);
      expect(run.code).toBe(EXIT.stopped);
      const reason = errorType === "AccessDeniedException" ? "access-denied" : "sender-refused";
      expect(run.errors).toMatch(new RegExp(`SENDING STOPPED \\(${reason}\\)`));
      // One answer is enough: the calls already under way, not one per reader.
      expect(proxy.calls.length).toBeLessThan(subs.length);
      const store = runtime.store.subscriberStore();
      for (const s of subs)
        expect((await store.get(s.id))?.claim?.state, s.email).not.toBe("failed");

      answerSend = undefined;
      expect((await sendCli(["--week", week, "--rate", "200"])).code).toBe(EXIT.done);
      await expectEachOnce(subs);
    },
  );
});

describe("SES rejects the message itself: a stop with exit 5, not a failure of each reader", () => {
  it("`npm run send` exits 5 and spends nobody's week; the rerun once SES takes it sends everyone once", async () => {
    const { EXIT } = await import("../../scripts/send.js");
    const subs = await seedActive(8);
    const week = nextWeek();
    answerSend = () => ({
      status: 400,
      errorType: "MessageRejected",
      body: { message: "Illegal header value." },
    });
    const run = await sendCli(["--week", week, "--rate", "20"]);
    expect(run.code).toBe(EXIT.badContent);
    expect(run.errors).toMatch(/SENDING STOPPED \(message-rejected\)/);
    expect(proxy.calls.length).toBeLessThan(subs.length);
    const store = runtime.store.subscriberStore();
    for (const s of subs) {
      const claim = (await store.get(s.id))?.claim;
      expect(claim?.week === week ? claim.state : undefined, s.email).toBeUndefined();
    }
    answerSend = undefined;
    expect((await sendCli(["--week", week, "--rate", "200"])).code).toBe(EXIT.done);
    await expectEachOnce(subs);
  });

  it("a test send of it exits 5", async () => {
    answerSend = () => ({
      status: 400,
      errorType: "MessageRejected",
      body: { message: "Illegal header value." },
    });
    const run = await sendCli(["--test", "operator@example.org"]);
    expect(run.code).toBe(5);
    expect(run.errors).toMatch(/rejects the message itself/);
  });
});

describe("Lambda handlers on the local stack", () => {
  it("the cron handler called twice with the same event sends once", async () => {
    const subs = await seedActive(15);
    const { handler: weekly } = await import("../../functions/cron/weekly.js");
    const { handler: sendBatch } = await import("../../functions/events/send-batch.js");
    const { memoryQueue } = await import("../../functions/runtime/queue.js");
    // Monday of 2026-W06: past (the sender drops a week not begun), after the readers confirmed.
    const event = { id: "5f1c-event", time: "2026-02-02T07:00:00Z" };
    const first = await weekly(event);
    const second = await weekly(event);
    // Readers with no zone of their own are in UTC: their Monday 07:00 is the event's hour (a
    // reader of an earlier test in Los Angeles is still in their Sunday of 2026-W05).
    expect(first.byWeek["2026-W06"]).toBeGreaterThanOrEqual(15);
    expect(Object.values(first.byWeek).reduce((a, b) => a + b, 0)).toBe(first.planned);
    expect(second).toMatchObject({ runId: first.runId, planned: first.planned });

    const queue = memoryQueue("memory://send-queue");
    expect(queue.size).toBe(first.batches + second.batches);
    let n = 0;
    await queue.drain(async (batch) => {
      n += 1;
      const result = await sendBatch({
        Records: [{ messageId: `m${n}`, body: JSON.stringify(batch) }],
      } as unknown as SQSEvent);
      expect(result.batchItemFailures).toEqual([]);
    });
    await expectEachOnce(subs);
    const emails = await sesEmails(aws.sesEndpoint);
    expect(new Set(emails.flatMap((e) => e.destination.to)).size).toBe(emails.length);
    expect(emails.length).toBe(first.planned);
  });

  it("the sender Lambda hands back a record it could not finish, and only that one", async () => {
    const { handler: sendBatch } = await import("../../functions/events/send-batch.js");
    const { bundle } = await import("../../functions/generated/content.js");
    const tip = bundle.tips[0]?.slug as string;
    const week = nextWeek();
    const [busy, free] = await seedActive(2);
    const store = runtime.store.sendLedger();
    // Another sender holds a fresh claim on `busy`: in flight, so its batch must come again.
    expect(
      await store.claim(busy?.id as string, {
        week,
        tip,
        runId: "other-run",
        now: new Date(),
        staleBefore: new Date(0),
      }),
    ).toBe("claimed");
    const body = (s: Subscriber | undefined) =>
      JSON.stringify({
        week,
        runId: "lambda-run",
        recipients: [{ id: s?.id, email: s?.email, tip }],
      });
    const result = await sendBatch({
      Records: [
        { messageId: "busy", body: body(busy) },
        { messageId: "free", body: body(free) },
        { messageId: "junk", body: "{not json" },
      ],
    } as unknown as SQSEvent);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "busy" }]);
    expect((await mailTo([free as Subscriber])).get(free?.email as string)).toBe(1);
    expect((await mailTo([busy as Subscriber])).size).toBe(0);
  });

  it("the sender Lambda near its time limit takes nobody, puts them back on the queue at once, and that batch sends", async () => {
    const { handler: sendBatch } = await import("../../functions/events/send-batch.js");
    const { SEND_RESERVE_MS } = await import("../../functions/adapters/ses-mailer.js");
    const { bundle } = await import("../../functions/generated/content.js");
    const { memoryQueue } = await import("../../functions/runtime/queue.js");
    const queue = memoryQueue<SendBatch>("memory://send-queue");
    await queue.drain(async () => {});
    const readers = await seedActive(3);
    const event = {
      Records: [
        {
          messageId: "late",
          body: JSON.stringify({
            week: nextWeek(),
            runId: "late-run",
            recipients: readers.map((r) => ({
              id: r.id,
              email: r.email,
              tip: bundle.tips[0]?.slug,
            })),
          }),
        },
      ],
    } as unknown as SQSEvent;
    // What Lambda says is left of the invocation: only the reserve, then plenty.
    const context = (remaining: number) =>
      ({ getRemainingTimeInMillis: () => remaining }) as unknown as Context;
    const late = await sendBatch(event, context(SEND_RESERVE_MS));
    // The record is done: its readers are a new message, waiting for no visibility timeout.
    expect(late.batchItemFailures).toEqual([]);
    expect(proxy.calls).toEqual([]);
    const ledger = runtime.store.subscriberStore();
    for (const r of readers) expect((await ledger.get(r.id))?.claim).toBeUndefined();
    const requeued: SendBatch[] = [];
    await queue.drain(async (batch) => {
      requeued.push(batch);
    });
    expect(requeued.map((b) => b.recipients.map((r) => r.id).sort())).toEqual([
      readers.map((r) => r.id).sort(),
    ]);
    const next = await sendBatch(
      {
        Records: [{ messageId: "again", body: JSON.stringify(requeued[0]) }],
      } as unknown as SQSEvent,
      context(300_000),
    );
    expect(next.batchItemFailures).toEqual([]);
    await expectEachOnce(readers);
  });

  it("a paused SES account: the sender Lambda calls nothing, logs at ERROR, emits SendingStopped, and hands the batch back until its last delivery", async () => {
    const { handler: sendBatch } = await import("../../functions/events/send-batch.js");
    const { bundle } = await import("../../functions/generated/content.js");
    const [reader] = await seedActive(1);
    const body = JSON.stringify({
      week: nextWeek(),
      runId: "paused-run",
      recipients: [{ id: reader?.id, email: reader?.email, tip: bundle.tips[0]?.slug }],
    });
    // aws-ses-v2-local runs in this process and answers GetAccount from this variable.
    process.env.AWS_SES_ACCOUNT = JSON.stringify({ ...SES_ACCOUNT, SendingEnabled: false });
    const delivery = (receives: number) =>
      ({
        Records: [
          { messageId: "p1", body, attributes: { ApproximateReceiveCount: String(receives) } },
        ],
      }) as unknown as SQSEvent;
    let first: Awaited<ReturnType<typeof sendBatch>> | undefined;
    let last: Awaited<ReturnType<typeof sendBatch>> | undefined;
    const logged = await lambdaOutput("ERROR", async () => {
      first = await sendBatch(delivery(1));
      // The send queue's last delivery before the dead-letter queue (its maxReceiveCount, 5): let
      // go, since the hourly planner, which plans nobody while SES is paused, plans the reader
      // once SES sends again.
      last = await sendBatch(delivery(5));
    }).finally(() => {
      delete process.env.AWS_SES_ACCOUNT;
    });
    expect(first?.batchItemFailures).toEqual([{ itemIdentifier: "p1" }]);
    expect(last?.batchItemFailures).toEqual([]);
    expect(proxy.calls).toEqual([]);
    expect(logged).toContainEqual(
      expect.objectContaining({ level: "ERROR", message: "sending stopped", reason: "paused" }),
    );
    const stored = await runtime.store.subscriberStore().get(reader?.id ?? "");
    expect(stored?.lastWeekSent).toBeUndefined();
    expect(stored?.claim).toBeUndefined();
    const emf = logged.find((l) => "_aws" in l && "SendingStopped" in l);
    expect(emf).toMatchObject({ SendingStopped: 1, service: "sender", reason: "paused" });
    expect(JSON.stringify(emf)).toContain('"Namespace":"StrengthTips"');
  });

  it("two sender Lambdas at once with 4 of the weekly send's part left send 4 between them and hand back the rest", async () => {
    const { handler: sendBatch } = await import("../../functions/events/send-batch.js");
    const { bundle } = await import("../../functions/generated/content.js");
    const readers = await seedActive(6);
    const week = nextWeek();
    const delivery = (id: string, batch: Subscriber[]) =>
      ({
        Records: [
          {
            messageId: id,
            body: JSON.stringify({
              week,
              runId: `quota-${id}`,
              recipients: batch.map((r) => ({
                id: r.id,
                email: r.email,
                tip: bundle.tips[0]?.slug,
              })),
            }),
          },
        ],
      }) as unknown as SQSEvent;
    // 1,000 a day, 50 of them kept for signups, 946 sent: 4 left for the weekly send.
    const nearlySpent = { Max24HourSend: 1_000, MaxSendRate: 14, SentLast24Hours: 946 };
    const results = await withSesAccount({ SendQuota: nearlySpent }, () =>
      Promise.all([
        sendBatch(delivery("a", readers.slice(0, 3))),
        sendBatch(delivery("b", readers.slice(3))),
      ]),
    );
    const sent = await mailTo(readers);
    expect([...sent.values()].reduce((a, b) => a + b, 0)).toBe(4);
    expect([...sent.values()].every((n) => n === 1)).toBe(true);
    // A batch not sent whole comes again; the readers not sent stay due, unclaimed.
    expect(results.flatMap((r) => r.batchItemFailures).length).toBeGreaterThan(0);
    const store = runtime.store.subscriberStore();
    for (const r of readers.filter((r) => !sent.has(r.email))) {
      const stored = await store.get(r.id);
      expect(stored?.lastWeekSent).toBeUndefined();
      expect(stored?.claim).toBeUndefined();
    }
  });

  it("the day's quota spent: the outbox Lambda calls SES for nothing and keeps the signup for a later delivery", async () => {
    // A fresh container: the quota this one's mailers read earlier is not spent.
    vi.resetModules();
    const { handler: outbox } = await import("../../functions/events/confirm-outbox.js");
    const signup = {
      signupId: "0123456789abcdef",
      email: `g${generation}-quota@example.org`,
      consent: {
        at: new Date().toISOString(),
        ip: "203.0.113.9",
        userAgent: "test",
        source: "site",
        textVersion: "1",
      },
    };
    const spent = {
      ...SES_ACCOUNT.SendQuota,
      SentLast24Hours: SES_ACCOUNT.SendQuota.Max24HourSend,
    };
    const result = await withSesAccount({ SendQuota: spent }, () =>
      outbox({
        Records: [{ messageId: "q1", body: JSON.stringify(signup) }],
      } as unknown as SQSEvent),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "q1" }]);
    expect(proxy.calls).toEqual([]);
  });

  it("a paused SES account: the planner plans nobody, says why and emits PlanningPaused", async () => {
    const { handler: weekly } = await import("../../functions/cron/weekly.js");
    const { memoryQueue } = await import("../../functions/runtime/queue.js");
    await seedActive(2);
    const queued = memoryQueue("memory://send-queue").size;
    // aws-ses-v2-local runs in this process and answers GetAccount from this variable.
    process.env.AWS_SES_ACCOUNT = JSON.stringify({ ...SES_ACCOUNT, SendingEnabled: false });
    let report: Awaited<ReturnType<typeof weekly>> | undefined;
    const logged = await lambdaOutput("INFO", async () => {
      report = await weekly({ id: "paused-pass", time: new Date().toISOString() });
    }).finally(() => {
      delete process.env.AWS_SES_ACCOUNT;
    });
    expect(report).toMatchObject({ sendingStopped: "paused", active: 0, planned: 0 });
    expect(memoryQueue("memory://send-queue").size).toBe(queued);
    expect(logged).toContainEqual(
      expect.objectContaining({
        message: "planned nobody: SES would refuse every send",
        sendingStopped: "paused",
      }),
    );
    // The metric the PlanningPausedAlarm watches (infra/functions.ts), as the alarm names it.
    const emf = logged.find((l) => "_aws" in l && "PlanningPaused" in l);
    expect(emf).toMatchObject({ PlanningPaused: 1, service: "planner", reason: "paused" });
    expect(JSON.stringify(emf)).toContain('"Namespace":"StrengthTips"');
  });

  it("a tip that cannot be filled: the pass holds its readers, says so at ERROR and emits SendingStopped", async () => {
    const { handler: weekly } = await import("../../functions/cron/weekly.js");
    const { bundle } = await import("../../functions/generated/content.js");
    const { memoryQueue } = await import("../../functions/runtime/queue.js");
    await seedActive(2);
    const queued = memoryQueue("memory://send-queue").size;
    process.env.AWS_SES_ACCOUNT = JSON.stringify(SES_ACCOUNT);
    // A bundle built by another version: every tip asks for a value only confirmations have.
    const kept = bundle.tips.map((tip) => tip.html);
    for (const tip of bundle.tips) tip.html += "{{confirm_url}}";
    let report: Awaited<ReturnType<typeof weekly>> | undefined;
    const logged = await lambdaOutput("INFO", async () => {
      report = await weekly({ id: "bad-content-pass", time: new Date().toISOString() });
    }).finally(() => {
      bundle.tips.forEach((tip, i) => {
        tip.html = kept[i] as string;
      });
      delete process.env.AWS_SES_ACCOUNT;
    });
    expect(report?.heldForContent).toBeGreaterThanOrEqual(2);
    expect(report?.planned).toBe(0);
    expect(memoryQueue("memory://send-queue").size).toBe(queued);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: "ERROR",
        message: "sending stopped",
        reason: "bad-content",
        detail: expect.stringContaining("no value for {{confirm_url}}"),
      }),
    );
    // The metric the SendingStoppedAlarm watches (infra/functions.ts), as the alarm names it.
    const emf = logged.find((l) => "_aws" in l && "SendingStopped" in l);
    expect(emf).toMatchObject({ SendingStopped: 1, service: "sender", reason: "bad-content" });
  });

  it("SES cannot say whether it would send: the planner plans, and warns", async () => {
    const { handler: weekly } = await import("../../functions/cron/weekly.js");
    const { memoryQueue } = await import("../../functions/runtime/queue.js");
    await seedActive(1);
    // Without AWS_SES_ACCOUNT, aws-ses-v2-local refuses GetAccount, as a missing grant would.
    delete process.env.AWS_SES_ACCOUNT;
    let report: Awaited<ReturnType<typeof weekly>> | undefined;
    const logged = await lambdaOutput("WARN", async () => {
      report = await weekly({ id: "unanswered-pass", time: new Date().toISOString() });
    });
    expect(report?.sendingStopped).toBeUndefined();
    expect(report?.planned).toBeGreaterThan(0);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: "WARN",
        message: "SES did not say whether it would send; planning",
        error: expect.stringMatching(/^GetAccount: /),
      }),
    );
    await memoryQueue("memory://send-queue").drain(async () => {});
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

describe("each reader's number, and the series' end", () => {
  it("numbers a tip by the reader's place, ends the series once, then sends nothing", async () => {
    const { bundle } = await import("../../functions/generated/content.js");
    const { brand } = await import("../../functions/generated/brand.js");
    const slugs = bundle.tips.map((t) => t.slug);
    generation += 1;
    const second = subscriber(`g${generation}-second@example.com`, {
      // Their first tip was the last in the editors' order: #2 is still their second.
      sentTips: slugs.slice(-1),
    });
    const done = subscriber(`g${generation}-done@example.com`, { sentTips: slugs });
    await seedActive(0, [second, done]);
    const to = async (s: Subscriber) =>
      (await sesEmails(aws.sesEndpoint)).filter((e) => e.destination.to.includes(s.email));

    // The table is the file's: another test's crashed run may still hold a claim (exit 4).
    const run = await sendCli(["--week", "2026-W45", "--rate", "500"]);
    expect([0, 4], `${run.out}\n${run.errors}`).toContain(run.code);
    expect((await to(second)).map((e) => e.subject)).toEqual([
      `${brand.topic.tip} #2: ${bundle.tips[0]?.title}`,
    ]);
    const [finished] = await to(done);
    expect(finished?.subject).toBe(bundle.emails.finished.subject);
    for (const tip of bundle.tips) expect(finished?.body.text).toContain(tip.title);
    expect(finished?.body.html).toContain(`href="https://tips.example.com/tips"`);

    await clearSes(aws.sesEndpoint);
    expect([0, 4]).toContain((await sendCli(["--week", "2026-W46", "--rate", "500"])).code);
    expect(await to(done)).toEqual([]);
    const store = runtime.store.subscriberStore();
    expect((await store.get(done.id))?.sentTips).toContain("series-finished");
  });
});

describe("npm run send -- --test", () => {
  it("sends one tip now, marked as a test, with working links, and records nothing", async () => {
    const { bundle } = await import("../../functions/generated/content.js");
    const [reader] = await seedActive(1);
    const before = await runtime.store.subscriberStore().get(reader?.id as string);
    const third = bundle.tips[2];
    const run = await sendCli(["--test", reader?.email ?? "", "--tip", third?.slug ?? ""]);
    expect(run.code, run.errors).toBe(0);
    const emails = (await sesEmails(aws.sesEndpoint)).filter((e) =>
      e.destination.to.includes(reader?.email ?? ""),
    );
    expect(emails.map((e) => e.subject)).toEqual([
      `[Test] ${third?.subject.replace("{{tip_number}}", "3")}`,
    ]);
    expect(emails[0]?.body.text).toMatch(/https:\/\/tips\.example\.com\/unsubscribe\?token=/);
    expect(emails[0]?.body.text).not.toContain("{{");
    // Nothing in the ledger: the reader's own week and tips are untouched.
    expect(await runtime.store.subscriberStore().get(reader?.id as string)).toEqual(before);
  });

  it("defaults to the first tip, to any address", async () => {
    const { bundle } = await import("../../functions/generated/content.js");
    const run = await sendCli(["--test", "operator@example.org"]);
    expect(run.code, run.errors).toBe(0);
    const [email] = (await sesEmails(aws.sesEndpoint)).filter((e) =>
      e.destination.to.includes("operator@example.org"),
    );
    expect(email?.subject).toBe(`[Test] ${bundle.tips[0]?.subject.replace("{{tip_number}}", "1")}`);
  });

  it("says the address must be verified when the SES sandbox refuses it (exit 3)", async () => {
    answerSend = () => ({
      status: 400,
      errorType: "MessageRejected",
      body: {
        message:
          "Email address is not verified. The following identities failed the check in region US-EAST-1: stranger@example.org",
      },
    });
    const run = await sendCli(["--test", "stranger@example.org"]);
    expect(run.code).toBe(3);
    expect(run.errors).toMatch(/SES sandbox, stranger@example\.org must be a verified identity/);
  });

  it.each([
    ["unsubscribed", /is unsubscribed/],
    ["bounced", /has hard-bounced/],
    ["complained", /marked our email as spam/],
    ["erased", /was erased/],
  ] as const)(
    "refuses an address that %s (exit 6, one line, nothing sent) unless --force",
    async (state, why) => {
      const [reader] = await seedActive(1);
      const id = reader?.id as string;
      const email = reader?.email as string;
      const store = runtime.store.subscriberStore();
      const now = new Date();
      if (state === "unsubscribed") await store.unsubscribe(id, now);
      else if (state === "erased") await store.erase(id, now);
      else await store.suppress(id, state, now);
      const sentTo = async () =>
        (await sesEmails(aws.sesEndpoint)).filter((e) => e.destination.to.includes(email)).length;
      const refused = await sendCli(["--test", email]);
      expect(refused.code).toBe(6);
      expect(refused.errors).toMatch(why);
      expect(refused.errors).toMatch(/--force/);
      expect(refused.errors.trim().split("\n")).toHaveLength(1);
      expect(await sentTo()).toBe(0);
      const forced = await sendCli(["--test", email, "--force"]);
      expect(forced.code, forced.errors).toBe(0);
      expect(await sentTo()).toBe(1);
    },
  );

  it.each([
    [["--force"], /--force only overrides a --test send's refusal/],
    [["--test", "not-an-address"], /needs an email address/],
    [
      ["--test", "a@example.org", "--tip", "no-such-tip"],
      /--tip must be one of the built tips: .*series-finished\. A tip added since is built by `npm run build`/,
    ],
    [["--test", "a@example.org", "--week", "2026-W10"], /takes no --week/],
    [["--tip", "squats"], /--tip picks the tip of a --test send/],
  ])("refuses %j with exit 2", async (args, message) => {
    const run = await sendCli(args);
    expect(run.code).toBe(2);
    expect(run.errors).toMatch(message);
  });
});

/**
 * What a handler writes while `run` runs, as Lambda would log it: Powertools' JSON log lines at
 * `level` (stderr) and its metrics (EMF, stdout), each line parsed.
 */
async function lambdaOutput(
  level: "INFO" | "WARN" | "ERROR",
  run: () => Promise<void>,
): Promise<Array<Record<string, unknown>>> {
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  const logger = (await import("../../functions/runtime/log.js")).log();
  logger.setLogLevel(level);
  const written: string[] = [];
  const write = { out: process.stdout.write, err: process.stderr.write };
  const keep = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = keep;
  process.stderr.write = keep;
  try {
    await run();
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.env.POWERTOOLS_METRICS_DISABLED = "true";
    logger.setLogLevel("SILENT");
  }
  return written
    .flatMap((w) => w.split("\n"))
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
