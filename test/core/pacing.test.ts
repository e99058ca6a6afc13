import { describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import {
  MailStoppedError,
  MailThrottledError,
  MailUnansweredError,
} from "../../functions/core/errors.js";
import {
  ACCOUNT_SCHEDULE,
  accountLimit,
  accountMailer,
  CAP_WINDOW_MS,
  createPacer,
  dailyBudget,
  inFlightFor,
  PACE_AIM,
  type Pacer,
  RUN_MS,
  SLOT_LATE_MS,
  scheduleRate,
  sharedPacer,
  slotSpacing,
  weeklyBudget,
} from "../../functions/core/pacing.js";
import type { OutgoingEmail, SendQuota } from "../../functions/core/ports.js";
import { busiestWindow } from "../../scripts/bench/windows.js";
import { FakeClock, VirtualClock } from "../support/send-fixtures.js";
import { seededRandom } from "../support/ses-local.js";

describe("createPacer", () => {
  it("aims at 90% of the limit on an absolute schedule", async () => {
    const clock = new FakeClock(0);
    const pacer = createPacer({ limit: 50, clock, sleep: clock.sleep });
    expect(pacer.rate).toBeCloseTo(50 * PACE_AIM, 9);
    const times: number[] = [];
    for (let i = 0; i < 1500; i += 1) {
      await pacer.acquire();
      times.push(clock.ms);
    }
    expect(times[0]).toBe(0);
    expect(times[1]).toBeCloseTo(1000 / 45, 6);
    // 1500 sends at 45/s take 1499/45 s of schedule (Date keeps whole milliseconds).
    expect((times[1499] as number) / 1000).toBeCloseTo(1499 / 45, 2);
    expect(busiestWindow(times)).toBeLessThanOrEqual(50);
  });

  it("told each slot 150 ms early, keeps the same schedule for the calls made at the slots", async () => {
    const clock = new FakeClock(0);
    const pacer = createPacer({ limit: 50, clock, sleep: clock.sleep });
    const slots: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const slot = await pacer.acquire(150);
      expect(slot - clock.ms).toBeLessThanOrEqual(150);
      await clock.sleep(slot - clock.ms);
      slots.push(slot);
    }
    expect(slots[1]).toBeCloseTo(1000 / 45, 6);
    expect(busiestWindow(slots)).toBeLessThanOrEqual(50);
  });

  it("keeps an absolute schedule: a late wake-up does not push the later slots back", async () => {
    const clock = new FakeClock(0);
    let late = true;
    const pacer = createPacer({
      limit: 10,
      aim: 1,
      clock,
      sleep: async (ms) => {
        clock.advance(ms + (late ? 50 : 0)); // the first timer fires 50 ms late
        late = false;
      },
    });
    await pacer.acquire(); // t=0
    await pacer.acquire(); // slot 100, woke at 150
    expect(clock.ms).toBe(150);
    await pacer.acquire(); // slot 200
    expect(clock.ms).toBe(200);
  });

  it("never puts more than the limit in any second, even catching up after a stalled event loop", async () => {
    const clock = new FakeClock(0);
    // Every 7th timer fires 400 ms late (a stalled event loop), the others on time.
    let n = 0;
    const pacer = createPacer({
      limit: 20,
      clock,
      sleep: async (ms) => {
        n += 1;
        clock.advance(ms + (n % 7 === 0 ? 400 : 0));
      },
    });
    const times: number[] = [];
    for (let i = 0; i < 400; i += 1) {
      await pacer.acquire();
      times.push(clock.ms);
    }
    expect(busiestWindow(times)).toBeLessThanOrEqual(20);
    // Without the cap the schedule would catch up: prove the stalls really happened.
    expect(n).toBeGreaterThan(20);
  });

  it("shares one schedule between concurrent callers", async () => {
    const clock = new FakeClock(0);
    const slept: number[] = [];
    const pacer = createPacer({
      limit: 4,
      aim: 1,
      clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock.advance(ms);
      },
    });
    await Promise.all([pacer.acquire(), pacer.acquire(), pacer.acquire(), pacer.acquire()]);
    expect(slept).toEqual([250, 250, 250]);
    expect(clock.ms).toBe(750);
  });

  it("does not bank idle time", async () => {
    const clock = new FakeClock(0);
    const pacer = createPacer({ limit: 10, aim: 1, clock, sleep: clock.sleep });
    await pacer.acquire();
    clock.advance(10_000); // idle
    const start = clock.ms;
    await pacer.acquire();
    expect(clock.ms).toBe(start);
    await pacer.acquire();
    expect(clock.ms).toBe(start + 100);
  });

  it("afterBusy: the first call waits one window, as though the limit had just been used", async () => {
    const clock = new FakeClock(0);
    const pacer = createPacer({ limit: 3.5, clock, sleep: clock.sleep, afterBusy: true });
    const times: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      await pacer.acquire();
      times.push(clock.ms);
    }
    expect(times[0]).toBe(CAP_WINDOW_MS);
    // The last one's three calls just before 0, then this one's: never more than 3 in a window.
    expect(busiestWindow([-700, -350, -1, ...times])).toBeLessThanOrEqual(3);
  });

  it("is a no-op at an infinite limit and rejects a non-positive one", async () => {
    const clock = new FakeClock(0);
    const pacer = createPacer({ limit: Number.POSITIVE_INFINITY, clock, sleep: clock.sleep });
    for (let i = 0; i < 100; i += 1) await pacer.acquire();
    expect(clock.ms).toBe(0);
    expect(() => createPacer({ limit: 0, clock, sleep: clock.sleep })).toThrow(/limit/);
  });
});

