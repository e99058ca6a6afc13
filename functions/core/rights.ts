/**
 * Readers' rights over their data: a copy of everything kept about them, erasure, and signing
 * out every link. Reached from /manage (the reader's own link) and `npm run subscribers` (the
 * operator). Erasure leaves only the erasure mark: the id, a keyed hash of the address.
 */
import type { KeyedHashes } from "./email.js";
import { normalizeEmail } from "./email.js";
import { BadRequestError } from "./errors.js";
import type { Clock, Subscribers } from "./ports.js";
import { RETENTION } from "./retention.js";
import { parseSlot, slotWords } from "./schedule.js";
import type { Signer } from "./tokens.js";
import type { Consent, Subscriber } from "./types.js";

/** What "download my data" gives: the record, every consent, and each tip sent, with dates. */
export interface ReaderData {
  exportedAt: string;
  subscription: {
    email: string;
    firstName?: string;
    status: Subscriber["status"];
    timeZone?: string;
    /** The day and hour they chose for their tip ("Wednesday at 18:00"), in their zone. */
    deliverySlot?: string;
    createdAt: string;
    confirmedAt?: string;
    confirmIp?: string;
    unsubscribedAt?: string;
    pausedUntil?: string;
    lastConfirmationEmailAt?: string;
    /** The ISO week of the last tip their mail provider accepted (SES's delivery report). */
    lastDeliveredWeek?: string;
    /** The ISO week of the reader's last counted click on a tip's link (core/clicks.ts). */
    lastClickWeek?: string;
    /** When the record is deleted by itself (ISO), unless the reader is active. */
    deletedAfter?: string;
  };
  consentHistory: Consent[];
  tipsSent: Array<{ tip: string; title?: string; week?: string; sentAt?: string }>;
  retention: typeof RETENTION;
}

/** Everything kept about a subscriber, as the reader downloads it. */
export function readerData(
  subscriber: Subscriber,
  titles: ReadonlyMap<string, string>,
  now: Date,
): ReaderData {
  const logged = subscriber.sentLog ?? [];
  const loggedTips = new Set(logged.map((entry) => entry.tip));
  const title = (tip: string) => {
    const found = titles.get(tip);
    return found === undefined ? {} : { title: found };
  };
  const s = subscriber;
  const slot = parseSlot(s.deliverySlot);
  return {
    exportedAt: now.toISOString(),
    subscription: {
      email: s.email,
      ...(s.firstName ? { firstName: s.firstName } : {}),
      status: s.status,
      ...(s.timeZone ? { timeZone: s.timeZone } : {}),
      ...(slot ? { deliverySlot: slotWords(slot.weekday, slot.hour) } : {}),
      createdAt: s.createdAt,
      ...(s.confirmedAt ? { confirmedAt: s.confirmedAt } : {}),
      ...(s.confirmIp ? { confirmIp: s.confirmIp } : {}),
      ...(s.unsubscribedAt ? { unsubscribedAt: s.unsubscribedAt } : {}),
      ...(s.pausedUntil ? { pausedUntil: s.pausedUntil } : {}),
      ...(s.confirmEmailSentAt ? { lastConfirmationEmailAt: s.confirmEmailSentAt } : {}),
      ...(s.deliveredWeek ? { lastDeliveredWeek: s.deliveredWeek } : {}),
      ...(s.lastClickWeek ? { lastClickWeek: s.lastClickWeek } : {}),
      ...(s.expiresAt ? { deletedAfter: new Date(s.expiresAt * 1000).toISOString() } : {}),
    },
    consentHistory: s.consentHistory ?? [s.consent],
    tipsSent: [
      ...logged.map((entry) => ({
        tip: entry.tip,
        ...title(entry.tip),
        week: entry.week,
        sentAt: entry.at,
      })),
      // Tips recorded without a date (sent before the log was kept).
      ...s.sentTips.filter((tip) => !loggedTips.has(tip)).map((tip) => ({ tip, ...title(tip) })),
    ],
    retention: RETENTION,
  };
}

/** Erases one subscriber by id: only the erasure mark is left (Subscribers.erase). */
export function eraseReader(
  deps: { subscribers: Pick<Subscribers, "erase">; clock: Clock },
  id: string,
): Promise<"erased" | "absent"> {
  return deps.subscribers.erase(id, deps.clock.now());
}

/** The id of an address the operator names, or BadRequestError for one that is not an address. */
export function idOfAddress(hashes: Pick<KeyedHashes, "subscriberId">, address: string): string {
  const email = normalizeEmail(address);
  if (!email) throw new BadRequestError("That is not an email address.", "invalid_email");
  return hashes.subscriberId(email);
}

/**
 * Signs out every unsubscribe and manage link the reader has (the emails' included) and returns
 * a new manage link's token, issued from the same instant on, so the page can go on.
 */
export async function signOutEveryLink(
  deps: {
    subscribers: Pick<Subscribers, "signOutLinks">;
    signer: Pick<Signer, "issue">;
    clock: Clock;
  },
  id: string,
): Promise<string | undefined> {
  const at = Math.floor(deps.clock.now().getTime() / 1000);
  if (!(await deps.subscribers.signOutLinks(id, at))) return undefined;
  return deps.signer.issue("manage", id);
}
