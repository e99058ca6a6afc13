/**
 * The subscriber-lifecycle half of the SubscriberStore contract: one suite, run against every
 * implementation (store-lifecycle.test.ts). Claims are covered by the send engine's suite.
 */
import { describe, expect, it } from "vitest";
import { shardOf, subscriberId } from "../../functions/core/email.js";
import type { SubscriberStore } from "../../functions/core/ports.js";
import type { Consent, Subscriber, SubscriberStatus } from "../../functions/core/types.js";

const T0 = new Date("2026-03-02T09:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function consent(overrides: Partial<Consent> = {}): Consent {
  return {
    at: T0.toISOString(),
    ip: "203.0.113.1",
    userAgent: "contract",
    source: "test",
    textVersion: "v1",
    ...overrides,
  };
}

let counter = 0;
/** A pending subscriber with a fresh address (unique across the run, so stores can be shared). */
export function pendingSubscriber(overrides: Partial<Subscriber> = {}): Subscriber {
  counter += 1;
  const email = `runner-${process.pid}-${Date.now()}-${counter}@example.com`;
  return {
    id: subscriberId(email),
    email,
    firstName: "Ann",
    status: "pending",
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    consent: consent(),
    sentTips: [],
    ...overrides,
  };
}

export function storeLifecycleContract(
  name: string,
  makeStore: () => Promise<SubscriberStore>,
): void {
  describe(`${name}: subscriber lifecycle`, () => {
    async function withStatus(store: SubscriberStore, status: SubscriberStatus) {
      const s = pendingSubscriber();
      await store.create(s);
      if (status === "active") await store.activate(s.id, T0, "1.1.1.1");
      if (status === "unsubscribed") await store.unsubscribe(s.id, T0);
      if (status === "bounced" || status === "complained") await store.suppress(s.id, status, T0);
      expect((await store.get(s.id))?.status).toBe(status);
      return s;
    }

    it("creates once; a second create changes nothing", async () => {
      const store = await makeStore();
      const s = pendingSubscriber();
      expect(await store.create(s)).toBe(true);
      expect(await store.create({ ...s, firstName: "Other", status: "active" })).toBe(false);
      const saved = await store.get(s.id);
      expect(saved).toMatchObject({
        id: s.id,
        email: s.email,
        firstName: "Ann",
        status: "pending",
      });
      expect(saved?.consent).toEqual(s.consent);
      expect(saved?.sentTips).toEqual([]);
      expect(await store.get(subscriberId("nobody@example.com"))).toBeUndefined();
    });

    const GEN_A = "aaaaaaaaaaaaaaaa";
    const GEN_B = "bbbbbbbbbbbbbbbb";
    const signupRecord = (
      generation: string,
      firstName: string | undefined,
      c: Consent,
      now: Date,
      timeZone: string | undefined = undefined,
    ) => ({
      generation,
      firstName,
      timeZone,
      consent: c,
      now,
    });

    it("a signup sets the reader's time zone, and a later one without a zone drops it", async () => {
      const store = await makeStore();
      const s = pendingSubscriber({ generation: GEN_A });
      await store.create(s);
      const zoned = signupRecord(GEN_B, "Ann", consent(), at(HOUR), "Pacific/Kiritimati");
      expect(await store.beginSignup(s.id, zoned, GEN_A)).toBe(true);
      expect((await store.get(s.id))?.timeZone).toBe("Pacific/Kiritimati");
      const plain = signupRecord(GEN_A, "Ann", consent(), at(2 * HOUR));
      expect(await store.beginSignup(s.id, plain, GEN_B)).toBe(true);
      expect((await store.get(s.id))?.timeZone).toBeUndefined();
    });

    it("begins a signup only on a pending or unsubscribed subscriber with the generation read", async () => {
      const store = await makeStore();
      for (const status of ["active", "bounced", "complained"] as const) {
        const s = await withStatus(store, status);
        const record = signupRecord(GEN_A, "X", consent({ ip: "9.9.9.9" }), at(HOUR));
        expect(await store.beginSignup(s.id, record, undefined)).toBe(false);
        expect((await store.get(s.id))?.status).toBe(status);
        expect((await store.get(s.id))?.generation).toBeUndefined();
      }
      expect(
        await store.beginSignup(
          subscriberId("gone@example.com"),
          signupRecord(GEN_A, undefined, consent(), T0),
          undefined,
        ),
      ).toBe(false);
      expect(await store.get(subscriberId("gone@example.com"))).toBeUndefined();
    });

    it("appends each signup's consent, replaces the generation and name, and loses a race", async () => {
      const store = await makeStore();
      const first = consent();
      const s = pendingSubscriber({ generation: GEN_A, consent: first, consentHistory: [first] });
      await store.create(s);
      const second = consent({ at: at(HOUR).toISOString(), ip: "9.9.9.9", textVersion: "v2" });
      // A writer that read no generation (or an old one) loses: someone else signed up since.
      expect(
        await store.beginSignup(s.id, signupRecord(GEN_B, "Bea", second, at(HOUR)), undefined),
      ).toBe(false);
      expect(
        await store.beginSignup(s.id, signupRecord(GEN_B, "Bea", second, at(HOUR)), GEN_B),
      ).toBe(false);
      expect(
        await store.beginSignup(s.id, signupRecord(GEN_B, "Bea", second, at(HOUR)), GEN_A),
      ).toBe(true);
      let saved = await store.get(s.id);
      expect(saved).toMatchObject({
        status: "pending",
        generation: GEN_B,
        firstName: "Bea",
        consent: second,
      });
      expect(saved?.consentHistory).toEqual([first, second]);
      expect(saved?.updatedAt).toBe(at(HOUR).toISOString());

      // Unsubscribing drops the generation; the next signup starts from none, without a name.
      await store.unsubscribe(s.id, at(2 * HOUR));
      saved = await store.get(s.id);
      expect(saved?.generation).toBeUndefined();
      expect(saved?.unsubscribedAt).toBe(at(2 * HOUR).toISOString());
      const third = consent({ at: at(3 * HOUR).toISOString(), ip: "8.8.8.8" });
      expect(
        await store.beginSignup(
          s.id,
          signupRecord(GEN_A, undefined, third, at(3 * HOUR)),
          undefined,
        ),
      ).toBe(true);
      saved = await store.get(s.id);
      expect(saved).toMatchObject({ status: "pending", generation: GEN_A, consent: third });
      expect(saved?.firstName).toBeUndefined();
      expect(saved?.unsubscribedAt).toBeUndefined();
      expect(saved?.consentHistory).toEqual([first, second, third]);
    });

    it("keeps the consent of an item written before consentHistory existed", async () => {
      const store = await makeStore();
      const old = consent({ textVersion: "v0" });
      const s = pendingSubscriber({ consent: old }); // no consentHistory, no generation
      await store.create(s);
      const next = consent({ at: at(HOUR).toISOString(), ip: "9.9.9.9" });
      const record = { ...signupRecord(GEN_A, undefined, next, at(HOUR)), earlierConsents: [old] };
      expect(await store.beginSignup(s.id, record, undefined)).toBe(true);
      expect((await store.get(s.id))?.consentHistory).toEqual([old, next]);
      // Once there is a history, earlierConsents is ignored: nothing is rewritten.
      const third = consent({ at: at(2 * HOUR).toISOString() });
      const again = {
        ...signupRecord(GEN_B, undefined, third, at(2 * HOUR)),
        earlierConsents: [third],
      };
      expect(await store.beginSignup(s.id, again, GEN_A)).toBe(true);
      expect((await store.get(s.id))?.consentHistory).toEqual([old, next, third]);
    });

    it("records a sent confirmation only for the current generation", async () => {
      const store = await makeStore();
      const s = pendingSubscriber({ generation: GEN_A });
      await store.create(s);
      expect(await store.markConfirmationSent(s.id, GEN_B, T0)).toBe(false);
      expect((await store.get(s.id))?.confirmSentFor).toBeUndefined();
      expect(await store.markConfirmationSent(s.id, GEN_A, T0)).toBe(true);
      expect(await store.get(s.id)).toMatchObject({
        confirmSentFor: GEN_A,
        confirmEmailSentAt: T0.toISOString(),
      });
      expect(await store.markConfirmationSent(subscriberId("none@example.com"), GEN_A, T0)).toBe(
        false,
      );
    });

    it("gives a mailbox `limit` slots per window, once per signup, and frees them as they age", async () => {
      const store = await makeStore();
      const mailbox = `mailbox-${process.pid}-${Date.now()}-${Math.random()}`;
      const take = (signup: string, now: Date) =>
        store.reserveMailboxSlot(mailbox, signup, now, 86_400, 2);
      expect(await take("s1", T0)).toBe(true);
      expect(await take("s1", at(HOUR))).toBe(true); // a redelivery of s1: its own slot
      expect(await take("s2", at(2 * HOUR))).toBe(true);
      expect(await take("s3", at(3 * HOUR))).toBe(false);
      expect(await take("s2", at(3 * HOUR))).toBe(true);
      expect(await take("s3", at(DAY - 1))).toBe(false); // just under 24 h after s1: still inside
      expect(await take("s3", at(DAY + 1))).toBe(true); // s1 has aged out
      expect(await take("s4", at(DAY + 2))).toBe(false);
      // Another mailbox has its own slots.
      expect(await store.reserveMailboxSlot(`${mailbox}-other`, "s4", at(DAY + 2), 86_400, 2)).toBe(
        true,
      );
    });

    it("never hands out more slots than the limit to concurrent signups", async () => {
      const store = await makeStore();
      const mailbox = `race-${process.pid}-${Date.now()}-${Math.random()}`;
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store.reserveMailboxSlot(mailbox, `r${i}`, T0, 86_400, 2),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(2);
    });

    it("activates pending subscribers only, and says why not", async () => {
      const store = await makeStore();
      const s = pendingSubscriber();
      await store.create(s);
      expect(await store.activate(s.id, at(HOUR), "192.0.2.5")).toBe("activated");
      expect(await store.get(s.id)).toMatchObject({
        status: "active",
        confirmedAt: at(HOUR).toISOString(),
        confirmIp: "192.0.2.5",
      });
      expect(await store.activate(s.id, at(2 * HOUR), "192.0.2.6")).toBe("already-active");
      expect((await store.get(s.id))?.confirmIp).toBe("192.0.2.5");
      for (const status of ["unsubscribed", "bounced", "complained"] as const) {
        const other = await withStatus(store, status);
        expect(await store.activate(other.id, T0, "1.1.1.1")).toBe("not-pending");
        expect((await store.get(other.id))?.status).toBe(status);
      }
      expect(await store.activate(subscriberId("none@example.com"), T0, "1.1.1.1")).toBe("missing");
    });

    it("activates only with the current generation when one is given", async () => {
      const store = await makeStore();
      const s = pendingSubscriber({ generation: GEN_B });
      await store.create(s);
      expect(await store.activate(s.id, T0, "1.1.1.1", GEN_A)).toBe("not-pending");
      expect((await store.get(s.id))?.status).toBe("pending");
      expect(await store.activate(s.id, T0, "1.1.1.1", GEN_B)).toBe("activated");
      expect(await store.activate(s.id, T0, "1.1.1.1", GEN_B)).toBe("already-active");
      expect(await store.activate(s.id, T0, "1.1.1.1", GEN_A)).toBe("not-pending");
      expect((await store.get(s.id))?.status).toBe("active");
    });

    it("unsubscribes idempotently and takes the subscriber out of the active set", async () => {
      const store = await makeStore();
      const s = await withStatus(store, "active");
      const shard = shardOf(s.id, store.shards);
      expect(await activeIds(store, shard)).toContain(s.id);
      expect(await store.unsubscribe(s.id, at(HOUR))).toBe("unsubscribed");
      expect(await store.get(s.id)).toMatchObject({
        status: "unsubscribed",
        unsubscribedAt: at(HOUR).toISOString(),
      });
      expect(await activeIds(store, shard)).not.toContain(s.id);
      expect(await store.unsubscribe(s.id, at(2 * HOUR))).toBe("already");
      expect((await store.get(s.id))?.unsubscribedAt).toBe(at(HOUR).toISOString());

      const pending = await withStatus(store, "pending");
      expect(await store.unsubscribe(pending.id, T0)).toBe("unsubscribed");
      const bounced = await withStatus(store, "bounced");
      expect(await store.unsubscribe(bounced.id, T0)).toBe("already");
      expect((await store.get(bounced.id))?.status).toBe("bounced");
      expect(await store.unsubscribe(subscriberId("none@example.com"), T0)).toBe("missing");
    });

    it("suppresses once per status and leaves the active set", async () => {
      const store = await makeStore();
      const s = await withStatus(store, "active");
      expect(await store.suppress(s.id, "bounced", at(HOUR))).toBe(true);
      expect(await store.get(s.id)).toMatchObject({
        status: "bounced",
        updatedAt: at(HOUR).toISOString(),
      });
      expect(await activeIds(store, shardOf(s.id, store.shards))).not.toContain(s.id);
      expect(await store.suppress(s.id, "bounced", at(2 * HOUR))).toBe(false);
      expect(await store.suppress(s.id, "complained", at(2 * HOUR))).toBe(true);
      expect((await store.get(s.id))?.status).toBe("complained");
      expect(await store.suppress(subscriberId("none@example.com"), "bounced", T0)).toBe(false);
      expect(await store.get(subscriberId("none@example.com"))).toBeUndefined();
    });

    it("lists exactly the active subscribers, page by page, across every shard", async () => {
      const store = await makeStore();
      const before = await allActive(store, 1000);
      const active: string[] = [];
      for (let i = 0; i < 24; i++) active.push((await withStatus(store, "active")).id);
      for (let i = 0; i < 4; i++) await withStatus(store, "pending");
      const left = await withStatus(store, "active");
      await store.unsubscribe(left.id, T0);

      const seen = await allActive(store, 2);
      expect(seen.filter((id) => !before.includes(id)).sort()).toEqual([...active].sort());
      expect(new Set(seen).size).toBe(seen.length);
    });

    it("pages hold at most `limit` items, each from the shard asked for", async () => {
      const store = await makeStore();
      for (let i = 0; i < 3 * store.shards; i++) await withStatus(store, "active");
      for (let shard = 0; shard < store.shards; shard++) {
        let cursor: string | undefined;
        do {
          const page = await store.listActive(shard, cursor, 2);
          expect(page.items.length).toBeLessThanOrEqual(2);
          for (const item of page.items) {
            expect(item.status).toBe("active");
            expect(shardOf(item.id, store.shards)).toBe(shard);
          }
          cursor = page.cursor;
        } while (cursor);
      }
    });

    it("counts hits per key and window", async () => {
      const store = await makeStore();
      const key = `subscribe:198.51.100.${counter++ % 250}-${Date.now()}`;
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await store.hit(key, T0, 3600, 3));
      expect(results).toEqual([false, false, false, true]);
      expect(await store.hit(`${key}-other`, T0, 3600, 3)).toBe(false);
      expect(await store.hit(key, at(HOUR), 3600, 3)).toBe(false);
      expect(await store.hit(key, T0, 3600, 3)).toBe(true);
    });
  });
}

async function activeIds(store: SubscriberStore, shard: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listActive(shard, cursor, 100);
    ids.push(...page.items.map((s) => s.id));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

async function allActive(store: SubscriberStore, limit: number): Promise<string[]> {
  const ids: string[] = [];
  for (let shard = 0; shard < store.shards; shard++) {
    let cursor: string | undefined;
    do {
      const page = await store.listActive(shard, cursor, limit);
      ids.push(...page.items.map((s) => s.id));
      cursor = page.cursor;
    } while (cursor);
  }
  return ids;
}
