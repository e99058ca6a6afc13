/**
 * The Mailer on Amazon SES v2: SendEmail with Simple content, whose Headers carry
 * List-Unsubscribe. SES failures become the errors the send engine tells apart (core/errors.ts).
 * The SDK never retries a send (maxAttempts 1): the sender's own loop retries, one pacer slot a
 * call. Its questions (GetAccount, GetConfigurationSet) keep the SDK's retries.
 */
import {
  GetAccountCommand,
  GetConfigurationSetCommand,
  SESv2Client,
  type SESv2ClientConfig,
  SendEmailCommand,
  type SendEmailCommandInput,
} from "@aws-sdk/client-sesv2";
import {
  MailRejectedError,
  MailStoppedError,
  MailThrottledError,
  MailTransientError,
  MailUnansweredError,
} from "../core/errors.js";
import type { Mailer, OutgoingEmail, SendingStatus, SendQuota } from "../core/ports.js";

/**
 * How long one SES call may wait for its answer. SendEmail answers in well under a second, so
 * 5 s is far past its slowest normal answer; a hung connection would otherwise hold its
 * recipient, its batch and the container that sends it until the invocation's timeout.
 * A call with no answer is recorded as sent (docs/architecture.md, the table of SES answers).
 */
export const SES_REQUEST_TIMEOUT_MS = 5_000;

/**
 * What a sender invocation keeps back from its time limit: one SES call's own limit, and the
 * record of what SES accepted (retried) with room to spare.
 */
export const SEND_RESERVE_MS = SES_REQUEST_TIMEOUT_MS + 10_000;

/** The instant after which a sender takes no recipient and starts no SES call. */
export function sendDeadline(now: Date, remainingMs: number): Date {
  return new Date(now.getTime() + remainingMs - SEND_RESERVE_MS);
}

/**
 * The request handler an SES client of ours is built with: the caller's handler options with the
 * request timeout added, unless the caller brings a handler of its own.
 */
export function sesRequestHandler(
  given: SESv2ClientConfig["requestHandler"],
  timeoutMs = SES_REQUEST_TIMEOUT_MS,
): SESv2ClientConfig["requestHandler"] {
  if (given && typeof (given as { handle?: unknown }).handle === "function") return given;
  return { requestTimeout: timeoutMs, throwOnRequestTimeout: true, ...(given as object) };
}

