/**
 * The confirmation outbox for a Lambda (and the local stack): SQS from the ConfirmOutbox link,
 * or, when the link says `memory://…` (scripts/local/aws.ts localEnvironment), one in-process
 * queue per process that scripts/local/outbox.ts drains with the same consumer as the Lambda.
 */
import { MemoryQueue } from "../adapters/memory-queue.js";
import { SqsQueue } from "../adapters/sqs-queue.js";
import { aws, clientOptions, outboxUrl } from "../config.js";
import type { SignupRequest } from "../core/confirmations.js";
import type { Queue } from "../core/ports.js";

let queue: Queue<SignupRequest> | undefined;
const local = new Map<string, MemoryQueue<SignupRequest>>();

/** The in-process queue behind a memory:// URL (the same one outboxQueue() returns for it). */
export function memoryOutbox(url: string): MemoryQueue<SignupRequest> {
  let found = local.get(url);
  if (!found) {
    found = new MemoryQueue<SignupRequest>();
    local.set(url, found);
  }
  return found;
}

export function outboxQueue(): Queue<SignupRequest> {
  const url = outboxUrl();
  queue ??= url.startsWith("memory://")
    ? memoryOutbox(url)
    : new SqsQueue<SignupRequest>({
        queueUrl: url,
        clientOptions: clientOptions(aws().SQS_ENDPOINT),
      });
  return queue;
}
