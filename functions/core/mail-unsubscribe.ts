/**
 * Leaving by email: mail to the List-Unsubscribe mailto address (an SES receipt rule hands it to
 * functions/events/unsubscribe-mail.ts) unsubscribes the reader it is authenticated for, and
 * nobody else. Either its subject carries the reader's unsubscribe token (the mailto put it there:
 * core/headers.ts), or, without a token, SES found the From domain's DMARC to pass, so the From
 * address is the sender's own. A spoofed From with no token changes nothing.
 */
import { type KeyedHashes, normalizeEmail } from "./email.js";
import type { Clock, Limits, Subscribers } from "./ports.js";
import { readerOfLink, unsubscribeReader } from "./subscriptions.js";
import type { Signer } from "./tokens.js";

/** What the edge hands over of one received email (SES's inbound event, parsed). */
export interface UnsubscribeMail {
  /** The Subject header, decoded. */
  subject: string;
  /** The From header's address(es), as SES parsed them ("Ann <ann@x.org>" too). */
  from: readonly string[];
  /** SES's verdicts: PASS, FAIL, GRAY or PROCESSING_FAILED. */
  dmarc: string;
  spam: string;
  virus: string;
}

export type MailUnsubscribeOutcome =
  | { action: "unsubscribed" | "already"; by: "token" | "dmarc"; subscriberId: string }
  | { action: "ignored"; reason: string };

/** An unsubscribe token anywhere in a subject ("Re: unsubscribe k1.unsubscribe.…"). */
const TOKEN =
  /[A-Za-z0-9_-]{1,16}\.unsubscribe\.[0-9a-f]{32}\.\d{1,12}\.\d{1,12}\.[A-Za-z0-9_-]{43}/;

function addressOf(raw: string): string | undefined {
  const angled = /<([^<>]+)>\s*$/.exec(raw);
  return normalizeEmail(angled?.[1] ?? raw);
}

export async function unsubscribeByMail(
  deps: {
    signer: Pick<Signer, "read">;
    subscribers: Pick<Subscribers, "get" | "unsubscribe">;
    clock: Clock;
    limits: Pick<Limits, "declineMailbox">;
    hashes: Pick<KeyedHashes, "subscriberId" | "mailboxKey">;
  },
  mail: UnsubscribeMail,
): Promise<MailUnsubscribeOutcome> {
  if (mail.virus === "FAIL") return { action: "ignored", reason: "virus" };
  const token = TOKEN.exec(mail.subject)?.[0];
  if (token) {
    let reader: Awaited<ReturnType<typeof readerOfLink>>;
    try {
      reader = await readerOfLink(deps, token, "unsubscribe");
    } catch {
      return { action: "ignored", reason: "invalid or signed-out token" };
    }
    const outcome = reader.subscriber
      ? await unsubscribeReader(deps, reader.subscriber)
      : "already-unsubscribed";
    return {
      action: outcome === "unsubscribed" ? "unsubscribed" : "already",
      by: "token",
      subscriberId: reader.id,
    };
  }
  if (mail.dmarc !== "PASS" || mail.spam === "FAIL") {
    return { action: "ignored", reason: "no token, and the From is not authenticated (DMARC)" };
  }
  const from = mail.from.length === 1 ? addressOf(mail.from[0] as string) : undefined;
  if (!from) return { action: "ignored", reason: "not one From address" };
  const id = deps.hashes.subscriberId(from);
  const subscriber = await deps.subscribers.get(id);
  if (!subscriber) return { action: "ignored", reason: "not a reader" };
  const outcome = await unsubscribeReader(deps, subscriber);
  return {
    action: outcome === "unsubscribed" ? "unsubscribed" : "already",
    by: "dmarc",
    subscriberId: id,
  };
}
