import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  canonicalMailbox,
  keyedHashes,
  mailDomain,
  normalizeEmail,
  shardOf,
  shownAddress,
} from "../../functions/core/email.js";
import { subscriberId } from "../support/ids.js";

describe("normalizeEmail", () => {
  it.each([
    ["ann@example.com", "ann@example.com"],
    ["  ann@example.com\t", "ann@example.com"],
    ["Ann@Example.COM", "Ann@example.com"],
    ["first.last+tips@sub.example.org", "first.last+tips@sub.example.org"],
    ["UPPER@EXAMPLE.COM", "UPPER@example.com"],
    // An international domain in its ASCII form (IDNA), as SES sends to and reports it.
    ["anna@müller.de", "anna@xn--mller-kva.de"],
    ["Anna@MÜLLER.de", "Anna@xn--mller-kva.de"],
    ["anna@xn--mller-kva.de", "anna@xn--mller-kva.de"],
    ["li@例え.jp", "li@xn--r8jz45g.jp"],
    ["ivan@пример.рф", "ivan@xn--e1afmkfd.xn--p1ai"],
    ["li@例え.テスト", "li@xn--r8jz45g.xn--zckzah"],
    ["ann@ｅｘａｍｐｌｅ.com", "ann@example.com"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });

  it.each([
    [""],
    ["   "],
    ["ann"],
    ["@example.com"],
    ["ann@"],
    ["ann@@example.com"],
    ["a b@example.com"],
    ["ann@example"],
    ["ann@exa mple.com"],
    ["<ann@example.com>"],
    ["ann@example.com\r\nBcc: x@example.com"],
    [`${"a".repeat(64)}@${"b".repeat(186)}.com`],
    ["ann@müller..de"],
    ["ann@example.xn--"],
    ["ann@example.x-n"],
    ["ann@exa\u0000mple.com"],
    ["ann@ex ä.de"],
    [`ann@${"ü".repeat(60)}.de`],
  ])("rejects %j", (input) => {
    expect(normalizeEmail(input)).toBeUndefined();
  });
});

describe("shownAddress", () => {
  it.each([
    ["anna@xn--mller-kva.de", "anna@müller.de"],
    ["li@xn--r8jz45g.jp", "li@例え.jp"],
    ["ann@example.com", "ann@example.com"],
    ["xn--ann@example.com", "xn--ann@example.com"],
    ["ann@xn--.de", "ann@xn--.de"],
  ])("%s is shown as %s", (stored, shown) => {
    expect(shownAddress(stored)).toBe(shown);
  });
});

describe("subscriberId", () => {
  it("is the same for addresses that differ only in case, and 32 hex characters", () => {
    const id = subscriberId("Ann@example.com");
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(subscriberId("ann@example.com")).toBe(id);
    expect(subscriberId("bob@example.com")).not.toBe(id);
  });

  it("spreads ids over every shard", () => {
    const shards = new Set(
      Array.from({ length: 200 }, (_, i) => shardOf(subscriberId(`r${i}@example.com`), 16)),
    );
    expect(shards.size).toBe(16);
  });
});

describe("RFC 5321 limits", () => {
  it.each([
    ["a 64-octet local part", `${"a".repeat(64)}@example.com`, true],
    ["a 65-octet local part", `${"a".repeat(65)}@example.com`, false],
    ["a local part of 33 two-octet letters (66 octets)", `${"é".repeat(33)}@example.com`, false],
    ["a 63-octet label", `a@${"b".repeat(63)}.com`, true],
    ["a 64-octet label", `a@${"b".repeat(64)}.com`, false],
    ["a label ending in a hyphen", "a@b-.example", false],
    ["a label starting with a hyphen", "a@-b.example", false],
    ["an all-numeric top-level domain", "a@example.123", false],
    ["a single-label domain", "a@localhost", false],
    ["an underscore in the domain", "a@b_c.example", false],
  ])("%s: %s", (_what, address, valid) => {
    expect(normalizeEmail(address) !== undefined).toBe(valid);
  });
});

describe("canonicalMailbox: one real mailbox, however it is spelt", () => {
  it.each([
    ["Ann+x@Example.org", "ann@example.org"],
    ["a.n.n+1@googlemail.com", "ann@gmail.com"],
    ["ann-shop@yahoo.com", "ann@yahoo.com"],
    ["ann-shop@yahoo.co.uk", "ann@yahoo.co.uk"],
    ["ann-shop@ymail.com", "ann@ymail.com"],
    ["shop@ann.fastmail.com", "ann@fastmail.com"],
    ["shop+x@ann.fastmail.fm", "ann@fastmail.fm"],
    ["ann@pm.me", "ann@proton.me"],
    ["ann@me.com", "ann@icloud.com"],
    // A "-" is part of the name where the provider does not use it as a tag.
    ["ann-lee@example.org", "ann-lee@example.org"],
    ["a.n.n@example.org", "a.n.n@example.org"],
  ])("%s → %s", (address, mailbox) => {
    expect(canonicalMailbox(address)).toBe(mailbox);
  });

  it("names the registrable domain, so a catch-all's subdomains are one domain", () => {
    expect(mailDomain("x@a.catch-all.example.co.uk")).toBe("example.co.uk");
    expect(mailDomain("x@sub.evil.example")).toBe("evil.example");
    expect(mailDomain("shop@ann.fastmail.com")).toBe("fastmail.com");
    expect(mailDomain("x@googlemail.com")).toBe("gmail.com");
  });
});

describe("keyed hashes", () => {
  const a = keyedHashes("a".repeat(64));
  const b = keyedHashes("b".repeat(64));

  it("depend on the stage's key: another key, other ids (a plain hash would be the same)", () => {
    expect(a.subscriberId("ann@example.com")).not.toBe(b.subscriberId("ann@example.com"));
    expect(a.subscriberId("ann@example.com")).not.toBe(
      createHash("sha256").update("ann@example.com").digest("hex").slice(0, 32),
    );
  });

  it("keep each kind apart, and a client's network and address as the limits need", () => {
    expect(a.mailboxKey("ann@example.com")).not.toBe(a.subscriberId("ann@example.com"));
    expect(a.mailboxKey("Ann+1@example.com")).toBe(a.mailboxKey("ann@example.com"));
    expect(a.networkKey("203.0.113.7")).toBe(a.networkKey("203.0.113.200"));
    expect(a.networkKey("203.0.113.7")).not.toBe(a.networkKey("203.0.114.7"));
    expect(a.networkKey("2001:db8:1:2::5")).toBe(a.networkKey("2001:db8:1:ffff::9"));
    expect(a.networkKey("::ffff:203.0.113.9")).toBe(a.networkKey("203.0.113.1"));
    expect(a.providerKey("203.0.113.7")).toBe(a.providerKey("203.0.113.200"));
    expect(a.providerKey("203.0.113.7")).not.toBe(a.providerKey("203.0.114.7"));
    expect(a.providerKey("2001:db8:1::5")).toBe(a.providerKey("2001:db8:ffff::9"));
    expect(a.providerKey("2001:db8::5")).not.toBe(a.providerKey("2001:db9::5"));
    expect(a.providerKey("203.0.113.7")).not.toBe(a.networkKey("203.0.113.7"));
    expect(a.clientKey("203.0.113.7")).not.toBe(a.clientKey("203.0.113.8"));
    expect(a.clientKey("2001:db8:1:2::5")).toBe(a.clientKey("2001:db8:1:2::ffff"));
    expect(a.clientKey("2001:db8:1:2::5")).not.toBe(a.clientKey("2001:db8:1:3::5"));
    expect(a.domainKey("x@sub.example.org")).toBe(a.domainKey("y@example.org"));
  });
});
