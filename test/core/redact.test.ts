import { describe, expect, it } from "vitest";
import { redact } from "../../functions/core/redact.js";

describe("redact", () => {
  it.each([
    [
      "MessageRejected: Email address is not verified: Ann.Lee+x@Example.COM",
      "MessageRejected: Email address is not verified: [address]",
    ],
    ["<ann@example.com> said no", "<[address]> said no"],
    [
      "GET https://tips.example.com/unsubscribe?token=k1.unsubscribe.0123456789abcdef0123456789abcdef.1.0.abc&x=1",
      "GET https://tips.example.com/unsubscribe?token=[token]&x=1",
    ],
    ["token k1.manage.0123456789abcdef0123456789abcdef.17.0.Zz_- leaked", "token [token] leaked"],
    ["nothing to hide at 10:00", "nothing to hide at 10:00"],
    [
      "a stack: at f (file:///x/node_modules/@aws-sdk/client/dist/index.js:1:2)",
      "a stack: at f (file:///x/node_modules/@aws-sdk/client/dist/index.js:1:2)",
    ],
    ["José@exämple.org wrote", "[address] wrote"],
  ])("%s", (text, expected) => {
    expect(redact(text)).toBe(expected);
  });
});