describe("accountLimit", () => {
  const quota = { maxSendRate: 100, max24HourSend: 50_000, sentLast24Hours: 0 };
  it.each([
    ["is the account's rate, whoever asks", quota, 14, undefined, 100],
    ["falls back to the configured rate when SES cannot tell", undefined, 14, undefined, 14],
    ["lets an override lower a known quota", quota, 14, 50, 50],
    ["never lets an override raise a known quota", quota, 14, 500, 100],
    ["takes the override when SES cannot tell", undefined, 14, 500, 500],
  ] as const)("%s", (_what, q, fallback, override, expected) => {
    expect(accountLimit(q, fallback, override)).toBe(expected);
  });
});

describe("sharedPacer: the account's one schedule, shared by every caller", () => {
  /** `callers` pacers on one store's schedule, each making `calls` calls; the call times. */
  async function share(
    limit: number,
    callers: number,
    calls: number,
    options: { late?: number; limits?: number[]; parallel?: number; lead?: number } = {},
  ) {
    const store = new MemoryStore(1);
    const jitter = seededRandom(3);
    const clock = new VirtualClock(0, () => jitter() * (options.late ?? 20));
    const starts: number[] = [];
    const early: number[] = [];
    let writes = 0;
    let reserved = 0;
    const pacers = Array.from({ length: callers }, (_, i) =>
      sharedPacer({
        limit: options.limits?.[i] ?? limit,
        clock,
        sleep: clock.sleep,
        reserve: (count, spacing) => {
          writes += 1;
          reserved += count;
          return store.reserveSlots(ACCOUNT_SCHEDULE, clock.now(), count, spacing);
        },
      }),
    );
    // Each caller keeps `parallel` calls going at once, as a sender keeps its sends in flight.
    const parallel = options.parallel ?? 1;
    await Promise.all(
      pacers.map(async (pacer) => {
        let left = calls;
        await Promise.all(
          Array.from({ length: parallel }, async () => {
            while (left > 0) {
              left -= 1;
              if (!options.lead) {
                await pacer.acquire();
                starts.push(clock.ms);
                continue;
              }
              // Told the slot `lead` early: the caller looks at something, then calls at it.
              const slot = await pacer.acquire(options.lead);
              early.push(slot - clock.ms);
              await clock.sleep(Math.max(0, slot - clock.ms));
              starts.push(clock.ms);
            }
          }),
        );
      }),
    );
    return { starts, writes, reserved, ms: clock.ms, early };
  }

  it.each([
    [14, 1],
    [14, 4],
    [500, 4],
    [1, 4],
    [2, 3],
    [0.5, 2],
  ])(
    "limit %d, %d callers at once: no second holds more than the limit",
    async (limit, callers) => {
      const calls = Math.max(3, Math.ceil((limit * 3) / callers));
      const { starts } = await share(limit, callers, calls);
      expect(starts).toHaveLength(calls * callers);
      expect(busiestWindow(starts)).toBeLessThanOrEqual(Math.max(1, Math.floor(limit)));
      // With 25 ms of network on top of a late timer, still within the limit.
      expect(busiestWindow(starts, 1000 + SLOT_LATE_MS)).toBeLessThanOrEqual(
        Math.max(1, Math.floor(limit)),
      );
    },
  );

  it.each([
    [14, 4, 1],
    [500, 4, 8],
  ])(
    "limit %d, %d callers told their slots 150 ms early: calls at the slots keep to the limit",
    async (limit, callers, parallel) => {
      const calls = Math.ceil((limit * 3) / callers);
      const { starts, early } = await share(limit, callers, calls, { lead: 150, parallel });
      expect(starts).toHaveLength(calls * callers);
      expect(busiestWindow(starts, 1000 + SLOT_LATE_MS)).toBeLessThanOrEqual(Math.floor(limit));
      // Each was told its slot ahead of it, never more than the lead (a late timer: less).
      expect(Math.max(...early)).toBeLessThanOrEqual(150);
      expect(early.filter((ms) => ms > 0).length).toBeGreaterThan(early.length / 2);
    },
  );

  it("keeps to about 95% of the limit, a store write for many calls, with sends in flight", async () => {
    const parallel = inFlightFor(scheduleRate(500) / 4);
    const { starts, writes, ms } = await share(500, 4, 500, { parallel });
    expect(scheduleRate(500)).toBeCloseTo(500 / 1.05, 6);
    expect(starts.length / (ms / 1000)).toBeGreaterThan(0.9 * 500);
    // About ten writes a second for each busy caller, not one a call.
    expect(writes).toBeLessThan(starts.length / 10);
    expect(RUN_MS / slotSpacing(500)).toBeGreaterThan(40);
  });

  it("a caller whose batch ends leaves no reserved slot unused, so the account loses no time", async () => {
    // Four senders, each sending batches of 100 with 24 calls in flight and a pause between
    // batches (the next Lambda invocation): every slot reserved is a call made.
    const store = new MemoryStore(1);
    const jitter = seededRandom(5);
    const clock = new VirtualClock(0, () => jitter() * 20);
    let reserved = 0;
    const starts: number[] = [];
    const sender = async () => {
      const pacer = sharedPacer({
        limit: 500,
        clock,
        sleep: clock.sleep,
        reserve: (count, spacing) => {
          reserved += count;
          return store.reserveSlots(ACCOUNT_SCHEDULE, clock.now(), count, spacing);
        },
      });
      for (let batch = 0; batch < 5; batch += 1) {
        let left = 100;
        await Promise.all(
          Array.from({ length: 24 }, async () => {
            while (left > 0) {
              left -= 1;
              await pacer.acquire();
              starts.push(clock.ms);
              await clock.sleep(40); // the SES call
            }
          }),
        );
        await clock.sleep(150);
      }
    };
    await Promise.all([sender(), sender(), sender(), sender()]);
    expect(starts).toHaveLength(2_000);
    expect(reserved).toBe(2_000);
    expect(busiestWindow(starts)).toBeLessThanOrEqual(500);
  });

  it("a caller with a lower limit (an operator's --rate) never pushes the account over its own", async () => {
    const { starts } = await share(14, 3, 14, { limits: [14, 5, 14] });
    expect(busiestWindow(starts)).toBeLessThanOrEqual(14);
  });

  it("drops a slot its caller missed, instead of calling late beside the next ones", async () => {
    const store = new MemoryStore(1);
    const clock = new FakeClock(0);
    const pacer = sharedPacer({
      limit: 10,
      clock,
      sleep: clock.sleep,
      reserve: (count, spacing) =>
        store.reserveSlots(ACCOUNT_SCHEDULE, clock.now(), count, spacing),
    });
    const times: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      await pacer.acquire();
      times.push(clock.ms);
      if (i === 2) clock.advance(1_000); // a stalled event loop
    }
    expect(busiestWindow(times)).toBeLessThanOrEqual(10);
    for (let i = 1; i < times.length; i += 1) {
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(
        slotSpacing(10) - 1e-9,
      );
    }
  });

  it("a failed reservation fails its caller only; the next call reserves again", async () => {
    const clock = new FakeClock(0);
    let fail = true;
    const store = new MemoryStore(1);
    const pacer = sharedPacer({
      limit: 10,
      clock,
      sleep: clock.sleep,
      reserve: async (count, spacing) => {
        if (fail) throw new Error("throttled");
        return store.reserveSlots(ACCOUNT_SCHEDULE, clock.now(), count, spacing);
      },
    });
    await expect(pacer.acquire()).rejects.toThrow("throttled");
    fail = false;
    await expect(pacer.acquire()).resolves.toBeTypeOf("number");
  });

  it("is a no-op at an infinite limit", async () => {
    const clock = new FakeClock(0);
    const pacer = sharedPacer({
      limit: Number.POSITIVE_INFINITY,
      clock,
      sleep: clock.sleep,
      reserve: () => Promise.reject(new Error("never asked")),
    });
    await pacer.acquire();
    expect(clock.ms).toBe(0);
  });
});

