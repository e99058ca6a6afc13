/**
 * The Subscribers contract (functions/core/ports.ts): one suite, run against the in-memory twin
 * and against DynamoDB on dynalite (store.memory.test.ts, store.dynamo.test.ts).
 */
import { describe, expect, it } from "vitest";
import { shardOf } from "../../functions/core/email.js";
import type { Limits, SendLedger, Subscribers } from "../../functions/core/ports.js";
import { RETENTION } from "../../functions/core/retention.js";
import type { Consent, Subscriber, SubscriberStatus } from "../../functions/core/types.js";
import { subscriberId } from "../support/ids.js";

/** Every port of one table: a suite sets up through the others what it checks through its own. */
export interface TablePorts {
  subscribers: Subscribers;
  ledger: SendLedger;
  limits: Limits;
}

const T0 = new Date("2026-03-02T09:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3_600_000;

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

/** A subscriber of each status, through the Subscribers port. */
export async function withStatus(subscribers: Subscribers, status: SubscriberStatus) {
  const s = pendingSubscriber();
  await subscribers.create(s);
  if (status === "active") await subscribers.activate(s.id, T0, "1.1.1.1");
  if (status === "unsubscribed") await subscribers.unsubscribe(s.id, T0);
  if (status === "bounced" || status === "complained") await subscribers.suppress(s.id, status, T0);
  expect((await subscribers.get(s.id))?.status).toBe(status);
  return s;
}

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

export function subscribersContract(name: string, make: () => Promise<TablePorts>): void {
  describe(`Subscribers contract: ${name}`, () => {
    it("creates once; a second create changes nothing", async () => {
      const { subscribers } = await make();
      const s = pendingSubscriber();
      expect(await subscribers.create(s)).toBe(true);
      expect(await subscribers.create({ ...s, firstName: "Other", status: "active" })).toBe(false);
      const saved = await subscribers.get(s.id);
      expect(saved).toMatchObject({
        id: s.id,
        email: s.email,
        firstName: "Ann",
        status: "pending",
      });
      expect(saved?.consent).toEqual(s.consent);
      expect(saved?.sentTips).toEqual([]);
      expect(await subscribers.get(subscriberId("nobody@example.com"))).toBeUndefined();
    });

    it("a signup sets the reader's time zone, and a later one without a zone drops it", async () => {
      const { subscribers } = await make();
      const s = pendingSubscriber({ generation: GEN_A });
      await subscribers.create(s);
      const zoned = signupRecord(GEN_B, "Ann", consent(), at(HOUR), "Pacific/Kiritimati");
      expect(await subscribers.beginSignup(s.id, zoned, GEN_A)).toBe(true);
      expect((await subscribers.get(s.id))?.timeZone).toBe("Pacific/Kiritimati");
      const plain = signupRecord(GEN_A, "Ann", consent(), at(2 * HOUR));
      expect(await subscribers.beginSignup(s.id, plain, GEN_B)).toBe(true);
      expect((await subscribers.get(s.id))?.timeZone).toBeUndefined();
    });

    it("a signup sets the reader's day and hour; a later one without drops it; /manage changes it", async () => {
      const { subscribers } = await make();
      const s = pendingSubscriber({ generation: GEN_A });
      await subscribers.create(s);
      const chosen = {
        ...signupRecord(GEN_B, "Ann", consent(), at(HOUR), "Europe/Paris"),
        deliverySlot: "3-18",
      };
      expect(await subscribers.beginSignup(s.id, chosen, GEN_A)).toBe(true);
      expect((await subscribers.get(s.id))?.deliverySlot).toBe("3-18");
      const plain = signupRecord(GEN_A, "Ann", consent(), at(2 * HOUR));
      expect(await subscribers.beginSignup(s.id, plain, GEN_B)).toBe(true);
      expect((await subscribers.get(s.id))?.deliverySlot).toBeUndefined();
      expect(await subscribers.activate(s.id, at(3 * HOUR), "192.0.2.1", GEN_A)).toBe("activated");
      expect(await subscribers.updatePreferences(s.id, { deliverySlot: "7-05" })).toBe(true);
      expect((await subscribers.get(s.id))?.deliverySlot).toBe("7-05");
      expect(await subscribers.updatePreferences(s.id, { deliverySlot: null })).toBe(true);
      expect((await subscribers.get(s.id))?.deliverySlot).toBeUndefined();
    });

    it("begins a signup on anyone but an active reader, with the generation read", async () => {
      const { subscribers } = await make();
      const active = await withStatus(subscribers, "active");
      const record = signupRecord(GEN_A, "X", consent({ ip: "9.9.9.9" }), at(HOUR));
      expect(await subscribers.beginSignup(active.id, record, undefined)).toBe(false);
      expect((await subscribers.get(active.id))?.status).toBe("active");
      expect((await subscribers.get(active.id))?.generation).toBeUndefined();
      // Second chances: a mailbox that bounced, or a reader who complained, may sign up again
      // (a new confirmation decides), and a new bounce takes them off again.
      for (const status of ["bounced", "complained"] as const) {
        const s = await withStatus(subscribers, status);
        expect(await subscribers.beginSignup(s.id, record, undefined)).toBe(true);
        expect(await subscribers.get(s.id)).toMatchObject({ status: "pending", generation: GEN_A });
        expect(await subscribers.suppress(s.id, "bounced", at(2 * HOUR))).toBe(true);
        expect((await subscribers.get(s.id))?.generation).toBeUndefined();
      }
      expect(
        await subscribers.beginSignup(
          subscriberId("gone@example.com"),
          signupRecord(GEN_A, undefined, consent(), T0),
          undefined,
        ),
      ).toBe(false);
      expect(await subscribers.get(subscriberId("gone@example.com"))).toBeUndefined();
    });

    it("appends each signup's consent, replaces the generation and name, and loses a race", async () => {
      const { subscribers } = await make();
      const first = consent();
      const s = pendingSubscriber({ generation: GEN_A, consent: first, consentHistory: [first] });
      await subscribers.create(s);
      const second = consent({ at: at(HOUR).toISOString(), ip: "9.9.9.9", textVersion: "v2" });
      // A writer that read no generation (or an old one) loses: someone else signed up since.
      expect(
        await subscribers.beginSignup(
          s.id,
          signupRecord(GEN_B, "Bea", second, at(HOUR)),
          undefined,
        ),
      ).toBe(false);
      expect(
        await subscribers.beginSignup(s.id, signupRecord(GEN_B, "Bea", second, at(HOUR)), GEN_B),
      ).toBe(false);
      expect(
        await subscribers.beginSignup(s.id, signupRecord(GEN_B, "Bea", second, at(HOUR)), GEN_A),
      ).toBe(true);
      let saved = await subscribers.get(s.id);
      expect(saved).toMatchObject({
        status: "pending",
        generation: GEN_B,
        firstName: "Bea",
        consent: second,
      });
      expect(saved?.consentHistory).toEqual([first, second]);
      expect(saved?.updatedAt).toBe(at(HOUR).toISOString());

      // Unsubscribing drops the generation; the next signup starts from none, without a name.
      await subscribers.unsubscribe(s.id, at(2 * HOUR));
      saved = await subscribers.get(s.id);
      expect(saved?.generation).toBeUndefined();
      expect(saved?.unsubscribedAt).toBe(at(2 * HOUR).toISOString());
      const third = consent({ at: at(3 * HOUR).toISOString(), ip: "8.8.8.8" });
      expect(
        await subscribers.beginSignup(
          s.id,
          signupRecord(GEN_A, undefined, third, at(3 * HOUR)),
          undefined,
        ),
      ).toBe(true);
      saved = await subscribers.get(s.id);
      expect(saved).toMatchObject({ status: "pending", generation: GEN_A, consent: third });
      expect(saved?.firstName).toBeUndefined();
      expect(saved?.unsubscribedAt).toBeUndefined();
      expect(saved?.consentHistory).toEqual([first, second, third]);
    });

    it("keeps the consent of an item written before consentHistory existed", async () => {
      const { subscribers } = await make();
      const old = consent({ textVersion: "v0" });
      const s = pendingSubscriber({ consent: old }); // no consentHistory, no generation
      await subscribers.create(s);
      const next = consent({ at: at(HOUR).toISOString(), ip: "9.9.9.9" });
      const record = { ...signupRecord(GEN_A, undefined, next, at(HOUR)), earlierConsents: [old] };
      expect(await subscribers.beginSignup(s.id, record, undefined)).toBe(true);
      expect((await subscribers.get(s.id))?.consentHistory).toEqual([old, next]);
      // Once there is a history, earlierConsents is ignored: nothing is rewritten.
      const third = consent({ at: at(2 * HOUR).toISOString() });
      const again = {
        ...signupRecord(GEN_B, undefined, third, at(2 * HOUR)),
        earlierConsents: [third],
      };
      expect(await subscribers.beginSignup(s.id, again, GEN_A)).toBe(true);
      expect((await subscribers.get(s.id))?.consentHistory).toEqual([old, next, third]);
    });

    it("records a sent confirmation only for the current generation", async () => {
      const { subscribers } = await make();
      const s = pendingSubscriber({ generation: GEN_A });
      await subscribers.create(s);
      expect(await subscribers.markConfirmationSent(s.id, GEN_B, T0)).toBe(false);
      expect((await subscribers.get(s.id))?.confirmSentFor).toBeUndefined();
      expect(await subscribers.markConfirmationSent(s.id, GEN_A, T0)).toBe(true);
      expect(await subscribers.get(s.id)).toMatchObject({
        confirmSentFor: GEN_A,
        confirmEmailSentAt: T0.toISOString(),
      });
      expect(
        await subscribers.markConfirmationSent(subscriberId("none@example.com"), GEN_A, T0),
      ).toBe(false);
    });

    it("activates pending subscribers only, and says why not", async () => {
      const { subscribers } = await make();
      const s = pendingSubscriber();
      await subscribers.create(s);
      expect(await subscribers.activate(s.id, at(HOUR), "192.0.2.5")).toBe("activated");
      expect(await subscribers.get(s.id)).toMatchObject({
        status: "active",
        confirmedAt: at(HOUR).toISOString(),
        confirmIp: "192.0.2.5",
      });
      expect(await subscribers.activate(s.id, at(2 * HOUR), "192.0.2.6")).toBe("already-active");
      expect((await subscribers.get(s.id))?.confirmIp).toBe("192.0.2.5");
      for (const status of ["unsubscribed", "bounced", "complained"] as const) {
        const other = await withStatus(subscribers, status);
        expect(await subscribers.activate(other.id, T0, "1.1.1.1")).toBe("not-pending");
        expect((await subscribers.get(other.id))?.status).toBe(status);
      }
      expect(await subscribers.activate(subscriberId("none@example.com"), T0, "1.1.1.1")).toBe(
        "missing",
      );
    });

    it("activates only with the current generation when one is given", async () => {
      const { subscribers } = await make();
      const s = pendingSubscriber({ generation: GEN_B });
      await subscribers.create(s);
      expect(await subscribers.activate(s.id, T0, "1.1.1.1", GEN_A)).toBe("not-pending");
      expect((await subscribers.get(s.id))?.status).toBe("pending");
      expect(await subscribers.activate(s.id, T0, "1.1.1.1", GEN_B)).toBe("activated");
      expect(await subscribers.activate(s.id, T0, "1.1.1.1", GEN_B)).toBe("already-active");
      expect(await subscribers.activate(s.id, T0, "1.1.1.1", GEN_A)).toBe("not-pending");
      expect((await subscribers.get(s.id))?.status).toBe("active");
    });

    it("unsubscribes idempotently and takes the subscriber out of the active set", async () => {
      const { subscribers, ledger } = await make();
      const s = await withStatus(subscribers, "active");
      const shard = shardOf(s.id, ledger.shards);
      expect(await activeIds(ledger, shard)).toContain(s.id);
      expect(await subscribers.unsubscribe(s.id, at(HOUR))).toBe("unsubscribed");
      expect(await subscribers.get(s.id)).toMatchObject({
        status: "unsubscribed",
        unsubscribedAt: at(HOUR).toISOString(),
      });
      expect(await activeIds(ledger, shard)).not.toContain(s.id);
      expect(await subscribers.unsubscribe(s.id, at(2 * HOUR))).toBe("already");
      expect((await subscribers.get(s.id))?.unsubscribedAt).toBe(at(HOUR).toISOString());

      const pending = await withStatus(subscribers, "pending");
      expect(await subscribers.unsubscribe(pending.id, T0)).toBe("unsubscribed");
      const bounced = await withStatus(subscribers, "bounced");
      expect(await subscribers.unsubscribe(bounced.id, T0)).toBe("already");
      expect((await subscribers.get(bounced.id))?.status).toBe("bounced");
      expect(await subscribers.unsubscribe(subscriberId("none@example.com"), T0)).toBe("missing");
    });

    it("suppresses once per status and leaves the active set", async () => {
      const { subscribers, ledger } = await make();
      const s = await withStatus(subscribers, "active");
      expect(await subscribers.suppress(s.id, "bounced", at(HOUR))).toBe(true);
      expect(await subscribers.get(s.id)).toMatchObject({
        status: "bounced",
        updatedAt: at(HOUR).toISOString(),
      });
      expect(await activeIds(ledger, shardOf(s.id, ledger.shards))).not.toContain(s.id);
      expect(await subscribers.suppress(s.id, "bounced", at(2 * HOUR))).toBe(false);
      expect(await subscribers.suppress(s.id, "complained", at(2 * HOUR))).toBe(true);
      expect((await subscribers.get(s.id))?.status).toBe("complained");
      expect(await subscribers.suppress(subscriberId("none@example.com"), "bounced", T0)).toBe(
        false,
      );
      expect(await subscribers.get(subscriberId("none@example.com"))).toBeUndefined();
    });

    it("keeps an active reader for good, and every other record only for its retention", async () => {
      const { subscribers } = await make();
      const days = (n: number, from: Date) => Math.floor(from.getTime() / 1000) + n * 86_400;
      const s = pendingSubscriber();
      await subscribers.create(s);
      expect((await subscribers.get(s.id))?.expiresAt).toBe(days(RETENTION.pendingDays, T0));
      expect(await subscribers.activate(s.id, at(HOUR), "1.1.1.1")).toBe("activated");
      expect((await subscribers.get(s.id))?.expiresAt).toBeUndefined();
      expect(await subscribers.unsubscribe(s.id, at(2 * HOUR))).toBe("unsubscribed");
      expect((await subscribers.get(s.id))?.expiresAt).toBe(days(RETENTION.leftDays, at(2 * HOUR)));
      const record = signupRecord(GEN_A, undefined, consent(), at(3 * HOUR));
      expect(await subscribers.beginSignup(s.id, record, undefined)).toBe(true);
      expect((await subscribers.get(s.id))?.expiresAt).toBe(
        days(RETENTION.pendingDays, at(3 * HOUR)),
      );
      expect(await subscribers.suppress(s.id, "bounced", at(4 * HOUR))).toBe(true);
      expect((await subscribers.get(s.id))?.expiresAt).toBe(days(RETENTION.leftDays, at(4 * HOUR)));
    });

    it("erases a record whatever its state, leaving a mark no signup made before can undo", async () => {
      const { subscribers, ledger } = await make();
      const s = await withStatus(subscribers, "active");
      expect(await subscribers.erase(s.id, at(HOUR))).toBe("erased");
      expect(await subscribers.get(s.id)).toBeUndefined();
      expect(await activeIds(ledger, shardOf(s.id, ledger.shards))).not.toContain(s.id);
      expect(await subscribers.erase(s.id, at(2 * HOUR))).toBe("absent");
      // Nothing but a new record brings it back: no transition applies to the mark.
      expect(await subscribers.unsubscribe(s.id, at(2 * HOUR))).toBe("missing");
      expect(await subscribers.suppress(s.id, "bounced", at(2 * HOUR))).toBe(false);
      expect(await subscribers.activate(s.id, at(2 * HOUR), "1.1.1.1")).toBe("missing");
      expect(await subscribers.signOutLinks(s.id, 1)).toBe(false);
      expect(await subscribers.get(s.id)).toBeUndefined();
      // A signup given before the erasure (a redelivered or redriven one) is not written…
      const before = {
        ...s,
        status: "pending" as const,
        consent: consent({ at: T0.toISOString() }),
      };
      expect(await subscribers.create(before)).toBe(false);
      expect(await subscribers.get(s.id)).toBeUndefined();
      // …one given after it is.
      const later = at(3 * HOUR).toISOString();
      const after = { ...before, consent: consent({ at: later }), createdAt: later };
      expect(await subscribers.create(after)).toBe(true);
      expect((await subscribers.get(s.id))?.status).toBe("pending");
      // An address never seen can be erased too: the mark is left all the same.
      const stranger = subscriberId("never-seen@example.com");
      expect(await subscribers.erase(stranger, at(HOUR))).toBe("absent");
      expect(await subscribers.create({ ...pendingSubscriber(), id: stranger })).toBe(false);
    });

    it("signs out every link from an instant on, on any record but a missing one", async () => {
      const { subscribers } = await make();
      const s = await withStatus(subscribers, "unsubscribed");
      expect(await subscribers.signOutLinks(s.id, 1_800_000_000)).toBe(true);
      expect((await subscribers.get(s.id))?.linksNotBefore).toBe(1_800_000_000);
      expect(await subscribers.signOutLinks(subscriberId("none@example.com"), 1)).toBe(false);
    });
  });
}

async function activeIds(ledger: SendLedger, shard: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.listActive(shard, cursor, 100);
    ids.push(...page.items.map((s) => s.id));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}
