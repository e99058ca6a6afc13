/** What every stage sends with: a Reply-To someone reads, and the List-Unsubscribe mailto: on. */
import { describe, expect, it } from "vitest";
import { stageConfig } from "../../infra/stages.js";

describe("stage configuration", () => {
  it.each([
    ["production", {}],
    ["staging", {}],
    ["a personal stage", { TIPS_SENDER_EMAIL: "me@example.org" }],
    [
      "a personal stage with its own addresses",
      {
        TIPS_SENDER_EMAIL: "me@example.org",
        TIPS_REPLY_TO: "r@example.org",
        TIPS_UNSUBSCRIBE_EMAIL: "u@example.org",
      },
    ],
  ] as const)("%s has a Reply-To and a mailto: unsubscribe address", (name, env) => {
    const stage = name === "production" || name === "staging" ? name : "alice";
    const config = stageConfig(stage, env);
    expect(config.replyTo).toMatch(/@/);
    expect(config.unsubscribeMailto).toMatch(/^[^@\s<>]+@[^@\s<>]+$/);
  });

  it("a personal stage uses its sender unless told otherwise", () => {
    expect(stageConfig("alice", { TIPS_SENDER_EMAIL: "me@example.org" })).toMatchObject({
      replyTo: "me@example.org",
      unsubscribeMailto: "me@example.org",
    });
    expect(
      stageConfig("alice", {
        TIPS_SENDER_EMAIL: "me@example.org",
        TIPS_REPLY_TO: "r@example.org",
        TIPS_UNSUBSCRIBE_EMAIL: "u@example.org",
      }),
    ).toMatchObject({ replyTo: "r@example.org", unsubscribeMailto: "u@example.org" });
  });
});
