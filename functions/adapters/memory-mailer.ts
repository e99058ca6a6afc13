/**
 * In-memory Mailer: keeps what was sent, and lets tests inject failures per call. Given a quota,
 * it counts what it sends in SentLast24Hours, as SES does.
 */
import type { Mailer, OutgoingEmail, SendingStatus } from "../core/ports.js";

export interface SentEmail extends OutgoingEmail {
  messageId: string;
}

/** Called before each send with the email and the 1-based call number; a returned error is thrown. */
export type FaultInjector = (email: OutgoingEmail, call: number) => Error | undefined;

export class MemoryMailer implements Mailer {
  readonly sent: SentEmail[] = [];
  /** send() calls so far, failed ones included. */
  calls = 0;

  constructor(private readonly options: SendingStatus & { fault?: FaultInjector } = {}) {}

  setFault(fault: FaultInjector | undefined): void {
    this.options.fault = fault;
  }

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    this.calls += 1;
    const error = this.options.fault?.(email, this.calls);
    if (error) throw error;
    const messageId = `memory-${this.calls}`;
    this.sent.push({ ...email, messageId });
    return { messageId };
  }

  async status(): Promise<SendingStatus> {
    const { quota, stopped } = this.options;
    const counted = quota && {
      ...quota,
      sentLast24Hours: quota.sentLast24Hours + this.sent.length,
    };
    return { ...(counted ? { quota: counted } : {}), ...(stopped ? { stopped } : {}) };
  }
}
