/**
 * The confirmation outbox of the local stack: drains the in-process twin of ConfirmOutbox
 * (functions/runtime/outbox.ts) with the Lambda's own handler (functions/events/confirm-outbox.ts),
 * one message per invocation as SQS would hand it over. A message the handler reports as failed is
 * put back after a delay that doubles per attempt (up to `maxDelayMs`), as SQS redelivers after its
 * visibility timeout; nothing is dropped while the stack runs.
 */
import { randomUUID } from "node:crypto";
import type { SQSEvent } from "aws-lambda";
import type { SignupRequest } from "../../functions/core/confirmations.js";

export interface LocalOutbox {
  /** Messages put back for another attempt so far. */
  readonly retries: number;
  /** Messages waiting, being delivered, or waiting to be put back: 0 when the outbox is idle. */
  readonly pending: number;
  stop(): Promise<void>;
}

export interface LocalOutboxOptions {
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/** Starts draining; call only after process.env holds the local environment (config reads it). */
export async function startLocalOutbox(
  url: string,
  options: LocalOutboxOptions = {},
): Promise<LocalOutbox> {
  const { memoryOutbox } = await import("../../functions/runtime/outbox.js");
  const { handler } = await import("../../functions/events/confirm-outbox.js");
  const queue = memoryOutbox(url);
  const attempts = new WeakMap<SignupRequest, number>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let retries = 0;
  let inFlight = 0;

  const consume = async (message: SignupRequest) => {
    const event = {
      Records: [{ messageId: randomUUID(), body: JSON.stringify(message) }],
    } as unknown as SQSEvent;
    inFlight += 1;
    const { batchItemFailures } = await handler(event).finally(() => {
      inFlight -= 1;
    });
    if (batchItemFailures.length === 0 || stopped) return;
    const attempt = (attempts.get(message) ?? 0) + 1;
    attempts.set(message, attempt);
    retries += 1;
    if (retries === 1) {
      // Said once: a flood would print a line a signup, and the handler's INFO lines say why.
      console.log(
        "outbox: a confirmation waits and is tried again (the hour's budget or a network's or domain's share of it is used, or a call failed); LOG_LEVEL=INFO npm start logs each outcome",
      );
    }
    const delay = Math.min(
      options.maxDelayMs ?? 5_000,
      (options.firstDelayMs ?? 100) * 2 ** (attempt - 1),
    );
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) void queue.sendAll([message]);
    }, delay);
    timers.add(timer);
  };
  const draining = queue.drain(consume, { untilClosed: true }).catch((error: unknown) => {
    console.error("local outbox stopped:", error);
  });

  return {
    get retries() {
      return retries;
    },
    get pending() {
      return queue.size + inFlight + timers.size;
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      queue.close();
      await draining;
    },
  };
}
