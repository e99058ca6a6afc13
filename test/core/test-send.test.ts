import { describe, expect, it } from "vitest";
import { testSendRefusal } from "../../functions/core/test-send.js";

describe("a test send is refused to an address that asked for no mail or whose mail fails", () => {
  it.each([
    ["unsubscribed", /unsubscribed/],
    ["erased", /erased/],
    ["bounced", /bounced/],
    ["complained", /spam/],
  ] as const)("%s", (status, why) => {
    expect(testSendRefusal(status)).toMatch(why);
  });

  it.each([undefined, "active", "pending"] as const)("%s may get one", (status) => {
    expect(testSendRefusal(status)).toBeUndefined();
  });
});
