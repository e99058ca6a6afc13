/**
 * Queue on Amazon SQS: SendMessageBatch, at most 10 entries and 256 KiB per call, several calls in
 * flight; entries SQS reports as Failed are retried with backoff (a sender-side fault, e.g.
 * throttling, is worth retrying; after `attempts` the call throws, naming what was not accepted).
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SendMessageBatchResult,
  SQSClient,
  type SQSClientConfig,
} from "@aws-sdk/client-sqs";

/** The part of SQSClient this adapter uses; tests inject a fake. */
export interface SqsSender {
  send(command: SendMessageBatchCommand): Promise<SendMessageBatchResult>;
}

export interface SqsQueueOptions {
  queueUrl: string;
  client?: SqsSender;
  clientOptions?: SQSClientConfig;
  /** Calls per group of entries before giving up (default 5). */
  attempts?: number;
  /** SendMessageBatch calls in flight at once (default 4). */
  parallel?: number;
  sleep?: (ms: number) => Promise<void>;
}

export const MAX_ENTRIES = 10;
/** SendMessageBatch's limit on the sum of the message bodies. */
export const MAX_BATCH_BYTES = 256 * 1024;

export class SqsQueue<T> {
  private readonly client: SqsSender;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: SqsQueueOptions) {
    this.client = options.client ?? new SQSClient(options.clientOptions ?? {});
    this.sleep =
      options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))));
  }

  /** Splits bodies into SendMessageBatch groups: ≤ 10 entries and ≤ 256 KiB each. */
  static groups(bodies: readonly string[]): string[][] {
    const groups: string[][] = [];
    let current: string[] = [];
    let bytes = 0;
    for (const body of bodies) {
      const size = Buffer.byteLength(body);
      if (size > MAX_BATCH_BYTES) {
        throw new Error(`SqsQueue: a message of ${size} bytes exceeds the SQS limit`);
      }
      if (current.length === MAX_ENTRIES || bytes + size > MAX_BATCH_BYTES) {
        groups.push(current);
        current = [];
        bytes = 0;
      }
      current.push(body);
      bytes += size;
    }
    if (current.length > 0) groups.push(current);
    return groups;
  }

  async sendAll(messages: readonly T[]): Promise<void> {
    const groups = SqsQueue.groups(messages.map((m) => JSON.stringify(m)));
    let next = 0;
    const worker = async () => {
      while (next < groups.length) {
        const group = groups[next] as string[];
        next += 1;
        await this.sendGroup(group);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.parallel ?? 4) }, worker));
  }

  private async sendGroup(bodies: string[]): Promise<void> {
    let entries: SendMessageBatchRequestEntry[] = bodies.map((MessageBody, i) => ({
      Id: String(i),
      MessageBody,
    }));
    const attempts = this.options.attempts ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      let failed: SendMessageBatchResult["Failed"];
      try {
        const result = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }),
        );
        failed = result.Failed ?? [];
      } catch (error) {
        if (attempt >= attempts) throw error;
        failed = undefined; // the whole call failed: retry every entry
      }
      if (failed !== undefined) {
        if (failed.length === 0) return;
        const ids = new Set(failed.map((f) => f.Id));
        entries = entries.filter((e) => ids.has(e.Id));
        if (attempt >= attempts) {
          const why = failed.map((f) => `${f.Id}: ${f.Code} ${f.Message ?? ""}`.trim()).join("; ");
          throw new Error(`SqsQueue: ${entries.length} message(s) not accepted: ${why}`);
        }
      }
      await this.sleep(Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2));
    }
  }
}
