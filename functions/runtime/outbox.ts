/**
 * The confirmation outbox for a Lambda (and the local stack): SQS from the ConfirmOutbox link, or
 * its in-process twin behind a memory:// URL (runtime/queue.ts), which scripts/local/outbox.ts
 * drains with the same consumer as the Lambda.
 */
import { outboxUrl } from "../config.js";
import type { SignupRequest } from "../core/confirmations.js";
import type { Queue } from "../core/ports.js";
import { memoryQueue, queueAt } from "./queue.js";

/** The in-process outbox behind a memory:// URL. */
export const memoryOutbox = (url: string) => memoryQueue<SignupRequest>(url);

export const outboxQueue = (): Queue<SignupRequest> => queueAt<SignupRequest>(outboxUrl());