describe("dailyBudget and inFlightFor", () => {
  it("is max24HourSend − sentLast24Hours, or the configured maximum", () => {
    expect(dailyBudget({ maxSendRate: 1, max24HourSend: 200, sentLast24Hours: 150 }, 9)).toBe(50);
    expect(dailyBudget({ maxSendRate: 1, max24HourSend: 200, sentLast24Hours: 250 }, 9)).toBe(0);
    expect(dailyBudget(undefined, 9)).toBe(9);
    // SES's −1: an account without a daily quota.
    const unlimited = { maxSendRate: 1, max24HourSend: -1, sentLast24Hours: 2_000_000 };
    expect(dailyBudget(unlimited, 9)).toBe(Number.POSITIVE_INFINITY);
  });
  it("keeps enough sends in flight for the rate", () => {
    expect(inFlightFor(14)).toBe(3);
    expect(inFlightFor(125)).toBe(25);
    expect(inFlightFor(Number.POSITIVE_INFINITY)).toBe(64);
  });
});

describe("weeklyBudget: the weekly send keeps a twentieth of the day's quota for signups", () => {
  const quota = (max24HourSend: number, sentLast24Hours: number): SendQuota => ({
    maxSendRate: 14,
    max24HourSend,
    sentLast24Hours,
  });
  it.each([
    ["nothing sent yet", quota(50_000, 0), 47_500],
    ["part spent", quota(50_000, 40_000), 7_500],
    ["only the kept part left", quota(50_000, 47_500), 0],
    ["spent past the kept part", quota(50_000, 49_000), 0],
    ["a quota that does not divide (200: 10 kept)", quota(200, 0), 190],
    ["a sandbox's 201: 11 kept, rounding up", quota(201, 0), 190],
    ["no daily quota (SES's −1)", quota(-1, 9_000_000), Number.POSITIVE_INFINITY],
    ["SES could not tell: the configured maximum, nothing kept", undefined, 9],
  ])("%s", (_what, q, expected) => {
    expect(weeklyBudget(q, 9)).toBe(expected);
  });
});

