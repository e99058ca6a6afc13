import { describe, expect, it } from "vitest";
import { InvalidTokenError } from "../../functions/core/errors.js";
import { createSigner, type TokenPurpose } from "../../functions/core/tokens.js";
import { DAY, TestClock } from "../support/lifecycle.js";

const ID = "0123456789abcdef0123456789abcdef";
const OLD = { kid: "old", secret: "old-secret-0123456789abcdef0123456789" };
const NEW = { kid: "new", secret: "new-secret-0123456789abcdef0123456789" };

function setup() {
  const clock = new TestClock();
  return { clock, signer: createSigner([NEW, OLD], clock) };
}

/** Replaces part `index` of a token (kid.purpose.id.expiry.mac). */
function withPart(token: string, index: number, value: string): string {
  const parts = token.split(".");
  parts[index] = value;
  return parts.join(".");
}

describe("tokens", () => {
  it("round-trips both purposes", () => {
    const { signer } = setup();
    for (const purpose of ["confirm", "unsubscribe"] as const) {
      expect(signer.verify(signer.issue(purpose, ID, 60), purpose)).toBe(ID);
    }
  });

  it("verifies a token signed with a rotated-out (but still listed) key", () => {
    const { clock } = setup();
    const oldToken = createSigner([OLD], clock).issue("unsubscribe", ID);
    expect(createSigner([NEW, OLD], clock).verify(oldToken, "unsubscribe")).toBe(ID);
    // Once the old key is dropped from the ring, its tokens stop working.
    expect(() => createSigner([NEW], clock).verify(oldToken, "unsubscribe")).toThrow(
      InvalidTokenError,
    );
  });

  it("signs with the first key", () => {
    const { signer } = setup();
    expect(signer.issue("confirm", ID, 60).startsWith("new.confirm.")).toBe(true);
  });

  it("expires confirm tokens at their TTL; unsubscribe tokens never", () => {
    const { clock, signer } = setup();
    const confirmToken = signer.issue("confirm", ID, 7 * 24 * 3600);
    const unsubscribeToken = signer.issue("unsubscribe", ID);
    clock.advance(7 * DAY);
    expect(signer.verify(confirmToken, "confirm")).toBe(ID);
    clock.advance(1000);
    expect(() => signer.verify(confirmToken, "confirm")).toThrow(InvalidTokenError);
    clock.advance(3650 * DAY);
    expect(signer.verify(unsubscribeToken, "unsubscribe")).toBe(ID);
  });

  const good = setup().signer.issue("confirm", ID, 3600);
  const signature = good.split(".")[4] ?? "";
  const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
  const cases: Array<[string, unknown, TokenPurpose]> = [
    ["wrong purpose", good, "unsubscribe"],
    ["tampered signature", withPart(good, 4, flipped), "confirm"],
    ["truncated signature", withPart(good, 4, signature.slice(0, -4)), "confirm"],
    ["purpose swapped in the text", withPart(good, 1, "unsubscribe"), "unsubscribe"],
    ["other subscriber id", withPart(good, 2, "f".repeat(32)), "confirm"],
    ["expiry pushed out", withPart(good, 3, "99999999999"), "confirm"],
    ["expiry not a number", withPart(good, 3, "1e10"), "confirm"],
    ["unknown kid", withPart(good, 0, "nope"), "confirm"],
    ["id not hex", withPart(good, 2, "Z".repeat(32)), "confirm"],
    ["too few parts", good.split(".").slice(0, 4).join("."), "confirm"],
    ["too many parts", `${good}.x`, "confirm"],
    ["empty", "", "confirm"],
    ["very long", `${good}${"a".repeat(300)}`, "confirm"],
    ["not a string", 12345, "confirm"],
    ["undefined", undefined, "confirm"],
  ];
  it.each(cases)("rejects %s", (_name, token, purpose) => {
    const { signer } = setup();
    expect(() => signer.verify(token as string, purpose)).toThrow(InvalidTokenError);
  });

  it("needs at least one key", () => {
    expect(() => createSigner([], new TestClock())).toThrow(/at least one/);
  });
});
