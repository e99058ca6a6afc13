import { describe, expect, it } from "vitest";
import { InvalidTokenError } from "../../functions/core/errors.js";
import {
  confirmSubject,
  createSigner,
  KeyringError,
  parseKeyring,
  parseSecret,
  secretProblem,
  type TokenPurpose,
} from "../../functions/core/tokens.js";
import { DAY, TestClock } from "../support/lifecycle.js";

const ID = "0123456789abcdef0123456789abcdef";
/** A confirm link's subject: the subscriber and the signup (generation) it was issued for. */
const CONFIRM = confirmSubject(ID, "fedcba9876543210");
const OLD = { kid: "old", secret: "old-secret-0123456789abcdef0123456789" };
const NEW = { kid: "new", secret: "new-secret-0123456789abcdef0123456789" };

function setup() {
  const clock = new TestClock();
  return { clock, signer: createSigner([NEW, OLD], clock) };
}

/**
 * The same 32 bytes spelt differently: the 43rd base64url character carries 4 bits of data and
 * 2 unused bits, which Buffer.from ignores. Flipping an unused bit keeps the decoded MAC equal.
 */
function nonCanonical(signature: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const last = alphabet.indexOf(signature.slice(-1));
  return signature.slice(0, -1) + alphabet[last ^ 1];
}

/** Replaces part `index` of a token (kid.purpose.subject.issued.expiry.mac). */
function withPart(token: string, index: number, value: string): string {
  const parts = token.split(".");
  parts[index] = value;
  return parts.join(".");
}

describe("tokens", () => {
  it("round-trips both purposes", () => {
    const { signer } = setup();
    expect(signer.verify(signer.issue("confirm", CONFIRM, 60), "confirm")).toBe(CONFIRM);
    expect(signer.verify(signer.issue("unsubscribe", ID), "unsubscribe")).toBe(ID);
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
    const confirmToken = signer.issue("confirm", CONFIRM, 7 * 24 * 3600);
    const unsubscribeToken = signer.issue("unsubscribe", ID);
    clock.advance(7 * DAY);
    expect(signer.verify(confirmToken, "confirm")).toBe(CONFIRM);
    clock.advance(1000);
    expect(() => signer.verify(confirmToken, "confirm")).toThrow(InvalidTokenError);
    clock.advance(3650 * DAY);
    expect(signer.verify(unsubscribeToken, "unsubscribe")).toBe(ID);
  });

  const good = setup().signer.issue("confirm", CONFIRM, 3600);
  const signature = good.split(".")[5] ?? "";
  const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
  const cases: Array<[string, unknown, TokenPurpose]> = [
    ["wrong purpose", good, "unsubscribe"],
    ["tampered signature", withPart(good, 5, flipped), "confirm"],
    ["truncated signature", withPart(good, 5, signature.slice(0, -4)), "confirm"],
    ["purpose swapped in the text", withPart(good, 1, "unsubscribe"), "unsubscribe"],
    [
      "other subscriber id",
      withPart(good, 2, confirmSubject("f".repeat(32), "fedcba9876543210")),
      "confirm",
    ],
    ["other generation", withPart(good, 2, confirmSubject(ID, "0".repeat(16))), "confirm"],
    [
      "a confirm link without a generation (signed)",
      setup().signer.issue("confirm", ID, 3600),
      "confirm",
    ],
    [
      "an unsubscribe link with a generation (signed)",
      setup().signer.issue("unsubscribe", CONFIRM),
      "unsubscribe",
    ],
    ["expiry pushed out", withPart(good, 4, "99999999999"), "confirm"],
    ["expiry not a number", withPart(good, 4, "1e10"), "confirm"],
    ["unknown kid", withPart(good, 0, "nope"), "confirm"],
    ["id not hex", withPart(good, 2, "Z".repeat(32)), "confirm"],
    ["signature with a trailing character outside the alphabet", `${good}]`, "confirm"],
    ["signature with padding", `${good}==`, "confirm"],
    ["signature with one padding character", `${good}=`, "confirm"],
    ["signature in the + / alphabet", withPart(good, 5, signature.replace(/^./, "+")), "confirm"],
    [
      "signature with a space inside",
      withPart(good, 5, `${signature.slice(0, 20)} ${signature.slice(20)}`),
      "confirm",
    ],
    ["signature with a second MAC appended", withPart(good, 5, signature + signature), "confirm"],
    [
      "signature with a non-canonical last character",
      withPart(good, 5, nonCanonical(signature)),
      "confirm",
    ],
    ["too few parts", good.split(".").slice(0, 5).join("."), "confirm"],
    ["too many parts", `${good}.x`, "confirm"],
    ["empty", "", "confirm"],
    ["very long", `${good}${"a".repeat(300)}`, "confirm"],
    ["not a string", 12345, "confirm"],
    ["undefined", undefined, "confirm"],
  ];
  it("accepts the token the cases below are made from", () => {
    expect(setup().signer.verify(good, "confirm")).toBe(CONFIRM);
  });

  it.each(cases)("rejects %s", (_name, token, purpose) => {
    const { signer } = setup();
    expect(() => signer.verify(token as string, purpose)).toThrow(InvalidTokenError);
  });

  it("the non-canonical signature really decodes to the same MAC (so the check above matters)", () => {
    const other = nonCanonical(signature);
    expect(other).not.toBe(signature);
    expect(Buffer.from(other, "base64url").equals(Buffer.from(signature, "base64url"))).toBe(true);
    expect(
      Buffer.from(`${signature}]`, "base64url").equals(Buffer.from(signature, "base64url")),
    ).toBe(true);
  });

  it("refuses a keyring with a key id used twice", () => {
    expect(() => createSigner([NEW, { ...OLD, kid: "new" }], new TestClock())).toThrow(
      /"new" is used twice/,
    );
  });

  it("needs at least one key", () => {
    expect(() => createSigner([], new TestClock())).toThrow(/at least one/);
  });
});

