/**
 * Redrive through plain SQS calls: receive from the dead-letter queue, send to its source queue,
 * delete what was sent. A crash between a send and its delete leaves a copy in both queues; every
 * consumer here is idempotent, so a message handled twice changes nothing the second time.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

/** A queue's URL from its URL or ARN (arn:aws:sqs:region:account:name). */
async function queueUrl(client: SQSClient, queue: string): Promise<string> {
  if (/^https?:\/\//.test(queue)) return queue;
  const match = /^arn:aws[\w-]*:sqs:[\w-]+:(\d{12}):(.+)$/.exec(queue);
  if (!match) throw new Error(`not a queue URL or ARN: ${queue}`);
  const { QueueUrl } = await client.send(
    new GetQueueUrlCommand({ QueueName: match[2], QueueOwnerAWSAccountId: match[1] }),
  );
  if (!QueueUrl) throw new Error(`no queue ${queue}`);
  return QueueUrl;
}

export async function redrive(
  client: SQSClient,
  deadLetterQueue: string,
): Promise<{ moved: number; failed: number; to: string }> {
  const from = await queueUrl(client, deadLetterQueue);
  const { queueUrls = [] } = await client.send(
    new ListDeadLetterSourceQueuesCommand({ QueueUrl: from }),
  );
  const [to, ...others] = queueUrls;
  if (!to || others.length > 0) {
    throw new Error(`${from} is the dead-letter queue of ${queueUrls.length} queues, not one`);
  }
  let moved = 0;
  let failed = 0;
  for (;;) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: from,
        MaxNumberOfMessages: 10,
        // Long enough to send and delete them; a failed one shows again after it.
        VisibilityTimeout: 60,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ["All"],
      }),
    );
    if (Messages.length === 0) break;
    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: to,
        Entries: Messages.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body ?? "",
          ...(m.MessageAttributes ? { MessageAttributes: m.MessageAttributes } : {}),
        })),
      }),
    );
    const ok = (sent.Successful ?? []).map((s) => Messages[Number(s.Id)]);
    failed += sent.Failed?.length ?? 0;
    if (ok.length > 0) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: from,
          Entries: ok.map((m, i) => ({ Id: String(i), ReceiptHandle: m?.ReceiptHandle ?? "" })),
        }),
      );
    }
    moved += ok.length;
    if (failed > 0) break;
  }
  return { moved, failed, to };
}