describe("accountMailer: the paths outside the weekly send", () => {
  const email = (n: number): OutgoingEmail => ({
    to: `signup${n}@example.org`,
    subject: "Confirm",
    html: "",
    text: "",
  });
  const free: Pacer = { limit: 14, rate: 14, acquire: async () => 0 };
  function setup(sentLast24Hours: number, fault?: ConstructorParameters<typeof MemoryMailer>[0]) {
    const clock = new FakeClock(0);
    const quota = { maxSendRate: 14, max24HourSend: 100, sentLast24Hours };
    const ses = new MemoryMailer({ quota, ...fault });
    let asked = 0;
    const limits: number[] = [];
    const mailer = accountMailer(ses, {
      quota: async () => {
        asked += 1;
        return { ...quota };
      },
      fallbackRate: 1,
      pacerFor: (limit) => {
        limits.push(limit);
        return free;
      },
      clock,
      maxAgeMs: 60_000,
    });
    return { clock, quota, ses, mailer, asked: () => asked, limits };
  }

  it("paces at the rate SES gives, and asks SES's quota again only once its answer is stale", async () => {
    const { clock, mailer, asked, limits } = setup(0);
    await mailer.send(email(1));
    await mailer.send(email(2));
    expect(asked()).toBe(1);
    expect(limits).toEqual([14, 14]);
    clock.advance(60_001);
    await mailer.send(email(3));
    expect(asked()).toBe(2);
  });

  it("calls SES no more once what SES said was left is sent, and throws SES's own stop", async () => {
    const { ses, mailer } = setup(98);
    await mailer.send(email(1));
    await mailer.send(email(2));
    const refused = await mailer.send(email(3)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MailStoppedError);
    expect((refused as MailStoppedError).reason).toBe("daily-quota");
    expect(ses.calls).toBe(2);
  });

  it("counts its own sends from each new answer of SES's, which already counts the earlier ones", async () => {
    const { clock, ses, mailer, quota } = setup(98);
    await mailer.send(email(1));
    await mailer.send(email(2));
    await expect(mailer.send(email(3))).rejects.toThrow(MailStoppedError);
    // Asked again: SES counts the two and one more has aged out of its 24 hours.
    quota.sentLast24Hours = 99;
    clock.advance(60_001);
    await mailer.send(email(4));
    await expect(mailer.send(email(5))).rejects.toThrow(MailStoppedError);
    expect(ses.calls).toBe(3);
  });

  it("sends at once cannot together pass the last one left", async () => {
    const { ses, mailer } = setup(99);
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => mailer.send(email(n))));
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected", "rejected"]);
    expect(ses.calls).toBe(1);
  });

  it("after SES's own daily-quota answer it calls no more until it has asked SES again", async () => {
    const { clock, ses, mailer, quota } = setup(0);
    ses.setFault(() => new MailStoppedError("Daily message quota exceeded", "daily-quota"));
    await expect(mailer.send(email(1))).rejects.toThrow(MailStoppedError);
    await expect(mailer.send(email(2))).rejects.toThrow(MailStoppedError);
    expect(ses.calls).toBe(1);
    // The day's oldest sends age out: asked again, SES has room, and the signup goes.
    ses.setFault(undefined);
    quota.sentLast24Hours = 50;
    clock.advance(60_001);
    await mailer.send(email(3));
    expect(ses.calls).toBe(2);
  });

  it.each([
    ["a throttle", () => new MailThrottledError("slow down"), 2],
    [
      "an answer that never came (SES may have taken it)",
      () => new MailUnansweredError("no answer"),
      1,
    ],
  ])("%s leaves the count of what is left as SES would", async (_what, fault, callsAfter) => {
    const { ses, mailer } = setup(98);
    ses.setFault((_e, call) => (call === 1 ? fault() : undefined));
    await expect(mailer.send(email(1))).rejects.toThrow();
    const sent = await Promise.allSettled([mailer.send(email(2)), mailer.send(email(3))]);
    expect(sent.filter((o) => o.status === "fulfilled")).toHaveLength(callsAfter);
  });
});
