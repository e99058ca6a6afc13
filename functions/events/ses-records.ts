/**
 * SES events as SQS delivers them: each record's body is the SNS notification (raw delivery is
 * off) whose Message is the SES event JSON. Parsed here, at the edge, into core/feedback.ts's
 * Feedback. A record from another topic, or whose SNS signature does not verify, is refused
 * unread; one that is not an SES event is logged and dropped (a retry would not fix it); a store
 * failure fails only its record, so SQS delivers it again and, after its retries, keeps it in
 * SesEventsDlq.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { KeyedHashes } from "../core/email.js";
import { applyFeedback, type Feedback } from "../core/feedback.js";
import type { Clock, Log, Subscribers } from "../core/ports.js";
import * as z from "../core/zod.js";
import type { SnsSignatureVerifier } from "./sns-signature.js";
import { PARTIAL_BATCH, parseBody } from "./sqs.js";

const snsNotification = z.object({
  Type: z.literal("Notification"),
  MessageId: z.string(),
  TopicArn: z.string(),
  Subject: z.optional(z.nullable(z.string())),
  Message: z.string(),
  Timestamp: z.string(),
  SignatureVersion: z.string(),
  Signature: z.string(),
  SigningCertURL: z.string(),
});

const recipient = z.object({ emailAddress: z.string().check(z.minLength(1)) });

const sesEvent = z.object({
  eventType: z.optional(z.string().check(z.minLength(1))),
  notificationType: z.optional(z.string().check(z.minLength(1))),
  mail: z.object({
    messageId: z.string().check(z.minLength(1)),
    destination: z.array(z.string()),
    tags: z.optional(z.record(z.string(), z.array(z.string()))),
  }),
  bounce: z.optional(
    z.object({
      bounceType: z.enum(["Permanent", "Transient", "Undetermined"]),
      bouncedRecipients: z.array(recipient).check(z.minLength(1)),
    }),
  ),
  complaint: z.optional(
    z.object({ complainedRecipients: z.array(recipient).check(z.minLength(1)) }),
  ),
});

export type SesRecord =
  | { kind: "feedback"; feedback: Feedback }
  | { kind: "refused"; reason: string }
  | { kind: "malformed"; issues: string[] };

function issuesOf(error: { issues: readonly z.core.$ZodIssue[] }): string[] {
  return error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
}

/**
 * One SQS record's body → the SES event it carries, if SNS signed it for `topicArn`. Throws only
 * when the signing certificate cannot be fetched (the record is then delivered again).
 */
export async function parseSesRecord(
  body: string,
  topicArn: string,
  verifier: Pick<SnsSignatureVerifier, "problem">,
): Promise<SesRecord> {
  const envelope = parseBody(snsNotification, body);
  if (!envelope.success) return { kind: "malformed", issues: issuesOf(envelope.error) };
  if (envelope.data.TopicArn !== topicArn) return { kind: "refused", reason: "another topic" };
  const forged = await verifier.problem(envelope.data);
  if (forged) return { kind: "refused", reason: forged };
  const event = parseBody(sesEvent, envelope.data.Message);
  if (!event.success) return { kind: "malformed", issues: issuesOf(event.error) };
  const { eventType, notificationType, mail, bounce, complaint } = event.data;
  const type = eventType ?? notificationType;
  if (!type) return { kind: "malformed", issues: ["eventType: required"] };
  if (type === "Bounce" && !bounce) return { kind: "malformed", issues: ["bounce: required"] };
  if (type === "Complaint" && !complaint) {
    return { kind: "malformed", issues: ["complaint: required"] };
  }
  const tag = (name: string) => mail.tags?.[name]?.[0];
  const tags = Object.fromEntries(
    (["kind", "week", "tip"] as const).flatMap((name) => {
      const value = tag(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const recipients = (bounce?.bouncedRecipients ?? complaint?.complainedRecipients ?? []).map(
    (r) => r.emailAddress,
  );
  return {
    kind: "feedback",
    feedback: {
      type,
      messageId: mail.messageId,
      destination: mail.destination,
      tags,
      ...(bounce ? { bounceType: bounce.bounceType } : {}),
      recipients: type === "Bounce" || type === "Complaint" ? recipients : [],
    },
  };
}

export interface SesEventsDeps {
  store: Pick<Subscribers, "suppress" | "markDelivered">;
  hashes: Pick<KeyedHashes, "subscriberId">;
  clock: Clock;
  log: Log;
  /** The SesEvents topic: the only one whose notifications are applied. */
  topicArn: string;
  verifier: Pick<SnsSignatureVerifier, "problem">;
}

const processor = new BatchProcessor(EventType.SQS);

/** One SQS batch of SES events; failed records are reported for redelivery. */
export function handleSesBatch(
  deps: SesEventsDeps,
  event: SQSEvent,
  context?: Context,
): Promise<SQSBatchResponse> {
  const apply = async (record: SQSRecord) => {
    const parsed = await parseSesRecord(record.body, deps.topicArn, deps.verifier);
    if (parsed.kind === "refused") {
      deps.log.warn("refusing an unauthentic record", {
        messageId: record.messageId,
        reason: parsed.reason,
      });
    } else if (parsed.kind === "malformed") {
      deps.log.warn("dropping a record that is not an SES event", { issues: parsed.issues });
    } else {
      deps.log.info("ses event", { ...(await applyFeedback(deps, parsed.feedback)) });
    }
  };
  return processPartialResponse(event, apply, processor, {
    ...(context ? { context } : {}),
    ...PARTIAL_BATCH,
  });
}
