/** What every stage sends with: a Reply-To someone reads, and a mailto: only where SES receives it. */
import { describe, expect, it } from "vitest";
import { stageConfig } from "../../infra/stages.js";

describe("stage configuration", () => {
  it.each([
    ["production", {}],
    ["staging", {}],
    ["a personal stage", { TIPS_SENDER_EMAIL: "me@example.org" }],
    [
      "a personal stage with its own Reply-To",
      { TIPS_SENDER_EMAIL: "me@example.org", TIPS_REPLY_TO: "r@example.org" },
    ],
  ] as const)("%s has a Reply-To", (name, env) => {
    const stage = name === "production" || name === "staging" ? name : "alice";
    expect(stageConfig(stage, env).replyTo).toMatch(/@/);
  });

  it("production offers the mailto on a domain of its own that SES receives", () => {
    const config = stageConfig("production", { TIPS_DOMAIN: "runner.test" });
    expect(config).toMatchObject({
      unsubscribeMailto: "unsubscribe@inbound.runner.test",
      inboundDomain: "inbound.runner.test",
    });
    expect(
      stageConfig("production", { TIPS_DOMAIN: "runner.test", TIPS_INBOUND: "off" }),
    ).not.toHaveProperty("unsubscribeMailto");
  });

  it("staging and personal stages offer no mailto nobody would process, unless told", () => {
    expect(stageConfig("staging", {})).not.toHaveProperty("unsubscribeMailto");
    expect(stageConfig("staging", { TIPS_INBOUND: "on" }).unsubscribeMailto).toMatch(
      /^unsubscribe@inbound\.staging\./,
    );
    const personal = stageConfig("alice", {
      TIPS_SENDER_EMAIL: "me@example.org",
      TIPS_UNSUBSCRIBE_EMAIL: "u@example.org",
    });
    expect(personal).not.toHaveProperty("unsubscribeMailto");
    expect(personal.replyTo).toBe("me@example.org");
  });
});
