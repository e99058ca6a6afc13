/**
 * The send queue for a Lambda (and the local stack): SQS from the SendQueue link, or, when the link
 * says `memory://…` (scripts/local/aws.ts localEnvironment), one in-process queue per process that
 * the local runner drains with the sender.
 */
import { MemoryQueue } from "../adapters/memory-queue.js";
import { SqsQueue } from "../adapters/sqs-queue.js";
import { aws, clientOptions, queueUrl } from "../config.js";
import type { SendBatch } from "../core/planner.js";
import type { Queue } from "../core/ports.js";

let queue: Queue<SendBatch> | undefined;
const local = new Map<string, MemoryQueue<SendBatch>>();

/** The in-process queue behind a memory:// URL (the same one sendQueue() returns for it). */
export function memoryQueue(url: string): MemoryQueue<SendBatch> {
  let found = local.get(url);
  if (!found) {
    found = new MemoryQueue<SendBatch>();
    local.set(url, found);
  }
  return found;
}

export function sendQueue(): Queue<SendBatch> {
  const url = queueUrl();
  queue ??= url.startsWith("memory://")
    ? memoryQueue(url)
    : new SqsQueue<SendBatch>({ queueUrl: url, clientOptions: clientOptions(aws().SQS_ENDPOINT) });
  return queue;
}
