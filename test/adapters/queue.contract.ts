/** What every Queue<T> adapter promises: each message sent is delivered, intact, once. */
import { describe, expect, it } from "vitest";
import type { Queue } from "../../functions/core/ports.js";

export interface QueueHarness<T> {
  queue: Queue<T>;
  /** Every message the far side received so far. */
  received(): Promise<T[]>;
}

interface Message {
  n: number;
  payload: string;
}

export function queueContract(name: string, make: () => QueueHarness<Message>): void {
  describe(`Queue contract: ${name}`, () => {
    const messages = (count: number, size = 10): Message[] =>
      Array.from({ length: count }, (_, n) => ({ n, payload: "x".repeat(size) }));

    it("delivers every message once, intact", async () => {
      const { queue, received } = make();
      await queue.sendAll(messages(37));
      const got = await received();
      expect(got.map((m) => m.n).sort((a, b) => a - b)).toEqual([...Array(37).keys()]);
      expect(got.every((m) => m.payload === "x".repeat(10))).toBe(true);
    });

    it("accepts an empty list", async () => {
      const { queue, received } = make();
      await queue.sendAll([]);
      expect(await received()).toEqual([]);
    });

    it("keeps successive calls apart and loses nothing", async () => {
      const { queue, received } = make();
      await Promise.all([queue.sendAll(messages(5)), queue.sendAll(messages(12))]);
      expect(await received()).toHaveLength(17);
    });

    it("carries large messages (a batch of 1,000 recipients is ~150 KB)", async () => {
      const { queue, received } = make();
      await queue.sendAll(messages(4, 150_000));
      const got = await received();
      expect(got).toHaveLength(4);
      expect(got.every((m) => m.payload.length === 150_000)).toBe(true);
    });
  });
}
