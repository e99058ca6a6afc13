import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import {
  classifySesError,
  SES_REQUEST_TIMEOUT_MS,
  SesMailer,
  sesRequestHandler,
} from "../../functions/adapters/ses-mailer.js";
import {
  MailRejectedError,
  MailStoppedError,
  MailThrottledError,
  MailTransientError,
  MailUnansweredError,
} from "../../functions/core/errors.js";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalAws,
  startLocalAws,
} from "../../scripts/local/aws.js";
import { isSendEmail, startSesProxy, THROTTLED, withSesAccount } from "../support/ses-local.js";
import { type Delivered, mailerContract } from "./mailer.contract.js";

let aws: LocalAws | undefined;

beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.stop();
});

function sesMailer(endpoint = aws?.sesEndpoint, configurationSet?: string): SesMailer {
  return new SesMailer({
    from: "Weekly Strength Tips <tips@example.com>",
    ...(configurationSet ? { configurationSet } : {}),
    clientOptions: { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
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

describe("SesMailer.status", () => {
  it("knows no quota when the endpoint has no account (the send engine uses settings), and says why", async () => {
    delete process.env.AWS_SES_ACCOUNT;
    const status = await sesMailer().status();
    expect(status.quota).toBeUndefined();
    expect(status.stopped).toBeUndefined();
    expect(status.unanswered).toMatch(/^GetAccount: \w+$/);
  });

  it("reads MaxSendRate, Max24HourSend and SentLast24Hours from GetAccount", async () => {
    await withSesAccount({}, async () => {
      expect(await sesMailer().status()).toEqual({
        quota: { maxSendRate: 14, max24HourSend: 50_000, sentLast24Hours: 120 },
      });
    });
  });

  it.each([
    ["the account's sending is paused", { SendingEnabled: false }, "paused"],
    ["the account is shut down", { EnforcementStatus: "SHUTDOWN" }, "suspended"],
  ])("says stop when %s", async (_what, change, reason) => {
    await withSesAccount(change, async () => {
      expect((await sesMailer().status()).stopped?.reason).toBe(reason);
    });
  });

  it("asks again when SES throttles a question once, and says which went unanswered after three", async () => {
    let throttles = 1;
    const proxy = await startSesProxy(aws?.sesEndpoint as string, (r) =>
      r.method === "GET" && r.path.startsWith("/v2/email/account") && throttles-- > 0
        ? { status: 429, body: { message: "Rate exceeded" } }
        : undefined,
    );
    try {
      await withSesAccount({}, async () => {
        expect(await sesMailer(proxy.endpoint).status()).toEqual({
          quota: { maxSendRate: 14, max24HourSend: 50_000, sentLast24Hours: 120 },
        });
        throttles = 3;
        const status = await sesMailer(proxy.endpoint).status();
        expect(status.quota).toBeUndefined();
        expect(status.unanswered).toMatch(/^GetAccount: /);
      });
    } finally {
      await proxy.close();
    }
  });

  it("says stop when the configuration set's sending is off (the reputation breaker)", async () => {
    const proxy = await startSesProxy(aws?.sesEndpoint as string, (r) =>
      r.method === "GET" && r.path.startsWith("/v2/email/configuration-sets/tips")
        ? {
            status: 200,
            body: { ConfigurationSetName: "tips", SendingOptions: { SendingEnabled: false } },
          }
        : undefined,
    );
    try {
      expect((await sesMailer(proxy.endpoint, "tips").status()).stopped).toEqual({
        reason: "configuration-set-paused",
        message: "sending is disabled on configuration set tips",
      });
    } finally {
      await proxy.close();
    }
  });
});

describe("SesMailer: one SES call per send, never retried by the SDK", () => {
  it.each([
    ["throttled", THROTTLED, MailThrottledError],
    ["a 500", { status: 500, errorType: "InternalFailure", body: { message: "boom" } }, Error],
  ] as const)("%s: exactly one request reaches SES", async (_what, answer, kind) => {
    const proxy = await startSesProxy(aws?.sesEndpoint as string, (r) =>
      isSendEmail(r) ? answer : undefined,
    );
    try {
      const mailer = sesMailer(proxy.endpoint);
      await expect(
        mailer.send({ to: "a@example.com", subject: "s", html: "<p>h</p>", text: "t" }),
      ).rejects.toBeInstanceOf(kind);
      expect(proxy.calls).toHaveLength(1);
    } finally {
      await proxy.close();
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
    [
      "SendingPausedException",
      "Sending is paused for this configuration set.",
      MailStoppedError,
      "configuration-set-paused",
    ],
    ["ConfigurationSetSendingPausedException", "x", MailStoppedError, "configuration-set-paused"],
    ["MailFromDomainNotVerifiedException", "nope", MailStoppedError, "paused"],
    ["AccountSuspendedException", "suspended", MailStoppedError, "suspended"],
    // Not verified, and nothing says whose: a stop (a rerun undoes it; a failed week is lost).
    ["MessageRejected", "Email address is not verified.", MailStoppedError, "sender-refused"],
    // The message itself, the same for every reader of it: a stop, not one reader's failure.
    ["MessageRejected", "Illegal header value.", MailStoppedError, "message-rejected"],
    [
      "MessageRejected",
      "Message length is more than 10485760 bytes long",
      MailStoppedError,
      "message-rejected",
    ],
    ["MessageRejected", "Illegal address", MailRejectedError, undefined],
    ["BadRequestException", "Illegal address", MailRejectedError, undefined],
    [
      "NotFoundException",
      "Configuration set tips does not exist.",
      MailStoppedError,
      "sender-refused",
    ],
    [
      "AccessDeniedException",
      "User is not authorized to perform ses:SendEmail on resource identity/reader@example.org",
      MailStoppedError,
      "access-denied",
    ],
    ["InternalFailure", "boom", MailTransientError, undefined],
    ["TimeoutError", "socket", MailUnansweredError, undefined],
    ["Error", "socket hang up", Error, undefined],
  ] as const)("%s (%s) → %s", (name, message, kind, reason) => {
    const classified = classifySesError(err(name, message));
    expect(classified).toBeInstanceOf(kind);
    if (kind === Error) {
      expect(classified).not.toBeInstanceOf(MailThrottledError);
      expect(classified).not.toBeInstanceOf(MailRejectedError);
      expect(classified).not.toBeInstanceOf(MailStoppedError);
      expect(classified).not.toBeInstanceOf(MailTransientError);
    }
    if (reason) expect((classified as MailStoppedError).reason).toBe(reason);
  });

  const NOT_VERIFIED =
    "Email address is not verified. The following identities failed the check in region EU-WEST-1:";
  it.each([
    ["the From address", `${NOT_VERIFIED} tips@example.com`, MailStoppedError],
    ["the From address in other case", `${NOT_VERIFIED} Tips@Example.com`, MailStoppedError],
    [
      "the From as it was sent, display name and all",
      `${NOT_VERIFIED} Weekly Strength Tips <tips@example.com>`,
      MailStoppedError,
    ],
    [
      "the From with a quoted display name",
      `${NOT_VERIFIED} "Weekly Strength Tips" <tips@example.com>`,
      MailStoppedError,
    ],
    ["the From domain", `${NOT_VERIFIED} example.com`, MailStoppedError],
    [
      "the sender and a reader",
      `${NOT_VERIFIED} reader@else.org, Weekly Strength Tips <tips@example.com>`,
      MailStoppedError,
    ],
    ["a list cut short", `${NOT_VERIFIED} a@else.org, b@else.org, ...`, MailStoppedError],
    ["no identity", "Email address is not verified.", MailStoppedError],
    ["the reader only (the SES sandbox)", `${NOT_VERIFIED} reader@else.org`, MailRejectedError],
    [
      "the reader only, in the sender's domain",
      `${NOT_VERIFIED} reader@example.com`,
      MailRejectedError,
    ],
    [
      "the reader only, with a name",
      `${NOT_VERIFIED} "Reader" <Reader@Else.org>`,
      MailRejectedError,
    ],
  ] as const)("MessageRejected naming %s: %s", (_what, message, kind) => {
    const error = Object.assign(new Error(message), { name: "MessageRejected" });
    const from = "Weekly Strength Tips <tips@example.com>";
    const to = message.includes("@example.com") ? "reader@example.com" : "reader@else.org";
    const classified = classifySesError(error, from, to);
    expect(classified).toBeInstanceOf(kind);
    if (kind === MailStoppedError) {
      expect((classified as MailStoppedError).reason).toBe("sender-refused");
    }
  });

  it.each([
    ["a reset connection", { code: "ECONNRESET" }],
    ["a refused connection", { code: "ECONNREFUSED" }],
    ["a 503 of any name", { $metadata: { httpStatusCode: 503 } }],
  ])("%s is transient (retried by the sender)", (_what, fields) => {
    const error = Object.assign(new Error("socket hang up"), fields);
    expect(classifySesError(error)).toBeInstanceOf(MailTransientError);
  });
});

describe("a SendEmail that never gets an answer", () => {
  it("is abandoned after the request timeout as unanswered (SES may have taken it: never resent)", async () => {
    // Accepts the connection and the request, answers nothing: a hung network path.
    const sockets = new Set<import("node:net").Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on("data", () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const mailer = new SesMailer({
        from: "Weekly Strength Tips <tips@example.com>",
        clientOptions: {
          endpoint: `http://127.0.0.1:${port}`,
          region: LOCAL_REGION,
          credentials: LOCAL_CREDENTIALS,
        },
        requestTimeoutMs: 300,
      });
      const started = performance.now();
      const outcome = await mailer
        .send({ to: "reader@example.com", subject: "s", html: "<p>h</p>", text: "t" })
        .catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(MailUnansweredError);
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([
    ["no handler options", undefined],
    ["an agent of the caller's", { httpAgent: {} }],
  ])("the request timeout is on by default, with %s", (_what, given) => {
    expect(sesRequestHandler(given as never)).toMatchObject({
      ...(given ?? {}),
      requestTimeout: SES_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    });
  });
});

describe("Reply-To", () => {
  it("goes out on every email when set, and not at all when not", async () => {
    const endpoint = aws?.sesEndpoint ?? "";
    const withReplyTo = new SesMailer({
      from: "Weekly Strength Tips <tips@example.com>",
      replyTo: "Coach <coach@example.com>",
      clientOptions: { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
    });
    const email = { subject: "s", html: "<p>h</p>", text: "t" };
    await withReplyTo.send({ ...email, to: "reply-to@example.com" });
    await sesMailer().send({ ...email, to: "no-reply-to@example.com" });
    const store = (await (await fetch(`${endpoint}/store`)).json()) as {
      emails: { destination: { to: string[] }; replyTo: string[] }[];
    };
    const to = (address: string) => store.emails.find((e) => e.destination.to.includes(address));
    expect(to("reply-to@example.com")?.replyTo).toEqual(["Coach <coach@example.com>"]);
    expect(to("no-reply-to@example.com")?.replyTo).toEqual([]);
  });
});
