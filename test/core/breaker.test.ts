import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MemorySendingSwitch } from "../../functions/adapters/memory-sending-switch.js";
import { tripBreaker } from "../../functions/core/breaker.js";
import { onAlarmEvent } from "../../functions/events/alarm.js";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/alarms/${name}.json`, import.meta.url), "utf8"));

function setup() {
  const logged: string[] = [];
  const log = {
    info: (m: string) => logged.push(`info ${m}`),
    warn: (m: string) => logged.push(`warn ${m}`),
    error: (m: string) => logged.push(`error ${m}`),
  };
  const sending = new MemorySendingSwitch();
  const confirmations = new MemorySendingSwitch();
  const sets = new Map([
    ["strength-tips-production", sending],
    ["strength-tips-production-confirmations", confirmations],
  ]);
  return { sending, confirmations, sets, log, logged };
}

/** The fixture's alarm, about the configuration set `set`. */
function aboutSet(set: string): unknown {
  const event = structuredClone(fixture("complaint-rate-alarm")) as {
    alarmData: { configuration: { metrics: { metricStat: { metric: { dimensions: object } } }[] } };
  };
  for (const m of event.alarmData.configuration.metrics) {
    m.metricStat.metric.dimensions = { "ses:configuration-set": set };
  }
  return event;
}

describe("reputation breaker, from CloudWatch's alarm action", () => {
  it("pauses the configuration set when a rate alarm enters ALARM, and says so loudly", async () => {
    const deps = setup();
    await expect(onAlarmEvent(deps, fixture("complaint-rate-alarm"))).resolves.toBe("paused");
    expect(await deps.sending.isPaused()).toBe(true);
    expect(deps.logged).toEqual(["error reputation breaker: configuration set sending paused"]);
  });

  it("never resumes sending when the alarm goes back to OK", async () => {
    const deps = setup();
    await onAlarmEvent(deps, fixture("complaint-rate-alarm"));
    await expect(onAlarmEvent(deps, fixture("back-to-ok"))).resolves.toBe("ignored");
    expect(await deps.sending.isPaused()).toBe(true);
    expect(deps.sending.pauses).toBe(1);
  });

  it.each([
    ["an SNS envelope", { Records: [{ Sns: { Message: "{}" } }] }],
    ["another source", { ...(fixture("complaint-rate-alarm") as object), source: "my.app" }],
    ["nothing", undefined],
  ])("ignores %s without pausing", async (_what, event) => {
    const deps = setup();
    await expect(onAlarmEvent(deps, event)).resolves.toBe("ignored");
    expect(deps.sending.pauses).toBe(0);
  });

  it("lets a failing SES call through, so that the alarm action is retried", async () => {
    const deps = setup();
    deps.sending.pause = async () => {
      throw new Error("SES unavailable");
    };
    await expect(onAlarmEvent(deps, fixture("complaint-rate-alarm"))).rejects.toThrow(
      "SES unavailable",
    );
  });
});

describe("one breaker per configuration set", () => {
  it("a confirmations alarm pauses only confirmations; the weekly send goes on", async () => {
    const deps = setup();
    await expect(
      onAlarmEvent(deps, aboutSet("strength-tips-production-confirmations")),
    ).resolves.toBe("paused");
    expect(await deps.confirmations.isPaused()).toBe(true);
    expect(await deps.sending.isPaused()).toBe(false);
  });

  it("a weekly set's alarm pauses the weekly set only", async () => {
    const deps = setup();
    await onAlarmEvent(deps, aboutSet("strength-tips-production"));
    expect(await deps.sending.isPaused()).toBe(true);
    expect(await deps.confirmations.isPaused()).toBe(false);
  });

  it("ignores an alarm about a set that is not this stage's", async () => {
    const deps = setup();
    await expect(onAlarmEvent(deps, aboutSet("someone-elses-set"))).resolves.toBe("ignored");
    expect(deps.sending.pauses + deps.confirmations.pauses).toBe(0);
  });
});

describe("tripBreaker", () => {
  it("pauses for ALARM only, with the alarm's name and reason in the log", async () => {
    const deps = setup();
    const alarm = { alarmName: "ComplaintRate", state: "ALARM", reason: "Threshold Crossed" };
    await expect(tripBreaker(deps, { ...alarm, state: "OK" })).resolves.toBe("ignored");
    await expect(tripBreaker(deps, { ...alarm, state: "INSUFFICIENT_DATA" })).resolves.toBe(
      "ignored",
    );
    expect(deps.sending.pauses).toBe(0);
    await expect(tripBreaker(deps, alarm)).resolves.toBe("paused");
    expect(deps.sending.pauses).toBe(1);
  });
});
