import { SESv2Client } from "@aws-sdk/client-sesv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { classifySesError, SesMailer } from "../../functions/adapters/ses-mailer.js";
import {
  MailRejectedError,
  MailStoppedError,
  MailThrottledError,
} from "../../functions/core/errors.js";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalAws,
  startLocalAws,
} from "../../scripts/local/aws.js";
import { type Delivered, mailerContract } from "./mailer.contract.js";

let aws: LocalAws | undefined;

beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

function sesMailer(): SesMailer {
  return new SesMailer({
    from: "Weekly Strength Tips <tips@example.com>",
    client: new SESv2Client({
      endpoint: aws?.sesEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
  });
}

interface StoredEmail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
}

mailerContract("MemoryMailer", () => {
  const mailer = new MemoryMailer();
  return {
    mailer,
    delivered: async () =>
      mailer.sent.map(
        (e): Delivered => ({
          to: [e.to],
          subject: e.subject,
          html: e.html,
          text: e.text,
          headers: [...(e.headers ?? [])],
          messageId: e.messageId,
        }),
      ),
  };
});

mailerContract("SesMailer on aws-ses-v2-local", () => ({
  mailer: sesMailer(),
  async delivered() {
    const response = await fetch(`${aws?.sesEndpoint}/store`);
    const { emails } = (await response.json()) as { emails: StoredEmail[] };
    return emails.map(
      (e): Delivered => ({
        to: e.destination.to,
        subject: e.subject,
        ...(e.body.html !== undefined ? { html: e.body.html } : {}),
        ...(e.body.text !== undefined ? { text: e.body.text } : {}),
        headers: e.headers ?? [],
        messageId: e.messageId,
      }),
    );
  },
}));

describe("SesMailer.quota", () => {
  it("is undefined when the endpoint has no account (the send engine uses settings)", async () => {
    delete process.env.AWS_SES_ACCOUNT;
    expect(await sesMailer().quota()).toBeUndefined();
  });

  it("reads MaxSendRate, Max24HourSend and SentLast24Hours from GetAccount", async () => {
    // aws-ses-v2-local runs in this process here, so it reads this variable.
    process.env.AWS_SES_ACCOUNT = JSON.stringify({
      DedicatedIpAutoWarmupEnabled: false,
      Details: {
        AdditionalContactEmailAddresses: [],
        ContactLanguage: "EN",
        MailType: "MARKETING",
        ReviewDetails: { CaseId: "1", Status: "GRANTED" },
        UseCaseDescription: "newsletter",
        WebsiteURL: "https://tips.example.com",
      },
      EnforcementStatus: "HEALTHY",
      ProductionAccessEnabled: true,
      SendingEnabled: true,
      SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 120 },
      SuppressionAttributes: { SuppressedReasons: [] },
    });
    try {
      expect(await sesMailer().quota()).toEqual({
        maxSendRate: 14,
        max24HourSend: 50_000,
        sentLast24Hours: 120,
      });
    } finally {
      delete process.env.AWS_SES_ACCOUNT;
    }
  });
});

describe("classifySesError", () => {
  const err = (name: string, message = "x") => Object.assign(new Error(message), { name });
  it.each([
    ["TooManyRequestsException", "Maximum sending rate exceeded.", MailThrottledError, undefined],
    ["ThrottlingException", "Rate exceeded", MailThrottledError, undefined],
    ["Throttling", "Rate exceeded", MailThrottledError, undefined],
    ["LimitExceededException", "Daily message quota exceeded.", MailStoppedError, "daily-quota"],
    ["TooManyRequestsException", "Daily message quota exceeded.", MailStoppedError, "daily-quota"],
    ["SendingPausedException", "paused", MailStoppedError, "paused"],
    ["MailFromDomainNotVerifiedException", "nope", MailStoppedError, "paused"],
    ["AccountSuspendedException", "suspended", MailStoppedError, "suspended"],
    ["MessageRejected", "Email address is not verified.", MailRejectedError, undefined],
    ["BadRequestException", "Illegal address", MailRejectedError, undefined],
    ["NotFoundException", "no such configuration set", MailRejectedError, undefined],
    ["InternalFailure", "boom", Error, undefined],
    ["TimeoutError", "socket", Error, undefined],
  ] as const)("%s (%s) → %s", (name, message, kind, reason) => {
    const classified = classifySesError(err(name, message));
    expect(classified).toBeInstanceOf(kind);
    if (kind === Error) {
      expect(classified).not.toBeInstanceOf(MailThrottledError);
      expect(classified).not.toBeInstanceOf(MailRejectedError);
      expect(classified).not.toBeInstanceOf(MailStoppedError);
    }
    if (reason) expect((classified as MailStoppedError).reason).toBe(reason);
  });
});
