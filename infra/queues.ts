/** The send queue (planner → senders) and the confirmation outbox (signups → confirmations). */
import { deadLetterQueue } from "./alerts";
import { CONFIRM_OUTBOX, SEND_QUEUE } from "./wiring";

/** Batches the sender gave up on after every redelivery: someone was not mailed this week. */
export const sendDlq = deadLetterQueue(
  "SendDlq",
  SEND_QUEUE.dlqRetentionSeconds,
  "A send batch (someone not mailed this week)",
);
export const sendQueue = new sst.aws.Queue("SendQueue", {
  visibilityTimeout: `${SEND_QUEUE.visibilityTimeoutSeconds} seconds`,
  dlq: { queue: sendDlq.arn, retry: SEND_QUEUE.maxReceiveCount },
});

/** Signups waiting for their confirmation email. */
export const confirmOutboxDlq = deadLetterQueue(
  "ConfirmOutboxDlq",
  CONFIRM_OUTBOX.dlqRetentionSeconds,
  "A signup without its confirmation",
);
export const confirmOutbox = new sst.aws.Queue("ConfirmOutbox", {
  visibilityTimeout: `${CONFIRM_OUTBOX.visibilityTimeoutSeconds} seconds`,
  dlq: { queue: confirmOutboxDlq.arn, retry: CONFIRM_OUTBOX.maxReceiveCount },
});
