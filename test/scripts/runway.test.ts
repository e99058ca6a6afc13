import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DynamoStore } from "../../functions/adapters/dynamo-store.js";
import type { Subscriber, SubscriberStatus } from "../../functions/core/types.js";
import { type LocalAws, localStore, startLocalAws } from "../../scripts/local/aws.js";
import { reportRunway } from "../../scripts/runway.js";
import { subscriberId } from "../support/ids.js";

const TIPS = ["a", "b", "c", "d", "e", "f"].map((slug) => ({ slug }));
let aws: LocalAws;
let store: DynamoStore;

function subscriber(email: string, status: SubscriberStatus, sentTips: string[]): Subscriber {
  const at = "2026-11-01T00:00:00.000Z";
  return {
    id: subscriberId(email),
    email,
    status,
    createdAt: at,
    updatedAt: at,
    consent: { at, ip: "203.0.113.1", userAgent: "t", source: "test", textVersion: "1" },
    sentTips,
  };
}

async function report(tableName = aws.tableName): Promise<string[]> {
  const lines: string[] = [];
  await reportRunway({
    tips: TIPS,
    endpoint: aws.dynamoEndpoint,
    tableName,
    log: (line) => lines.push(line),
  });
  return lines;
}

beforeAll(async () => {
  aws = await startLocalAws();
  store = localStore(aws.dynamoEndpoint, aws.tableName);
});

afterAll(() => aws?.stop());

describe("runway report", () => {
  it("counts every tip while nobody is active", async () => {
    expect(await report()).toEqual([
      "runway: 6 weeks of tips (no active subscribers in the local table yet)",
    ]);
  });

  it("counts from the most advanced active subscriber, ignoring those who left", async () => {
    await store.create(subscriber("new@example.com", "active", []));
    await store.create(subscriber("mid@example.com", "active", ["a", "b"]));
    await store.create(subscriber("far@example.com", "active", ["a", "b", "c", "gone-tip"]));
    // Further along, but unsubscribed: not part of the runway.
    await store.create(subscriber("left@example.com", "unsubscribed", ["a", "b", "c", "d"]));
    expect(await report()).toEqual([
      "runway: 3 weeks until the most advanced subscribers run out (6 tips, most advanced has received 3)",
      "readers: 3 active, 0 paused; delivery hours Mon 07:00 UTC: 3",
    ]);
  });

  it("warns when two weeks or fewer are left", async () => {
    await store.create(subscriber("ahead@example.com", "active", ["a", "b", "c", "d", "e"]));
    expect(await report()).toEqual([
      "⚠ runway: 1 week until the most advanced subscribers run out (6 tips, most advanced has received 5)",
      "readers: 4 active, 0 paused; delivery hours Mon 07:00 UTC: 4",
    ]);
  });

  it("counts paused readers and readers per delivery hour", async () => {
    await store.create({
      ...subscriber("kiri@example.com", "active", []),
      timeZone: "Pacific/Kiritimati",
      pausedUntil: "2099-01-05T07:00:00.000Z",
    });
    await store.create({
      ...subscriber("la@example.com", "active", []),
      timeZone: "America/Los_Angeles",
    });
    const [, readers] = await report();
    expect(readers).toMatch(/^readers: 6 active, 1 paused; delivery hours Mon 07:00 UTC: 4 · /);
    expect(readers).toContain("Sun 17:00 UTC: 1");
    expect(readers).toMatch(/Mon 1[45]:00 UTC: 1/); // 07:00 PST or PDT
  });

  it("places each reader at their own day and hour, in their zone", async () => {
    await store.create({ ...subscriber("wed@example.com", "active", []), deliverySlot: "3-18" });
    await store.create({
      ...subscriber("fri@example.com", "active", []),
      deliverySlot: "5-06",
      timeZone: "Asia/Tokyo",
    });
    const [, readers] = await report();
    expect(readers).toContain("Wed 18:00 UTC: 1");
    expect(readers).toContain("Thu 21:00 UTC: 1"); // Friday 06:00 in Tokyo
    expect(readers).toContain("Mon 07:00 UTC: 4");
  });

  it("counts only tips that are out: held-back ones are said apart, never runway", async () => {
    const lines: string[] = [];
    await reportRunway({
      tips: [
        ...TIPS,
        { slug: "later-1", publishedAt: "2099-01-05" },
        { slug: "later-2", publishedAt: new Date("2099-01-12T00:00:00Z") },
        { slug: "today", publishedAt: "2026-12-07" },
      ],
      now: new Date("2026-12-07T10:00:00Z"),
      endpoint: aws.dynamoEndpoint,
      tableName: aws.tableName,
      log: (line) => lines.push(line),
    });
    expect(lines[0]).toBe(
      "⚠ runway: 2 weeks until the most advanced subscribers run out (7 tips out, most advanced has received 5; 2 more held back until their publishedAt)",
    );
  });

  it("warns instead of failing when the table is missing", async () => {
    const [line] = await report("NoSuchTable");
    expect(line).toMatch(
      /^⚠ runway: could not read the local table at http:\/\/127\.0\.0\.1:\d+: /,
    );
  });
});
