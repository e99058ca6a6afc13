import { describe, expect, it } from "vitest";
import {
  CAP_WINDOW_MS,
  createPacer,
  dailyBudget,
  inFlightFor,
  lanePacer,
  PACE_AIM,
  workerLimit,
} from "../../functions/core/pacing.js";
import { busiestWindow } from "../../scripts/bench/windows.js";
import { FakeClock } from "../support/send-fixtures.js";

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

  it("lanePacer keeps one pacer across invocations while the limit stays, a new one when it changes", () => {
    const clock = new FakeClock(0);
    const pacerFor = lanePacer(clock, clock.sleep);
    const first = pacerFor(3.5);
    expect(pacerFor(3.5)).toBe(first);
    const changed = pacerFor(2);
    expect(changed).not.toBe(first);
    expect(changed.limit).toBe(2);
  });

  it("is a no-op at an infinite limit and rejects a non-positive one", async () => {
    const clock = new FakeClock(0);
    const pacer = createPacer({ limit: Number.POSITIVE_INFINITY, clock, sleep: clock.sleep });
    for (let i = 0; i < 100; i += 1) await pacer.acquire();
    expect(clock.ms).toBe(0);
    expect(() => createPacer({ limit: 0, clock, sleep: clock.sleep })).toThrow(/limit/);
  });
});

describe("workerLimit", () => {
  const quota = { maxSendRate: 100, max24HourSend: 50_000, sentLast24Hours: 0 };
  it.each([
    ["splits the account's rate over the workers", quota, 14, 4, undefined, 25],
    ["falls back to the configured rate when SES cannot tell", undefined, 14, 2, undefined, 7],
    ["lets an override lower a known quota", quota, 14, 1, 50, 50],
    ["never lets an override raise a known quota", quota, 14, 1, 500, 100],
    ["takes the override when SES cannot tell", undefined, 14, 1, 500, 500],
  ] as const)("%s", (_what, q, fallback, workers, override, expected) => {
    expect(workerLimit(q, fallback, workers, override)).toBe(expected);
  });
});

describe("dailyBudget and inFlightFor", () => {
  it("is max24HourSend − sentLast24Hours, or the configured maximum", () => {
    expect(dailyBudget({ maxSendRate: 1, max24HourSend: 200, sentLast24Hours: 150 }, 9)).toBe(50);
    expect(dailyBudget({ maxSendRate: 1, max24HourSend: 200, sentLast24Hours: 250 }, 9)).toBe(0);
    expect(dailyBudget(undefined, 9)).toBe(9);
  });
  it("keeps enough sends in flight for the rate", () => {
    expect(inFlightFor(14)).toBe(3);
    expect(inFlightFor(125)).toBe(25);
    expect(inFlightFor(Number.POSITIVE_INFINITY)).toBe(64);
  });
});
