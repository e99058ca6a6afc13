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
  return { sending: new MemorySendingSwitch(), log, logged };
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
