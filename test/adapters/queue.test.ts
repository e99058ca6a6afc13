import type { SendMessageBatchCommand, SendMessageBatchResult } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { MemoryQueue } from "../../functions/adapters/memory-queue.js";
import { MAX_BATCH_BYTES, SqsQueue } from "../../functions/adapters/sqs-queue.js";
import { queueContract } from "./queue.contract.js";

/** A stand-in for SQSClient: records accepted bodies, can fail entries or whole calls. */
class FakeSqs {
  readonly calls: { entries: number; bytes: number }[] = [];
  readonly bodies: string[] = [];
  constructor(
    private readonly fail: (call: number, id: string) => "entry" | "call" | undefined = () =>
      undefined,
  ) {}
  async send(command: SendMessageBatchCommand): Promise<SendMessageBatchResult> {
    const entries = command.input.Entries ?? [];
    const call = this.calls.length + 1;
    this.calls.push({
      entries: entries.length,
      bytes: entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody ?? ""), 0),
    });
    if (entries.some((e) => this.fail(call, e.Id ?? "") === "call")) {
      throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    }
    const result: SendMessageBatchResult = { Successful: [], Failed: [] };
    for (const entry of entries) {
      if (this.fail(call, entry.Id ?? "") === "entry") {
        result.Failed?.push({ Id: entry.Id, Code: "InternalError", SenderFault: false });
      } else {
        this.bodies.push(entry.MessageBody ?? "");
        result.Successful?.push({ Id: entry.Id, MessageId: `m${call}`, MD5OfMessageBody: "" });
      }
    }
    return result;
  }
}

const noSleep = async () => {};

queueContract("MemoryQueue", () => {
  const queue = new MemoryQueue<{ n: number; payload: string }>();
  return {
    queue,
    async received() {
      const got: { n: number; payload: string }[] = [];
      await queue.drain(async (m) => {
        got.push(m);
      });
      return got;
    },
  };
});

queueContract("SqsQueue (fake SQS client)", () => {
  const fake = new FakeSqs((call, id) => (call % 3 === 1 && id === "2" ? "entry" : undefined));
  return {
    queue: new SqsQueue({ queueUrl: "https://sqs.test/q", client: fake, sleep: noSleep }),
    received: async () => fake.bodies.map((b) => JSON.parse(b)),
  };
});

describe("SqsQueue", () => {
  it("sends at most 10 entries and 256 KiB per SendMessageBatch", async () => {
    const fake = new FakeSqs();
    const queue = new SqsQueue({ queueUrl: "q", client: fake, sleep: noSleep });
    await queue.sendAll(Array.from({ length: 95 }, (_, n) => ({ n })));
    expect(fake.calls.map((c) => c.entries)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
    const big = new FakeSqs();
    await new SqsQueue({ queueUrl: "q", client: big, sleep: noSleep }).sendAll(
      Array.from({ length: 5 }, () => ({ p: "y".repeat(100_000) })),
    );
    expect(big.calls.every((c) => c.bytes <= MAX_BATCH_BYTES)).toBe(true);
    expect(big.calls.map((c) => c.entries)).toEqual([2, 2, 1]);
  });

  it("retries only the failed entries, and whole failed calls", async () => {
    const fake = new FakeSqs((call, id) =>
      call === 1 && (id === "3" || id === "7") ? "entry" : call === 2 ? "call" : undefined,
    );
    const queue = new SqsQueue({ queueUrl: "q", client: fake, sleep: noSleep, parallel: 1 });
    await queue.sendAll(Array.from({ length: 10 }, (_, n) => ({ n })));
    expect(fake.calls.map((c) => c.entries)).toEqual([10, 2, 2]);
    expect(fake.bodies.map((b) => JSON.parse(b).n).sort((a, b) => a - b)).toEqual([
      ...Array(10).keys(),
    ]);
  });

  it("gives up after the last attempt, naming what was not accepted", async () => {
    const fake = new FakeSqs((_call, id) => (id === "0" ? "entry" : undefined));
    const queue = new SqsQueue({ queueUrl: "q", client: fake, sleep: noSleep, attempts: 3 });
    await expect(queue.sendAll([{ n: 1 }, { n: 2 }])).rejects.toThrow(
      /1 message\(s\) not accepted/,
    );
    expect(fake.calls).toHaveLength(3);
  });
});

describe("MemoryQueue", () => {
  it("holds a producer back while a drain runs and the queue is full", async () => {
    const queue = new MemoryQueue<number>({ capacity: 2 });
    let maxWaiting = 0;
    const seen: number[] = [];
    const drain = queue.drain(
      async (n) => {
        maxWaiting = Math.max(maxWaiting, queue.size);
        seen.push(n);
        await new Promise((resolve) => setImmediate(resolve));
      },
      { untilClosed: true },
    );
    for (let n = 0; n < 20; n += 1) await queue.sendAll([n]);
    queue.close();
    await drain;
    expect(seen).toEqual([...Array(20).keys()]);
    expect(maxWaiting).toBeLessThanOrEqual(2);
  });

  it("rejects the drain with a consumer's error and stops the other consumers", async () => {
    const queue = new MemoryQueue<number>();
    await queue.sendAll([1, 2, 3, 4, 5, 6]);
    const seen: number[] = [];
    await expect(
      queue.drain(
        async (n) => {
          seen.push(n);
          if (n === 2) throw new Error("crash");
        },
        { concurrency: 2 },
      ),
    ).rejects.toThrow("crash");
    expect(seen.length).toBeLessThan(6);
  });
});
