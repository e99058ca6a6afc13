import { describe, expect, it } from "vitest";
import { normalizeEmail, shardOf, subscriberId } from "../../functions/core/email.js";

describe("normalizeEmail", () => {
  it.each([
    ["ann@example.com", "ann@example.com"],
    ["  ann@example.com\t", "ann@example.com"],
    ["Ann@Example.COM", "Ann@example.com"],
    ["first.last+tips@sub.example.org", "first.last+tips@sub.example.org"],
    ["UPPER@EXAMPLE.COM", "UPPER@example.com"],
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
  ])("rejects %j", (input) => {
    expect(normalizeEmail(input)).toBeUndefined();
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
