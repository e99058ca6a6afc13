/** Shared fixtures for the send engine's tests: tips, subscribers, a fake clock, crash wrappers. */
import { subscriberId } from "../../functions/core/email.js";
import type { Clock, SubscriberStore } from "../../functions/core/ports.js";
import { createSigner } from "../../functions/core/tokens.js";
import type { CompiledTip, Subscriber, SubscriberStatus } from "../../functions/core/types.js";

export function tip(slug: string, order: number): CompiledTip {
  return {
    slug,
    order,
    title: `Tip ${slug}`,
    tags: [],
    hash: "0".repeat(64),
    subject: `Strength tip: ${slug}`,
    preheader: `About ${slug}`,
    html: `<p>Hi {{first_name}},</p><p>${slug}</p><a href="{{view_url}}">view</a><a href="{{unsubscribe_url}}">unsubscribe</a><p>{{postal_address}}</p>`,
    text: `Hi {{first_name}},\n${slug}\nView: {{view_url}}\nUnsubscribe: {{unsubscribe_url}}\n{{postal_address}}`,
  };
}

export function tips(...slugs: string[]): CompiledTip[] {
  return slugs.map((slug, i) => tip(slug, (i + 1) * 10));
}

export const TIPS = tips("squats", "lunges", "planks", "bridges", "calf-raises");

export function subscriber(
  n: number | string,
  overrides: Partial<Subscriber> & { status?: SubscriberStatus } = {},
): Subscriber {
  const email = typeof n === "number" ? `runner${n}@example.com` : n;
  const at = "2026-01-05T10:00:00.000Z";
  return {
    id: subscriberId(email),
    email,
    status: "active",
    createdAt: at,
    updatedAt: at,
    consent: { at, ip: "127.0.0.1", userAgent: "test", source: "test", textVersion: "v1" },
    confirmedAt: at,
    sentTips: [],
    ...overrides,
  };
}

export async function seed(store: SubscriberStore, subscribers: Subscriber[]): Promise<void> {
  for (const s of subscribers) await store.create(s);
}

/** A clock tests move by hand; sleep() advances it instead of waiting. */
export class FakeClock implements Clock {
  constructor(public ms = Date.parse("2026-11-23T09:00:00.000Z")) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  sleep = async (ms: number): Promise<void> => {
    this.ms += Math.max(0, ms);
  };
}

export const signer = createSigner(
  [{ kid: "t1", secret: "test-signing-secret-0123456789-abcdef" }],
  { now: () => new Date() },
);

export const LINKS = {
  baseUrl: "https://tips.example.com",
  postalAddress: "Strength Tips, 1 Example Street, Springfield 00000",
};

export const SETTINGS = {
  ...LINKS,
  batchSize: 3,
  staleClaimMinutes: 60,
  maxSendRate: Number.POSITIVE_INFINITY,
  max24HourSend: 1_000_000,
};

export class CrashError extends Error {
  override name = "CrashError";
}

/**
 * Wraps a store so that the run "crashes" once `after` emails are recorded as sent: every later
 * claim is written (so it is left pending, as by a process that died) and then throws CrashError.
 */
export function crashingStore<S extends SubscriberStore>(inner: S, after: number): S {
  let sent = 0;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "markSent") {
        return async (...args: Parameters<SubscriberStore["markSent"]>) => {
          await target.markSent(...args);
          sent += 1;
        };
      }
      if (prop === "claim") {
        return async (...args: Parameters<SubscriberStore["claim"]>) => {
          const result = await target.claim(...args);
          if (sent >= after) throw new CrashError(`crash after ${sent} sends`);
          return result;
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Every email address with how many emails it got. */
export function countByRecipient(recipients: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const to of recipients) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}
