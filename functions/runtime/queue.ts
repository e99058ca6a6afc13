/**
 * The queues of a Lambda (and of the local stack), by the URL their link gives: SQS, or, when the
 * link says `memory://…` (scripts/local/aws.ts localEnvironment), one in-process queue per URL
 * and process, which the local stack drains with the same consumer as the Lambda.
 */
import { MemoryQueue } from "../adapters/memory-queue.js";
import { SqsQueue } from "../adapters/sqs-queue.js";
import { aws, clientOptions } from "../config.js";
import type { SendBatch } from "../core/planner.js";
import type { Queue } from "../core/ports.js";

const local = new Map<string, MemoryQueue<unknown>>();
const remote = new Map<string, Queue<unknown>>();

/** The in-process queue behind a memory:// URL (the same one queueAt() returns for it). */
export function memoryQueue<T = SendBatch>(url: string): MemoryQueue<T> {
  let found = local.get(url);
  if (!found) {
    found = new MemoryQueue<unknown>();
    local.set(url, found);
  }
  return found as MemoryQueue<T>;
}

/** The queue at `url`, built once per process. */
export function queueAt<T>(url: string): Queue<T> {
  if (url.startsWith("memory://")) return memoryQueue<T>(url);
  let found = remote.get(url);
  if (!found) {
    found = new SqsQueue<unknown>({
      queueUrl: url,
      clientOptions: clientOptions(aws().SQS_ENDPOINT),
    });
    remote.set(url, found);
  }
  return found as Queue<T>;
}
