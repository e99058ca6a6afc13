/**
 * SES feedback: permanent bounces and complaints take an address out of the list for good.
 *
 * Accepts the event-publishing shape (configuration set → SNS or EventBridge: `eventType`) and the
 * older identity-notification shape (`notificationType`). Transient and undetermined bounces, and
 * every other event type (Send, Delivery, Open, …), change nothing. Suppression is conditional in
 * the store, so a duplicate notification is a no-op.
 */
import { normalizeEmail, subscriberId } from "./email.js";
import { BadRequestError } from "./errors.js";
import type { Clock, Log, Subscribers } from "./ports.js";
import * as z from "./zod.js";

const recipient = z.object({ emailAddress: z.string().check(z.minLength(1)) });

const sesEventSchema = z
  .object({
    eventType: z.optional(z.string().check(z.minLength(1))),
    notificationType: z.optional(z.string().check(z.minLength(1))),
    mail: z.object({
      messageId: z.string().check(z.minLength(1)),
      destination: z.optional(z.array(z.string())),
    }),
    bounce: z.optional(
      z.object({
        bounceType: z.enum(["Permanent", "Transient", "Undetermined"]),
        bounceSubType: z.optional(z.string()),
        bouncedRecipients: z.array(recipient).check(z.minLength(1)),
      }),
    ),
    complaint: z.optional(
      z.object({
        complainedRecipients: z.array(recipient).check(z.minLength(1)),
        complaintFeedbackType: z.optional(z.string()),
      }),
    ),
  })
  .check(
    z.refine((event) => (event.eventType ?? event.notificationType) !== undefined, {
      message: "eventType or notificationType is required",
    }),
    z.refine((event) => type(event) !== "Bounce" || event.bounce !== undefined, {
      message: "a Bounce event needs a bounce object",
      path: ["bounce"],
    }),
    z.refine((event) => type(event) !== "Complaint" || event.complaint !== undefined, {
      message: "a Complaint event needs a complaint object",
      path: ["complaint"],
    }),
  );

type SesEvent = { eventType?: string | undefined; notificationType?: string | undefined };

function type(event: SesEvent): string {
  return event.eventType ?? event.notificationType ?? "";
}

export interface SesEventOutcome {
  /** eventType / notificationType, e.g. "Bounce". */
  type: string;
  messageId: string;
  action: "suppressed" | "ignored";
  /** Why nothing was done, for the log. */
  reason?: string;
  /** One entry per recipient named by a bounce or complaint that led to suppression. */
  recipients: Array<{ subscriberId: string; changed: boolean }>;
}

/** "Ann <ann@x.org>" or "ann@x.org" → the normalized address, or undefined. */
function addressOf(raw: string): string | undefined {
  const angled = /<([^<>]+)>\s*$/.exec(raw);
  return normalizeEmail(angled?.[1] ?? raw);
}

/** Applies one SES event. Throws BadRequestError when `event` is not one. */
export async function handleSesEvent(
  deps: { store: Subscribers; clock: Clock },
  event: unknown,
): Promise<SesEventOutcome> {
  const parsed = z.safeParse(sesEventSchema, event);
  if (!parsed.success) {
    throw new BadRequestError(
      "not an SES event notification",
      "invalid_ses_event",
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    );
  }
  const data = parsed.data;
  const base = { type: type(data), messageId: data.mail.messageId };

  let status: "bounced" | "complained";
  let addresses: string[];
  if (base.type === "Bounce" && data.bounce) {
    if (data.bounce.bounceType !== "Permanent") {
      return {
        ...base,
        action: "ignored",
        reason: `${data.bounce.bounceType} bounce`,
        recipients: [],
      };
    }
    status = "bounced";
    addresses = data.bounce.bouncedRecipients.map((r) => r.emailAddress);
  } else if (base.type === "Complaint" && data.complaint) {
    status = "complained";
    addresses = data.complaint.complainedRecipients.map((r) => r.emailAddress);
  } else {
    return { ...base, action: "ignored", reason: `${base.type} event`, recipients: [] };
  }

  const now = deps.clock.now();
  const ids = [
    ...new Set(
      addresses.flatMap((raw) => {
        const email = addressOf(raw);
        return email ? [subscriberId(email)] : [];
      }),
    ),
  ];
  const recipients = [];
  for (const id of ids) {
    recipients.push({ subscriberId: id, changed: await deps.store.suppress(id, status, now) });
  }
  return { ...base, action: "suppressed", recipients };
}

const snsEnvelope = z.object({
  Records: z
    .array(z.object({ Sns: z.object({ Message: z.string(), TopicArn: z.optional(z.string()) }) }))
    .check(z.minLength(1)),
});

/** Where SES feedback may come from; anything else is refused, unread. */
export interface SesEventSources {
  /** The configuration set's SNS topic (the SesEvents link). */
  topicArn: string;
}

/** The only EventBridge source SES events carry; AWS reserves `aws.*` for its own services. */
export const SES_EVENTBRIDGE_SOURCE = "aws.ses";

/** An SNS record from another topic, or an EventBridge event from another source. */
const UNTRUSTED = Symbol("untrusted");
const eventBridgeEnvelope = z.object({
  source: z.string(),
  "detail-type": z.string(),
  detail: z.unknown(),
});

/**
 * The SES events inside an SNS event (a configuration set's SNS destination, or an identity's
 * bounce/complaint topic: Records[].Sns.Message is the SES JSON) or an EventBridge event (`detail`).
 * An entry that is not JSON comes back undefined, and then fails handleSesEvent's validation.
 */
export function unwrapSesEvents(envelope: unknown, sources: SesEventSources): unknown[] {
  const sns = z.safeParse(snsEnvelope, envelope);
  if (sns.success) {
    return sns.data.Records.map((record) => {
      if (record.Sns.TopicArn !== sources.topicArn) return UNTRUSTED;
      try {
        return JSON.parse(record.Sns.Message) as unknown;
      } catch {
        return undefined;
      }
    });
  }
  const bridge = z.safeParse(eventBridgeEnvelope, envelope);
  if (bridge.success && bridge.data.source !== SES_EVENTBRIDGE_SOURCE) return [UNTRUSTED];
  return [bridge.success ? bridge.data.detail : undefined];
}

/**
 * Applies every SES event in an SNS or EventBridge delivery. A record from another topic or
 * source is refused unread (anyone who can invoke the function must not unsubscribe readers);
 * a record that is not an SES event is logged and skipped (a retry would not fix it); a store
 * failure throws, so the delivery is retried (suppression is idempotent), and after Lambda's
 * retries it lands on the SesEventsDlq (sst.config.ts), never dropped.
 */
export async function handleSesNotification(
  deps: { store: Subscribers; clock: Clock; log: Log; sources: SesEventSources },
  envelope: unknown,
): Promise<{ processed: number; skipped: number; refused: number }> {
  let processed = 0;
  let skipped = 0;
  let refused = 0;
  for (const sesEvent of unwrapSesEvents(envelope, deps.sources)) {
    if (sesEvent === UNTRUSTED) {
      refused += 1;
      deps.log.warn("refusing a record from an unknown topic or source", {});
      continue;
    }
    try {
      const outcome = await handleSesEvent(deps, sesEvent);
      processed += 1;
      deps.log.info("ses event", { ...outcome });
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error;
      skipped += 1;
      deps.log.warn("skipping a record that is not an SES event", { issues: error.issues });
    }
  }
  return { processed, skipped, refused };
}
