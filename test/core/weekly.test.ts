import { describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { MailThrottledError } from "../../functions/core/errors.js";
import { type RunWeeklyInput, runWeekly } from "../../functions/core/weekly.js";
import {
  CrashError,
  countByRecipient,
  crashingStore,
  FakeClock,
  SETTINGS,
  seed,
  signer,
  subscriber,
  TIPS,
} from "../support/send-fixtures.js";

const WEEK = "2026-W48";
const N = 40;

async function setup() {
  const store = new MemoryStore(4);
  await seed(
    store,
    Array.from({ length: N }, (_, i) => subscriber(i)),
  );
  const mailer = new MemoryMailer();
  const clock = new FakeClock();
  const input = (overrides: Partial<RunWeeklyInput> = {}): RunWeeklyInput => ({
    store,
    mailer,
    signer,
    clock,
    tips: TIPS,
    settings: SETTINGS,
    week: WEEK,
    runId: "run-1",
    sleep: clock.sleep,
    parallel: 4,
    ...overrides,
  });
  return { store, mailer, clock, input };
}

function expectEachOnce(mailer: MemoryMailer, n: number) {
  const counts = countByRecipient(mailer.sent.map((e) => e.to));
  expect(counts.size).toBe(n);
  expect([...counts.values()].every((c) => c === 1)).toBe(true);
}

describe("runWeekly exactly once (in memory)", () => {
  it("sends everyone their tip; a rerun for the same week sends nothing", async () => {
    const { mailer, input } = await setup();
    const first = await runWeekly(input());
    expect(first).toMatchObject({ week: WEEK, planned: N, sent: N, failed: 0, deferred: 0 });
    const second = await runWeekly(input({ runId: "run-2" }));
    expect(second).toMatchObject({ planned: 0, sent: 0, skippedAlreadySent: N });
    expectEachOnce(mailer, N);
  });

  it("two runs at once send each email once", async () => {
    const { mailer, input } = await setup();
    const [a, b] = await Promise.all([
      runWeekly(input({ runId: "run-a" })),
      runWeekly(input({ runId: "run-b" })),
    ]);
    expect(a.sent + b.sent).toBe(N);
    expectEachOnce(mailer, N);
  });

  it.each([0, 1, 17, 30])(
    "a crash after %i sends, then reruns, sends exactly N in all",
    async (k) => {
      const { store, mailer, clock, input } = await setup();
      await expect(runWeekly(input({ store: crashingStore(store, k) }))).rejects.toBeInstanceOf(
        CrashError,
      );
      const sentBeforeCrash = mailer.sent.length;
      expect(sentBeforeCrash).toBeGreaterThanOrEqual(k);
      const pending = store
        .all()
        .filter((s) => s.claim?.week === WEEK && s.claim.state === "pending");
      expect(pending.length).toBeGreaterThan(0);

      // A rerun inside the stale window leaves the crashed run's claims alone and reports them.
      clock.advance(10 * 60_000);
      const rerun = await runWeekly(input({ runId: "run-2" }));
      expect(rerun.inFlight).toBe(pending.length);
      expect(rerun.sent).toBe(N - sentBeforeCrash - pending.length);

      // After the stale window they are taken over.
      clock.advance(61 * 60_000);
      const late = await runWeekly(input({ runId: "run-3" }));
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
    const clock = new FakeClock();
    const report = await runWeekly({
      store,
      mailer,
      signer,
      clock,
      tips: TIPS,
      settings: SETTINGS,
      week: WEEK,
      runId: "r",
      sleep: clock.sleep,
    });
    expect(report).toMatchObject({ planned: 1, sent: 1, caughtUp: 1 });
    expect(mailer.sent.map((e) => e.to)).toEqual(["active@example.com"]);
  });

  it("throttling loses nothing: 20% throttled calls, every email still sent once", async () => {
    const { mailer, input } = await setup();
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    mailer.setFault(() =>
      random() < 0.2 ? new MailThrottledError("Maximum sending rate exceeded") : undefined,
    );
    const report = await runWeekly(input({ random }));
    expect(report).toMatchObject({ sent: N, deferred: 0 });
    expectEachOnce(mailer, N);
  });

  it("respects --limit and the daily budget, and a later run finishes the week", async () => {
    const { mailer, input } = await setup();
    expect((await runWeekly(input({ limit: 5 }))).sent).toBe(5);
    const capped = await runWeekly(input({ runId: "run-2", budget: 10 }));
    expect(capped.sent).toBe(10);
    expect(capped.stopped).toBe("daily-quota");
    const rest = await runWeekly(input({ runId: "run-3" }));
    expect(rest.sent).toBe(N - 15);
    expectEachOnce(mailer, N);
  });

  it("paces at the quota's rate (fake clock)", async () => {
    const { clock, input, mailer } = await setup();
    const quota = { maxSendRate: 10, max24HourSend: 1000, sentLast24Hours: 0 };
    const start = clock.ms;
    const report = await runWeekly(
      input({ mailer: Object.assign(mailer, { quota: async () => quota }) }),
    );
    expect(report.targetRate).toBe(10);
    // 40 sends at 10/s: the last one is scheduled 3.9 s after the first.
    expect(clock.ms - start).toBeCloseTo(3900, 0);
  });
});