describe("parseKeyring (the TokenKeys secret)", () => {
  const HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  const B64 = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=";

  it("reads kid:secret pairs, hex or base64, first one first", () => {
    expect(parseKeyring(`k2:${HEX}, k1:${B64}`)).toEqual([
      { kid: "k2", secret: HEX },
      { kid: "k1", secret: B64 },
    ]);
  });

  it.each([
    ["an empty ring", "", /empty/],
    ["no key id", HEX, /kid:secret/],
    ["a bad key id", `bad kid!:${HEX}`, /kid:secret/],
    ["a key id used twice", `k1:${HEX},k1:${B64}`, /"k1" is used twice/],
    ["16 bytes of hex", `k1:${HEX.slice(0, 32)}`, /at least 32 random bytes/],
    ["63 hex characters", `k1:${HEX.slice(0, 63)}`, /at least 32 random bytes/],
    [
      "a typed-in phrase",
      "k1:this is my very secret signing key, please keep it",
      /32 random bytes/,
    ],
    ["one repeated character", `k1:${"a".repeat(80)}`, /32 random bytes/],
    ["an empty secret", "k1:", /32 random bytes/],
  ])("refuses %s, naming the entry", (_what, raw, message) => {
    const error = (() => {
      try {
        parseKeyring(raw);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(KeyringError);
    expect((error as Error).message).toMatch(message);
    // The message names the key, never the secret.
    expect((error as Error).message).not.toContain(HEX.slice(0, 32));
  });
});

describe("purposes and issue times", () => {
  it("a view token names a tip, not a reader, and is good for nothing else", () => {
    const { signer } = setup();
    const view = signer.issue("view", "squats");
    expect(signer.verify(view, "view")).toBe("squats");
    for (const purpose of ["unsubscribe", "manage", "confirm"] as const) {
      expect(() => signer.verify(view, purpose)).toThrow(InvalidTokenError);
    }
    expect(() => signer.verify(signer.issue("unsubscribe", ID), "view")).toThrow(InvalidTokenError);
  });

  it("carries its issue time, under the MAC", () => {
    const { clock, signer } = setup();
    const token = signer.issue("manage", ID);
    expect(signer.read(token, "manage")).toEqual({
      subject: ID,
      issuedAt: Math.floor(clock.now().getTime() / 1000),
    });
    // Moving the issue time forward (to get past a sign-out) breaks the MAC.
    expect(() => signer.read(withPart(token, 3, "9999999999"), "manage")).toThrow(
      InvalidTokenError,
    );
  });
});

describe("secretProblem: only random keys sign", () => {
  const RANDOM = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  it.each([
    ["16 hex characters four times", "0123456789abcdef".repeat(4), /repeats a block/],
    ["a counting run of bytes", Buffer.from([...Array(32).keys()]).toString("hex"), /counts/],
    [
      "a phrase, hex-encoded",
      Buffer.from("this is my secret key for tokens!").toString("hex"),
      /text/,
    ],
    [
      "a phrase as base64",
      Buffer.from("correct horse battery staple, ok").toString("base64"),
      /text/,
    ],
    ["one byte again and again", "ab".repeat(32), /repeats a block/],
    ["hex of odd length", RANDOM.slice(1), /neither hex nor base64/],
    ["31 bytes", RANDOM.slice(2), /has 31/],
  ])("refuses %s", (_what, secret, why) => {
    expect(secretProblem(secret)).toMatch(why);
  });

  it("takes 32 random bytes, as hex or base64", () => {
    expect(secretProblem(RANDOM)).toBeUndefined();
    expect(secretProblem(Buffer.from(RANDOM, "hex").toString("base64"))).toBeUndefined();
    expect(secretProblem(Buffer.from(RANDOM, "hex").toString("base64url"))).toBeUndefined();
  });

  it("refuses a weak id key the same way, naming it and never the secret", () => {
    expect(() => parseSecret("0123456789abcdef".repeat(4), "ID_KEY")).toThrow(
      /ID_KEY: the secret must be at least 32 random bytes.*repeats a block.*keys -- new --bare/,
    );
    expect(parseSecret(` ${RANDOM} `, "ID_KEY")).toBe(RANDOM);
  });
});
