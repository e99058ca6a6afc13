/** Shared helpers for the subscriber-lifecycle tests: templates, a settable clock, core deps. */
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { MemoryQueue } from "../../functions/adapters/memory-queue.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { randomSignupId } from "../../functions/adapters/system.js";
import {
  type DeliveryOutcome,
  deliverConfirmation,
  type SignupRequest,
} from "../../functions/core/confirmations.js";
import type { Clock } from "../../functions/core/ports.js";
import type { Schedule } from "../../functions/core/schedule.js";
import {
  type SubscribeInput,
  type SubscriptionDeps,
  subscribe,
} from "../../functions/core/subscriptions.js";
import { createSigner } from "../../functions/core/tokens.js";
import type { SystemEmails } from "../../functions/core/types.js";
import { localHashes } from "./ids.js";

export const TEST_KEYS = [{ kid: "k1", secret: "test-secret-key-0123456789abcdef0123" }];

/** Minimal templates that use every placeholder each kind may carry. */
export const TEST_EMAILS: SystemEmails = {
  confirm: {
    subject: "Confirm, {{first_name}}",
    preheader: "",
    html: '<a href="{{confirm_url}}">confirm</a> <a href="{{unsubscribe_url}}">u</a> {{postal_address}}',
    text: "confirm: {{confirm_url}} unsubscribe: {{unsubscribe_url}} manage: {{manage_url}} {{postal_address}}",
  },
  finished: {
    subject: "Finished, {{first_name}}",
    preheader: "",
    html: '<p>Hi {{first_name}}</p><a href="{{site_url}}/tips">all</a> <a href="{{unsubscribe_url}}">u</a> {{postal_address}}',
    text: "Hi {{first_name}} all: {{site_url}}/tips unsubscribe: {{unsubscribe_url}} manage: {{manage_url}} {{postal_address}}",
  },
  welcome: {
    subject: "Welcome, {{first_name}}",
    preheader: "",
    html: '<p>Hi {{first_name}}</p><a href="{{unsubscribe_url}}">u</a> {{postal_address}}',
    text: "Hi {{first_name}} unsubscribe: {{unsubscribe_url}} manage: {{manage_url}} {{postal_address}}",
  },
  already: {
    subject: "Already in, {{first_name}}",
    preheader: "",
    html: '<p>Hi {{first_name}}</p><a href="{{manage_url}}">m</a> <a href="{{unsubscribe_url}}">u</a> {{postal_address}}',
    text: "Hi {{first_name}} manage: {{manage_url}} unsubscribe: {{unsubscribe_url}} {{postal_address}}",
  },
  goodbye: {
    subject: "Goodbye, {{first_name}}",
    preheader: "",
    html: "<p>Bye {{first_name}}</p> {{postal_address}}",
    text: "Bye {{first_name}} manage: {{manage_url}} {{postal_address}}",
  },
};

export class TestClock implements Clock {
  constructor(private time = new Date("2026-03-02T09:00:00.000Z")) {}
  now(): Date {
    return new Date(this.time);
  }
  advance(ms: number): void {
    this.time = new Date(this.time.getTime() + ms);
  }
}

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

export function memoryDeps(
  overrides: Partial<SubscriptionDeps & { schedule: Schedule }> = {},
  options: { confirmationsPerHour?: number } = {},
) {
  // The signer signs on the test's clock too, when it brings one.
  const clock = (overrides.clock as TestClock | undefined) ?? new TestClock();
  const store = new MemoryStore(4);
  const mailer = new MemoryMailer();
  const outbox = new MemoryQueue<SignupRequest>();
  const deps: SubscriptionDeps & { schedule: Schedule } = {
    // The stage schedule the HTTP routes get (the /manage page): Monday 07:00, UTC by default.
    schedule: { defaultTimeZone: "UTC", slot: { weekday: 1, hour: 7 } },
    subscribers: store,
    limits: store,
    mailer,
    clock,
    outbox,
    newSignupId: randomSignupId,
    signer: createSigner(TEST_KEYS, clock),
    hashes: localHashes,
    emails: TEST_EMAILS,
    site: { baseUrl: "https://tips.example.com", postalAddress: "1 Example Street, Springfield" },
    ...overrides,
  };
  /**
   * Delivers every signup waiting on the outbox, as the outbox Lambda would; one that fails is
   * put back (SQS redelivers it). Returns each delivery's outcome, or the error it threw.
   */
  async function deliver(): Promise<Array<DeliveryOutcome | Error>> {
    const results: Array<DeliveryOutcome | Error> = [];
    const failed: SignupRequest[] = [];
    const confirmationDeps = {
      ...deps,
      limits: store,
      confirmationsPerHour: options.confirmationsPerHour ?? 1000,
    };
    await outbox.drain(async (request) => {
      try {
        results.push(await deliverConfirmation(confirmationDeps, request));
      } catch (error) {
        results.push(error as Error);
        failed.push(request);
      }
    });
    await outbox.sendAll(failed);
    return results;
  }
  /** subscribe(), then deliver() what it queued. */
  async function signUp(input: SubscribeInput) {
    await subscribe(deps, input);
    return deliver();
  }
  return { deps, clock, store, mailer, outbox, deliver, signUp };
}

/** The value of `?token=` in the first URL in `text` that starts with `prefix`. */
export function tokenFromLink(text: string, prefix: string): string {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}\\?token=([^\\s"<>&]+)`).exec(text);
  if (!match?.[1]) throw new Error(`no ${prefix}?token= link in: ${text.slice(0, 500)}`);
  return decodeURIComponent(match[1]);
}