export interface SesMailerOptions {
  from: string;
  configurationSet?: string;
  /** Where readers' replies go (Reply-To), e.g. "Coach <hello@example.com>"; unset: the From. */
  replyTo?: string;
  /** Region, endpoint, credentials, request handler; a send is never retried by the SDK. */
  clientOptions?: SESv2ClientConfig;
  /** One call's time limit (default SES_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
}

/** The address in a From line ("Name <addr>" or a bare address), lower-cased. */
function addressOf(from: string): string {
  return (/<([^<>]+)>\s*$/.exec(from)?.[1] ?? from).trim().toLowerCase();
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether `text` names `identity` on its own (not as part of a longer address or domain). */
function names(text: string, identity: string): boolean {
  return new RegExp(`(^|[^a-z0-9._%+@-])${escapeRegExp(identity)}($|[^a-z0-9-])`).test(text);
}

/**
 * Whether an SES "not verified" refusal is about the sender. SES lists the identities that
 * failed as they were sent ("… failed the check in region EU-WEST-1: Weekly Strength Tips
 * <tips@example.com>"), and cuts a long list short. The From address or its domain named: the
 * sender, and every email would fail. Only the reader's address named (the SES sandbox): that
 * reader alone. Neither to be found: the sender too, because a stop is undone by running again
 * and a reader's failed week is not.
 */
function refusesSender(message: string, from: string | undefined, to: string | undefined): boolean {
  if (!/not verified/i.test(message)) return false;
  const text = message.toLowerCase();
  if (from) {
    const address = addressOf(from);
    const domain = address.slice(address.lastIndexOf("@") + 1);
    if (names(text, address) || names(text, domain)) return true;
  }
  return !(to && names(text, addressOf(to)));
}

/** Whether a rejection is about the recipient's address rather than the message. */
function aboutAddress(message: string, to: string | undefined): boolean {
  return (
    /address|recipient|mailbox/i.test(message) ||
    (!!to && names(message.toLowerCase(), addressOf(to)))
  );
}

/**
 * Maps an SES v2 error (by its exception name) to the engine's error classes. `from` is the
 * sender's From line and `to` the reader's address: a refusal of the sender itself stops the run
 * instead of failing each reader in turn.
 */
export function classifySesError(error: unknown, from?: string, to?: string): Error {
  const name = (error as { name?: string })?.name ?? "";
  const message = (error as { message?: string })?.message ?? String(error);
  if (/daily message quota/i.test(message) || name === "LimitExceededException") {
    return new MailStoppedError(`SES daily quota reached: ${message}`, "daily-quota");
  }
  // The same answer for every reader: the From identity unverified, or what SendEmail names (the
  // configuration set, an identity) missing. Failing readers one by one would end everyone's week.
  if (
    name === "NotFoundException" ||
    (name === "MessageRejected" && refusesSender(message, from, to))
  ) {
    return new MailStoppedError(`SES refuses the sender: ${name}: ${message}`, "sender-refused");
  }
  // SES v2 names a paused configuration set in the message of SendingPausedException.
  if (
    name === "ConfigurationSetSendingPausedException" ||
    (name === "SendingPausedException" && /configuration set/i.test(message))
  ) {
    return new MailStoppedError(
      `SES configuration set sending paused: ${message}`,
      "configuration-set-paused",
    );
  }
  switch (name) {
    case "TooManyRequestsException":
    case "ThrottlingException":
    case "Throttling":
      return new MailThrottledError(message);
    case "SendingPausedException":
    case "MailFromDomainNotVerifiedException":
      return new MailStoppedError(`SES sending paused: ${message}`, "paused");
    case "AccountSuspendedException":
      return new MailStoppedError(`SES account suspended: ${message}`, "suspended");
    // IAM refuses the call (a missing grant, or in the sandbox a recipient SES has not
    // verified): the same for every reader until someone changes it, never worth a retry.
    case "AccessDeniedException":
    case "AccessDenied":
      return new MailStoppedError(`SES access denied: ${message}`, "access-denied");
    // A refusal of the message itself (an illegal header, its content, its size) comes back for
    // every reader of the same email: a stop. One that names an address is about this reader.
    case "MessageRejected":
      if (!aboutAddress(message, to)) {
        return new MailStoppedError(`SES rejects the message: ${message}`, "message-rejected");
      }
      return new MailRejectedError(`${name}: ${message}`);
    case "BadRequestException":
      return new MailRejectedError(`${name}: ${message}`);
    case "TimeoutError":
      return new MailUnansweredError(`${name}: ${message}`);
    case "InternalFailure":
    case "InternalServerError":
    case "ServiceUnavailable":
    case "ServiceUnavailableException":
      return new MailTransientError(`${name}: ${message}`);
    default:
      if (isNetworkFailure(error)) return new MailTransientError(`${name}: ${message}`);
      return error instanceof Error ? error : new Error(message);
  }
}

/** A connection that failed or a 5xx answer (the SDK would have retried these itself). */
function isNetworkFailure(error: unknown): boolean {
  const e = error as { code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return (
    ["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"].includes(e?.code ?? "") ||
    (status !== undefined && status >= 500)
  );
}

/** The SendEmail request for one email: Simple content, so custom headers travel too. */
export function sendEmailInput(
  from: string,
  configurationSet: string | undefined,
  email: OutgoingEmail,
  replyTo?: string,
): SendEmailCommandInput {
  return {
    FromEmailAddress: from,
    ...(replyTo ? { ReplyToAddresses: [replyTo] } : {}),
    Destination: { ToAddresses: [email.to] },
    ConfigurationSetName: configurationSet,
    EmailTags: email.tags
      ? Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value }))
      : undefined,
    Content: {
      Simple: {
        Subject: { Data: email.subject, Charset: "UTF-8" },
        Body: {
          Html: { Data: email.html, Charset: "UTF-8" },
          Text: { Data: email.text, Charset: "UTF-8" },
        },
        Headers: email.headers?.map(({ name, value }) => ({ Name: name, Value: value })),
      },
    },
  };
}

