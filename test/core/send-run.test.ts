/**
 * One week in one process (core/send-run.ts), in memory: planner → queue → send worker, the same
 * path as the Lambdas and `npm run send`. Every promise of the send engine is tried here with a
 * fake clock; test/integration/weekly.test.ts tries them again on the stand-ins.
 */
import { describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { MailStoppedError, MailThrottledError } from "../../functions/core/errors.js";
import {
  countByRecipient,
  crashingStore,
  FakeClock,
  recordingLog,
  runWeek,
  SETTINGS,
  seed,
  subscriber,
  TIPS,
} from "../support/send-fixtures.js";
import { seededRandom } from "../support/ses-local.js";

const WEEK = "2026-W48";
const N = 40;

async function setup() {
  const store = new MemoryStore(4);
  await seed(
    store,
    Array.from({ length: N }, (_, i) => subscriber(i)),
  );
  return { store, mailer: new MemoryMailer(), clock: new FakeClock() };
}

function expectEachOnce(mailer: MemoryMailer, n: number) {
  const counts = countByRecipient(mailer.sent.map((e) => e.to));
  expect(counts.size).toBe(n);
  expect([...counts.values()].every((c) => c === 1)).toBe(true);
}

/** Every (recipient, tip) pair at most once. */
function expectNoRepeatedTip(mailer: MemoryMailer) {
  const pairs = mailer.sent.map((e) => `${e.to} ${e.tags?.tip}`);
  expect(new Set(pairs).size).toBe(pairs.length);
}

describe("one week in process (in memory)", () => {
  it("sends everyone their tip; a rerun for the same week sends nothing", async () => {
    const { store, mailer, clock } = await setup();
    const first = await runWeek({ store, mailer, clock, week: WEEK });
    expect(first).toMatchObject({ week: WEEK, planned: N, sent: N, failed: 0, deferred: 0 });
    const second = await runWeek({ store, mailer, clock, week: WEEK });
    expect(second).toMatchObject({ planned: 0, sent: 0, skippedAlreadySent: N });
    expectEachOnce(mailer, N);
  });

  it("an older week replayed after a newer one sends nobody anything", async () => {
    const { store, mailer, clock } = await setup();
    await runWeek({ store, mailer, clock, week: "2026-W12" });
    await runWeek({ store, mailer, clock, week: "2026-W13" });
    expect(mailer.sent).toHaveLength(2 * N);
    const replay = await runWeek({ store, mailer, clock, week: "2026-W12" });
    expect(replay).toMatchObject({ planned: 0, sent: 0, superseded: N });
    const older = await runWeek({ store, mailer, clock, week: "2025-W40" });
    expect(older).toMatchObject({ sent: 0, superseded: N });
    expect(mailer.sent).toHaveLength(2 * N);
    expectNoRepeatedTip(mailer);
    // The next week goes on with the third tip.
    const next = await runWeek({ store, mailer, clock, week: "2026-W14" });
    expect(next.sent).toBe(N);
    expect(new Set(mailer.sent.slice(2 * N).map((e) => e.tags?.tip))).toEqual(new Set(["planks"]));
  });

  it("two runs at once send each email once", async () => {
    const { store, mailer, clock } = await setup();
    const [a, b] = await Promise.all([
      runWeek({ store, mailer, clock, week: WEEK }),
      runWeek({ store, mailer, clock, week: WEEK }),
    ]);
    expect(a.sent + b.sent).toBe(N);
    expectEachOnce(mailer, N);
  });

  it("two different weeks at once: each subscriber gets one tip, never the same one twice", async () => {
    const { store, mailer, clock } = await setup();
    await Promise.all([
      runWeek({ store, mailer, clock, week: "2026-W48" }),
      runWeek({ store, mailer, clock, week: "2026-W49" }),
    ]);
    expectNoRepeatedTip(mailer);
    const perPerson = countByRecipient(mailer.sent.map((e) => e.to));
    expect([...perPerson.values()].every((n) => n <= 2)).toBe(true);
  });

  it.each([0, 1, 17, 30])(
    "the store dies after %i sends: a rerun inside the stale window leaves the dead sender's claims, one after it takes them over",
    async (k) => {
      const { store, mailer, clock } = await setup();
      // Every batch that meets the dead store is handed back, as the Lambda hands it to SQS.
      const crashed = await runWeek({
        store: crashingStore(store, k),
        mailer,
        clock,
        week: WEEK,
        parallel: 4,
      });
      expect(crashed.leftForLater).toBeGreaterThan(0);
      const sentBeforeCrash = mailer.sent.length;
      expect(sentBeforeCrash).toBeGreaterThanOrEqual(k);
      const pending = store
        .all()
        .filter((s) => s.claim?.week === WEEK && s.claim.state === "pending");
      expect(pending.length).toBeGreaterThan(0);

      clock.advance((SETTINGS.staleClaimSeconds - 60) * 1000);
      const rerun = await runWeek({ store, mailer, clock, week: WEEK });
      expect(rerun.inFlight).toBe(pending.length);
      expect(rerun.sent).toBe(N - sentBeforeCrash - pending.length);

      clock.advance(61_000);
      const late = await runWeek({ store, mailer, clock, week: WEEK });
      expect(late).toMatchObject({
        sent: pending.length,
        staleRetried: pending.length,
        inFlight: 0,
      });
      expect(sentBeforeCrash + rerun.sent + late.sent).toBe(N);
      expectEachOnce(mailer, N);
    },
  );

  it("sends nothing to pending, unsubscribed, bounced or complained subscribers", async () => {
    const store = new MemoryStore(4);
    await seed(store, [
      subscriber("pending@example.com", { status: "pending" }),
      subscriber("left@example.com", { status: "unsubscribed" }),
      subscriber("bounced@example.com", { status: "bounced" }),
      subscriber("complained@example.com", { status: "complained" }),
      subscriber("caught-up@example.com", { sentTips: TIPS.map((t) => t.slug) }),
      subscriber("active@example.com"),
    ]);
    const mailer = new MemoryMailer();
    const report = await runWeek({ store, mailer, clock: new FakeClock(), week: WEEK });
    expect(report).toMatchObject({ planned: 1, sent: 1, caughtUp: 1 });
    expect(mailer.sent.map((e) => e.to)).toEqual(["active@example.com"]);
  });

  it("throttling loses nothing: 20% throttled calls, every email still sent once", async () => {
    const { store, mailer, clock } = await setup();
    const random = seededRandom(7);
    mailer.setFault(() =>
      random() < 0.2 ? new MailThrottledError("Maximum sending rate exceeded") : undefined,
    );
    const report = await runWeek({ store, mailer, clock, week: WEEK, random });
    expect(report).toMatchObject({ sent: N, deferred: 0 });
    expect(report.sesCalls).toBe(mailer.calls);
    expect(report.retries).toBe(mailer.calls - N);
    expectEachOnce(mailer, N);
  });

  it("respects --limit and the daily quota, and a later run finishes the week", async () => {
    const { store, clock } = await setup();
    // 16 a day, of which one is kept for signups (KEPT_FOR_SIGNUPS): 15 for the weekly send.
    const quota = { maxSendRate: 1000, max24HourSend: 16, sentLast24Hours: 0 };
    const mailer = new MemoryMailer({ quota });
    expect((await runWeek({ store, mailer, clock, week: WEEK, limit: 5 })).sent).toBe(5);
    // The mailer counts those 5 in SentLast24Hours, as SES does.
    const capped = await runWeek({ store, mailer, clock, week: WEEK });
    expect(capped.sent).toBe(10);
    expect(capped.stopped?.reason).toBe("daily-quota");
    quota.max24HourSend = 1000;
    const rest = await runWeek({ store, mailer, clock, week: WEEK });
    expect(rest.sent).toBe(N - 15);
    expectEachOnce(mailer, N);
  });

  it("SES's stop answer ends the run at once and loudly; a paused account sends nothing at all", async () => {
    const { store, mailer, clock } = await setup();
    mailer.setFault((_e, call) =>
      call >= 6 ? new MailStoppedError("Daily message quota exceeded", "daily-quota") : undefined,
    );
    const { lines, log } = recordingLog();
    const report = await runWeek({ store, mailer, clock, week: WEEK, parallel: 1, log });
    expect(report.stopped?.reason).toBe("daily-quota");
    expect(mailer.calls).toBe(6);
    expect(report.sent).toBe(5);
    expect(
      lines.filter((l) => l.level === "error" && l.message === "sending stopped"),
    ).toHaveLength(1);

    const paused = new MemoryMailer({ stopped: { reason: "paused", message: "account paused" } });
    const second = await runWeek({ store, mailer: paused, clock, week: WEEK });
    expect(second.stopped?.reason).toBe("paused");
    expect(paused.calls).toBe(0);
  });

  it("a tip it cannot fill stops the run loudly; fixed, the rerun sends everyone once", async () => {
    const { store, mailer, clock } = await setup();
    const { lines, log } = recordingLog();
    const poisoned = TIPS.map((t, i) => (i === 0 ? { ...t, html: `${t.html}{{confirm_url}}` } : t));
    const stopped = await runWeek({ store, mailer, clock, week: WEEK, tips: poisoned, log });
    expect(stopped.stopped?.reason).toBe("bad-content");
    expect(stopped).toMatchObject({ sent: 0, failedTransient: 0 });
    expect(mailer.calls).toBe(0);
    const errors = lines.filter((l) => l.level === "error" && l.message === "sending stopped");
    expect(errors).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ reason: "bad-content" }) }),
    ]);
    const fixed = await runWeek({ store, mailer, clock, week: WEEK });
    expect(fixed).toMatchObject({ planned: N, sent: N });
    expectEachOnce(mailer, N);
  });

  it.each([
    ["an operator's week", { week: WEEK }],
    ["an hourly pass", { hourly: new Date("2026-11-23T08:00:00Z") }],
  ])(
    "through %s, a record it cannot use is set aside and logged; everyone else is sent",
    async (_what, pass) => {
      const { store, mailer, clock } = await setup();
      const bad = [
        subscriber("mars@example.com", { timeZone: "Mars/Olympus" }),
        subscriber("slot@example.com", { deliverySlot: "9-99" }),
        subscriber("tips@example.com", { sentTips: "squats" as unknown as string[] }),
        subscriber("pause@example.com", { pausedUntil: "soon" }),
      ];
      await seed(store, bad);
      const { lines, log } = recordingLog();
      const report = await runWeek({ store, mailer, clock, log, ...pass });
      expect(report).toMatchObject({ sent: N, setAside: bad.length, failedTransient: 0 });
      expect(report.stopped).toBeUndefined();
      expectEachOnce(mailer, N);
      const setAside = lines.filter((l) => l.level === "error" && l.message === "reader set aside");
      expect(setAside.map((l) => l.data.key).sort()).toEqual(bad.map((s) => `SUB#${s.id}`).sort());
      expect(setAside.find((l) => l.data.key === `SUB#${bad[0]?.id}`)?.data.problem).toMatch(
        /timeZone/,
      );
    },
  );

  it("paces on the account's schedule at 10 in 1,050 ms, never above the quota (fake clock)", async () => {
    const { store, clock } = await setup();
    const mailer = new MemoryMailer({
      quota: { maxSendRate: 10, max24HourSend: 1000, sentLast24Hours: 0 },
    });
    const start = clock.ms;
    const report = await runWeek({ store, mailer, clock, week: WEEK });
    expect(report.limit).toBe(10);
    expect(report.targetRate).toBeCloseTo(10 / 1.05, 9);
    // 40 sends 105 ms apart: the last one is 39 slots after the first.
    expect(clock.ms - start).toBeCloseTo(39 * 105, -1);
  });
});
