/**
 * Mailer on Amazon SES v2. SendEmail with Simple content carries custom headers
 * (Content.Simple.Headers), which is how List-Unsubscribe and List-Unsubscribe-Post travel.
 * SES failures are classified into the errors the send engine treats differently.
 */
import {
  GetAccountCommand,
  SESv2Client,
  type SESv2ClientConfig,
  SendEmailCommand,
} from "@aws-sdk/client-sesv2";
import { MailRejectedError, MailStoppedError, MailThrottledError } from "../core/errors.js";
import type { Mailer, OutgoingEmail, SendQuota } from "../core/ports.js";

export interface SesMailerOptions {
  from: string;
  configurationSet?: string;
  client?: SESv2Client;
  clientOptions?: SESv2ClientConfig;
}

/** Maps an SES v2 SendEmail error (by its exception name) to the engine's error classes. */
export function classifySesError(error: unknown): Error {
  const name = (error as { name?: string })?.name ?? "";
  const message = (error as { message?: string })?.message ?? String(error);
  if (/daily message quota/i.test(message) || name === "LimitExceededException") {
    return new MailStoppedError(`SES daily quota reached: ${message}`, "daily-quota");
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
    case "MessageRejected":
    case "BadRequestException":
    case "NotFoundException":
      return new MailRejectedError(`${name}: ${message}`);
    default:
      return error instanceof Error ? error : new Error(message);
  }
}

export class SesMailer implements Mailer {
  private readonly client: SESv2Client;

  constructor(private readonly options: SesMailerOptions) {
    this.client = options.client ?? new SESv2Client(options.clientOptions ?? {});
  }

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    try {
      const result = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          Destination: { ToAddresses: [email.to] },
          ConfigurationSetName: this.options.configurationSet,
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
        }),
      );
      if (!result.MessageId) throw new Error("SES accepted the email but returned no MessageId");
      return { messageId: result.MessageId };
    } catch (error) {
      throw classifySesError(error);
    }
  }

  async quota(): Promise<SendQuota | undefined> {
    try {
      const { SendQuota: q } = await this.client.send(new GetAccountCommand({}));
      if (q?.MaxSendRate === undefined || q.Max24HourSend === undefined) return undefined;
      return {
        maxSendRate: q.MaxSendRate,
        max24HourSend: q.Max24HourSend,
        sentLast24Hours: q.SentLast24Hours ?? 0,
      };
    } catch {
      // Local stand-ins without an account, or no ses:GetAccount permission: use configuration.
      return undefined;
    }
  }
}
