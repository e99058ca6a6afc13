/**
 * SesMailer against SES's own answers, canned (test/support/sdk-handler.ts): the SendEmail it
 * writes for awkward text, and how it reads quotas and errors.
 */
import { describe, expect, it } from "vitest";
import { SesMailer } from "../../functions/adapters/ses-mailer.js";
import type { OutgoingEmail, SendingStatus } from "../../functions/core/ports.js";
import { bodyText, cannedHandler, type SentRequest } from "../support/sdk-handler.js";

const CLIENT = {
  region: "us-east-1",
  endpoint: "http://127.0.0.1:9",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};
const FROM = "Weekly Strength Tips <tips@example.com>";

function mailerWith(handler: ReturnType<typeof cannedHandler>["handler"]): SesMailer {
  return new SesMailer({
    from: FROM,
    configurationSet: "tips",
    replyTo: "Coach <coach@example.com>",
    clientOptions: { ...CLIENT, requestHandler: handler },
  });
}

const base: OutgoingEmail = {
  to: "reader@example.com",
  subject: "Squats",
  html: "<p>Hi</p>",
  text: "Hi",
  headers: [{ name: "List-Unsubscribe", value: "<https://tips.example.com/u?t=a.b>" }],
  tags: { kind: "tip", week: "2026-W48", tip: "squats" },
};

// [what, the email]
const emails: Array<[string, OutgoingEmail]> = [
  ["plain ASCII", base],
  [
    "quotes, backslashes, tabs and control characters",
    { ...base, subject: 'A "quoted" \\ back\tslash \u0001\u001f', text: "line\r\nline\u0000" },
  ],
  [
    "accents, emoji and a lone surrogate",
    { ...base, subject: "Zoë’s 5 × 5 💪", text: "Grüße 😀 \ud800 end" },
  ],
  [
    "the line and paragraph separators JSON allows but JavaScript once did not",
    { ...base, html: "<p>a\u2028b\u2029c</p>" },
  ],
  ["HTML with every escaped character", { ...base, html: `<a href="x?a=1&b='2'">&lt;</a>` }],
  ["no tags, no headers", { ...base, tags: undefined, headers: undefined }],
];

describe("SesMailer and SES's answers", () => {
  it.each(emails)("writes SendEmail with the email as it is: %s", async (_what, email) => {
    const { handler, sent } = cannedHandler('{"MessageId":"m-1"}');
    const result = await mailerWith(handler).send(email);
    expect(result).toEqual({ messageId: "m-1" });
    expect(sent.map((request) => request.path)).toEqual(["/v2/email/outbound-emails"]);
    const body = JSON.parse(bodyText(sent[0] as SentRequest));
    expect(body.Content.Simple.Subject.Data).toBe(email.subject);
    expect(body.Content.Simple.Body.Html.Data).toBe(email.html);
    expect(body.Content.Simple.Body.Text.Data).toBe(email.text);
    expect(body.ReplyToAddresses).toEqual(["Coach <coach@example.com>"]);
  });

  // [what, status, body, headers, the error class and reason the mailer reports]
  const errors: Array<[string, number, object, Record<string, string>, string, string?]> = [
    [
      "throttled",
      429,
      { message: "Maximum sending rate exceeded." },
      { "x-amzn-errortype": "TooManyRequestsException" },
      "MailThrottledError",
    ],
    [
      "rejected",
      400,
      { __type: "MessageRejected", message: "Illegal address" },
      {},
      "MailRejectedError",
    ],
    [
      "daily quota",
      400,
      { message: "Daily message quota exceeded." },
      { "x-amzn-errortype": "LimitExceededException:http://internal.amazon.com/" },
      "MailStoppedError",
      "daily-quota",
    ],
    [
      "account paused",
      400,
      { message: "Sending paused for this account." },
      { "x-amzn-errortype": "SendingPausedException" },
      "MailStoppedError",
      "paused",
    ],
    ["a server error", 503, { message: "busy" }, {}, "MailTransientError"],
  ];
  it.each(errors)("an error answer is read by name: %s", async (...row) => {
    const [, status, body, headers, name, reason] = row;
    const { handler } = cannedHandler(JSON.stringify(body), { status, headers });
    const error = (await mailerWith(handler)
      .send(base)
      .catch((e: unknown) => e)) as Error & { reason?: string };
    expect(error.name).toBe(name);
    if (reason) expect(error.reason).toBe(reason);
  });

  it("reads GetAccount's quota and switches", async () => {
    const account = {
      SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 1_200 },
      SendingEnabled: false,
      EnforcementStatus: "HEALTHY",
      ProductionAccessEnabled: true,
    };
    const { handler } = cannedHandler(JSON.stringify(account));
    const mailer = new SesMailer({
      from: FROM,
      clientOptions: { ...CLIENT, requestHandler: handler },
    });
    const status: SendingStatus = await mailer.status();
    expect(status).toEqual({
      quota: { maxSendRate: 14, max24HourSend: 50_000, sentLast24Hours: 1_200 },
      stopped: { reason: "paused", message: "SES account sending is disabled" },
    });
  });
});
