import { describe, expect, it } from "vitest";
import { createPacer, dailyBudget, inFlightFor, workerRate } from "../../functions/core/pacing.js";
import { FakeClock } from "../support/send-fixtures.js";

describe("createPacer", () => {
  it("spaces sends 1/rate apart and never exceeds the rate over any window", async () => {
    const clock = new FakeClock(0);
    const pacer = createPacer({ rate: 50, clock, sleep: clock.sleep });
    const times: number[] = [];
    for (let i = 0; i < 1500; i += 1) {
      await pacer.acquire();
      times.push(clock.ms);
    }
    expect(times[0]).toBe(0);
    expect(times[1]).toBeCloseTo(20, 6);
    // 1500 sends at 50/s take 29.98 s of schedule: exactly the rate.
    expect((times[1499] as number) / 1000).toBeCloseTo(29.98, 6);
    for (let i = 50; i < times.length; i += 1) {
      expect((times[i] as number) - (times[i - 50] as number)).toBeGreaterThanOrEqual(1000 - 1e-6);
    }
  });

  it("keeps an absolute schedule: a late wake-up does not push the later slots back", async () => {
    const clock = new FakeClock(0);
    let late = true;
    const pacer = createPacer({
      rate: 10,
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

  it("shares one schedule between concurrent callers", async () => {
    const clock = new FakeClock(0);
    const slept: number[] = [];
    const pacer = createPacer({
      rate: 4,
      clock,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    await Promise.all([pacer.acquire(), pacer.acquire(), pacer.acquire(), pacer.acquire()]);
    expect(slept).toEqual([250, 500, 750]);
  });

  it("does not bank idle time beyond the burst", async () => {
    const clock = new FakeClock(0);
    const pacer = createPacer({ rate: 10, burst: 3, clock, sleep: clock.sleep });
    await pacer.acquire();
    clock.advance(10_000); // idle
    const start = clock.ms;
    for (let i = 0; i < 3; i += 1) await pacer.acquire();
    expect(clock.ms).toBe(start); // burst of 3
    await pacer.acquire();
    expect(clock.ms).toBeGreaterThan(start);
  });

  it("is a no-op at an infinite rate and rejects a non-positive one", async () => {
    const clock = new FakeClock(0);
    const pacer = createPacer({ rate: Number.POSITIVE_INFINITY, clock, sleep: clock.sleep });
    for (let i = 0; i < 100; i += 1) await pacer.acquire();
    expect(clock.ms).toBe(0);
    expect(() => createPacer({ rate: 0, clock })).toThrow(/rate/);
  });
});

describe("workerRate", () => {
  const quota = { maxSendRate: 100, max24HourSend: 50_000, sentLast24Hours: 0 };
  it("splits the account's rate over the workers", () => {
    expect(workerRate(quota, 14, 4)).toBe(25);
  });
  it("falls back to the configured rate when SES cannot tell", () => {
    expect(workerRate(undefined, 14, 2)).toBe(7);
  });
  it("lets an override lower but never raise a known quota", () => {
    expect(workerRate(quota, 14, 1, 50)).toBe(50);
    expect(workerRate(quota, 14, 1, 500)).toBe(100);
    expect(workerRate(undefined, 14, 1, 500)).toBe(500);
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
