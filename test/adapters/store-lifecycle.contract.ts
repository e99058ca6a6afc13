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

    it("resubscribes only an unsubscribed subscriber, with fresh consent", async () => {
      const store = await makeStore();
      for (const status of ["pending", "active", "bounced", "complained"] as const) {
        const s = await withStatus(store, status);
        expect(await store.resubscribe(s.id, consent({ ip: "9.9.9.9" }), "X", at(HOUR))).toBe(
          false,
        );
        expect((await store.get(s.id))?.status).toBe(status);
      }
      expect(
        await store.resubscribe(subscriberId("gone@example.com"), consent(), undefined, T0),
      ).toBe(false);

      const s = await withStatus(store, "unsubscribed");
      expect((await store.get(s.id))?.unsubscribedAt).toBe(T0.toISOString());
      const fresh = consent({ at: at(HOUR).toISOString(), ip: "9.9.9.9", textVersion: "v2" });
      expect(await store.resubscribe(s.id, fresh, undefined, at(HOUR))).toBe(true);
      const saved = await store.get(s.id);
      expect(saved).toMatchObject({ status: "pending", firstName: "Ann", consent: fresh });
      expect(saved?.unsubscribedAt).toBeUndefined();
      expect(saved?.updatedAt).toBe(at(HOUR).toISOString());

      await store.unsubscribe(s.id, at(2 * HOUR));
      expect(await store.resubscribe(s.id, fresh, "Bea", at(3 * HOUR))).toBe(true);
      expect((await store.get(s.id))?.firstName).toBe("Bea");
    });

    /** A store with one pending subscriber, and a reservation call with the 24 h window. */
    async function pendingWithReservations() {
      const store = await makeStore();
      const s = pendingSubscriber();
      await store.create(s);
      const reserve = (now: Date) =>
        store.reserveConfirmationEmail(s.id, now, new Date(now.getTime() - DAY));
      return { store, s, reserve };
    }

    it("reserves a confirmation email at most once per window, only while pending", async () => {
      const { store, s, reserve } = await pendingWithReservations();
      expect(await reserve(T0)).toBe(true);
      expect((await store.get(s.id))?.confirmEmailSentAt).toBe(T0.toISOString());
      expect(await reserve(at(HOUR))).toBe(false);
      expect(await reserve(at(DAY))).toBe(false); // exactly 24 h later: not yet
      expect(await reserve(at(DAY + 1))).toBe(true);
      expect((await store.get(s.id))?.confirmEmailSentAt).toBe(at(DAY + 1).toISOString());

      for (const status of ["active", "unsubscribed", "bounced", "complained"] as const) {
        const other = await withStatus(store, status);
        expect(await store.reserveConfirmationEmail(other.id, T0, at(-DAY))).toBe(false);
      }
      expect(
        await store.reserveConfirmationEmail(subscriberId("x@example.com"), T0, at(-DAY)),
      ).toBe(false);
    });

    it("releases only the confirmation reservation it is given", async () => {
      const { store, s, reserve } = await pendingWithReservations();
      expect(await reserve(T0)).toBe(true);
      await store.releaseConfirmationEmail(s.id, at(-HOUR)); // not this reservation: kept
      expect((await store.get(s.id))?.confirmEmailSentAt).toBe(T0.toISOString());
      expect(await reserve(at(HOUR))).toBe(false);
      await store.releaseConfirmationEmail(s.id, T0);
      expect((await store.get(s.id))?.confirmEmailSentAt).toBeUndefined();
      expect(await reserve(at(HOUR))).toBe(true);
      await store.releaseConfirmationEmail(subscriberId("nobody@example.com"), T0); // no-op
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
