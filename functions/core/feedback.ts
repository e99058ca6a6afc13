/**
 * SES feedback applied to the list: a permanent bounce or a complaint takes each address it names
 * off the list (until a new signup is confirmed); the delivery of a tip is recorded once per
 * reader and week (the stats count it); transient and undetermined bounces, and every other event
 * (Open, …), change nothing. Every write is conditional in the store, so a repeated event is a no-op.
 */
import { type KeyedHashes, normalizeEmail } from "./email.js";
import type { Clock, Subscribers } from "./ports.js";
import { isIsoWeek } from "./week.js";

/** One SES event, as the edge parsed it (functions/events/ses-records.ts). */
export interface Feedback {
  /** SES's eventType (or notificationType), e.g. "Bounce", "Complaint", "Delivery". */
  type: string;
  messageId: string;
  bounceType?: "Permanent" | "Transient" | "Undetermined";
  /** The addresses a bounce or complaint names, as SES wrote them ("Ann <ann@x.org>" too). */
  recipients: readonly string[];
  /** Whom the email was sent to (mail.destination): only they can bounce or complain. */
  destination: readonly string[];
  /** The email's own tags (the sender tags each tip email with kind, week and tip). */
  tags?: { kind?: string; week?: string; tip?: string };
}

export interface FeedbackOutcome {
  type: string;
  messageId: string;
  action: "suppressed" | "delivered" | "ignored";
  /** Why nothing was done, for the log. */
  reason?: string;
  /** One entry per recipient that led to suppression (or whose delivery was recorded). */
  recipients: Array<{ subscriberId: string; changed: boolean }>;
  /** Recipients named that the email was not sent to: not applied. */
  strangers?: number;
}

/** "Ann <ann@x.org>" or "ann@x.org" → the normalized address, or undefined. */
function addressOf(raw: string): string | undefined {
  const angled = /<([^<>]+)>\s*$/.exec(raw);
  return normalizeEmail(angled?.[1] ?? raw);
}

/** Applies one SES event. A store failure throws, so the event is delivered again. */
export async function applyFeedback(
  deps: {
    store: Pick<Subscribers, "suppress" | "markDelivered">;
    clock: Clock;
    hashes: Pick<KeyedHashes, "subscriberId">;
  },
  feedback: Feedback,
): Promise<FeedbackOutcome> {
  const base = { type: feedback.type, messageId: feedback.messageId };
  const idOf = (raw: string) => {
    const email = addressOf(raw);
    return email ? deps.hashes.subscriberId(email) : undefined;
  };
  if (feedback.type === "Delivery") {
    const week = feedback.tags?.week;
    if (feedback.tags?.kind !== "tip" || week === undefined || !isIsoWeek(week)) {
      return { ...base, action: "ignored", reason: "not a tip's delivery", recipients: [] };
    }
    const recipients = [];
    for (const id of new Set(feedback.destination.map(idOf))) {
      if (id)
        recipients.push({ subscriberId: id, changed: await deps.store.markDelivered(id, week) });
    }
    return { ...base, action: "delivered", recipients };
  }
  let status: "bounced" | "complained";
  if (feedback.type === "Bounce") {
    if (feedback.bounceType !== "Permanent") {
      return {
        ...base,
        action: "ignored",
        reason: `${feedback.bounceType} bounce`,
        recipients: [],
      };
    }
    status = "bounced";
  } else if (feedback.type === "Complaint") {
    status = "complained";
  } else {
    return { ...base, action: "ignored", reason: `${feedback.type} event`, recipients: [] };
  }

  const now = deps.clock.now();
  const sentTo = new Set(feedback.destination.map(idOf));
  const ids = new Set<string>();
  let strangers = 0;
  for (const raw of feedback.recipients) {
    const id = idOf(raw);
    if (!id) continue;
    if (sentTo.has(id)) ids.add(id);
    else strangers += 1;
  }
  const recipients = [];
  for (const id of ids) {
    recipients.push({ subscriberId: id, changed: await deps.store.suppress(id, status, now) });
  }
  return { ...base, action: "suppressed", recipients, ...(strangers ? { strangers } : {}) };
}