/** GetAccount's SendQuota as the engine reads it, when SES told it whole. */
function quotaOf(
  q: { MaxSendRate?: number; Max24HourSend?: number; SentLast24Hours?: number } | undefined,
): SendQuota | undefined {
  if (q?.MaxSendRate === undefined || q.Max24HourSend === undefined) return undefined;
  return {
    maxSendRate: q.MaxSendRate,
    max24HourSend: q.Max24HourSend,
    sentLast24Hours: q.SentLast24Hours ?? 0,
  };
}

export class SesMailer implements Mailer {
  private readonly client: SESv2Client;
  private readonly questions: SESv2Client;

  constructor(private readonly options: SesMailerOptions) {
    const given = options.clientOptions ?? {};
    const requestHandler = sesRequestHandler(given.requestHandler, options.requestTimeoutMs);
    this.client = new SESv2Client({
      ...given,
      requestHandler,
      maxAttempts: 1,
      // The middleware stack is resolved once per command class, not per SendEmail.
      cacheMiddleware: true,
    });
    // The questions (GetAccount, GetConfigurationSet) keep the SDK's own retries, so that one
    // throttle does not leave the answer unknown; sends are retried by the sender's loop alone.
    this.questions = new SESv2Client({ ...given, requestHandler });
  }

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    try {
      const result = await this.client.send(
        new SendEmailCommand(
          sendEmailInput(
            this.options.from,
            this.options.configurationSet,
            email,
            this.options.replyTo,
          ),
        ),
      );
      if (!result.MessageId) throw new Error("SES accepted the email but returned no MessageId");
      return { messageId: result.MessageId };
    } catch (error) {
      throw classifySesError(error, this.options.from, email.to);
    }
  }

  /** The account's sending quota alone (GetAccount); undefined when SES cannot tell. */
  async quota(): Promise<SendQuota | undefined> {
    const account = await this.questions.send(new GetAccountCommand({})).catch(() => undefined);
    return quotaOf(account?.SendQuota);
  }

  /**
   * GetAccount (quota, account paused or shut down) and, with a configuration set, its sending
   * switch (the reputation breaker turns it off). An answer SES cannot give (the local stand-ins
   * have no account; a missing permission) leaves that part unknown rather than stopping.
   */
  async status(): Promise<SendingStatus> {
    const failed: string[] = [];
    const unanswered = (call: string) => (error: unknown) => {
      failed.push(`${call}: ${(error as Error).name}`);
      return undefined;
    };
    const { configurationSet } = this.options;
    const [account, configSet] = await Promise.all([
      this.questions.send(new GetAccountCommand({})).catch(unanswered("GetAccount")),
      configurationSet
        ? this.questions
            .send(new GetConfigurationSetCommand({ ConfigurationSetName: configurationSet }))
            .catch(unanswered("GetConfigurationSet"))
        : undefined,
    ]);
    const status: SendingStatus = failed.length > 0 ? { unanswered: failed.join("; ") } : {};
    const quota = quotaOf(account?.SendQuota);
    if (quota) status.quota = quota;
    if (account?.EnforcementStatus === "SHUTDOWN") {
      status.stopped = { reason: "suspended", message: "SES account enforcement status SHUTDOWN" };
    } else if (account?.SendingEnabled === false) {
      status.stopped = { reason: "paused", message: "SES account sending is disabled" };
    } else if (configSet?.SendingOptions?.SendingEnabled === false) {
      status.stopped = {
        reason: "configuration-set-paused",
        message: `sending is disabled on configuration set ${this.options.configurationSet}`,
      };
    }
    return status;
  }
}
