/**
 * SQS at the edge: a record's body is JSON checked against its schema before the core sees it.
 * A body that is not one is logged and let go (delivering it again would not change it); a
 * handler that throws marks its record failed, and Powertools' batch processor reports it.
 */
import type { SQSRecord } from "aws-lambda";
import {
  type ConfirmationDeps,
  deliverQueuedSignup,
  signupRequestSchema,
} from "../core/confirmations.js";
import type { Log } from "../core/ports.js";
import { type SendWorker, sendBatchSchema } from "../core/send-queue.js";
import * as z from "../core/zod.js";

/** processPartialResponse's options for every queue of ours: records in order, and a batch that
 * failed whole is reported like any other (SQS delivers each record again). */
export const PARTIAL_BATCH = { processInParallel: false, throwOnFullBatchFailure: false } as const;

/** SendQueue's records at once: the send worker itself starts each as the one before has taken
 * its last recipient (core/send-queue.ts), so that a slow call holds back no other record. */
export const SEND_BATCHES = { ...PARTIAL_BATCH, processInParallel: true } as const;

/** The record's body as `schema` says, or the issues that say why not. */
export function parseBody<S extends z.ZodMiniType>(schema: S, body: string) {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    value = undefined;
  }
  return z.safeParse(schema, value);
}

/** A record handler: the body parsed, then handed to `handle` with the record's message id. */
export function recordHandler<S extends z.ZodMiniType>(
  schema: S,
  malformed: string,
  log: Pick<Log, "error">,
  handle: (value: z.output<S>, record: SQSRecord) => Promise<unknown>,
): (record: SQSRecord) => Promise<void> {
  return async (record) => {
    const parsed = parseBody(schema, record.body);
    if (!parsed.success) {
      log.error(malformed, { messageId: record.messageId, issues: parsed.error.issues });
      return;
    }
    await handle(parsed.data, record);
  };
}

/**
 * A SendQueue record → the worker's send (it throws when the batch should come again). The
 * record's `maxReceives`-th delivery is its last: SQS would move it to the dead-letter queue next.
 */
export const sendBatchRecord = (
  worker: Pick<SendWorker, "send">,
  log: Pick<Log, "error">,
  maxReceives: number,
) =>
  recordHandler(sendBatchSchema, "malformed send batch", log, (batch, record) =>
    worker.send(
      batch,
      record.messageId,
      Number(record.attributes?.ApproximateReceiveCount) >= maxReceives,
    ),
  );

/** A ConfirmOutbox record → its confirmation email (it throws when the signup should come again). */
export const signupRecord = (deps: ConfirmationDeps & { log: Log }) =>
  recordHandler(
    signupRequestSchema,
    "dropping an outbox message that is not a signup",
    deps.log,
    (request) => deliverQueuedSignup(deps, request),
  );
