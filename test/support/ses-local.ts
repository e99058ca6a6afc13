/** Helpers around aws-ses-v2-local for the send engine's tests: its mailbox, and a throttling proxy. */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
  at: number;
}

export async function sesEmails(endpoint: string): Promise<StoredEmail[]> {
  const response = await fetch(`${endpoint}/store`);
  return ((await response.json()) as { emails: StoredEmail[] }).emails;
}

export async function clearSes(endpoint: string): Promise<void> {
  await fetch(`${endpoint}/clear-store`, { method: "POST" });
}

/** One SendEmail call as the proxy saw it. */
export interface ProxiedCall {
  /** performance.now() when the request arrived. */
  at: number;
  to: string[];
  /** The status the proxy answered with (429 for a throttled call). */
  status: number;
}

/** A canned answer in place of the stand-in's. */
export interface ProxyAnswer {
  status: number;
  /** The exception name, sent as x-amzn-errortype (the SDK names the error after it). */
  errorType?: string;
  body: unknown;
}

export interface SesProxy {
  endpoint: string;
  /** Every SendEmail call, in arrival order. */
  calls: ProxiedCall[];
  close(): Promise<void>;
}

const SEND_EMAIL = "/v2/email/outbound-emails";

/**
 * A loopback proxy in front of aws-ses-v2-local. `answer` sees each request (method, path, JSON
 * body) and may answer it itself, as SES would (a 429 TooManyRequestsException, a
 * SendingPausedException, a configuration set whose sending is off); the SDK parses that as the
 * real service error, so the whole error path runs. Anything not answered goes to the stand-in.
 */
export async function startSesProxy(
  target: string,
  answer: (request: { method: string; path: string; body: unknown }) => ProxyAnswer | undefined,
): Promise<SesProxy> {
  const upstream = new URL(target);
  const calls: ProxiedCall[] = [];
  const server: Server = createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      let body: unknown;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString("utf8")) : undefined;
      } catch {
        body = undefined;
      }
      const method = req.method ?? "GET";
      const path = req.url ?? "/";
      const canned = answer({ method, path, body });
      const call =
        method === "POST" && path.startsWith(SEND_EMAIL)
          ? {
              at,
              to: ((body as { Destination?: { ToAddresses?: string[] } })?.Destination
                ?.ToAddresses ?? []) as string[],
              status: canned?.status ?? 200,
            }
          : undefined;
      if (call) calls.push(call);
      if (canned) {
        const payload = JSON.stringify(canned.body);
        res.writeHead(canned.status, {
          "content-type": "application/json",
          ...(canned.errorType ? { "x-amzn-errortype": canned.errorType } : {}),
          "content-length": Buffer.byteLength(payload),
        });
        res.end(payload);
        return;
      }
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method,
          path,
          headers: { ...req.headers, host: upstream.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      forward.end(raw);
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Whether a proxied request is SendEmail. */
export const isSendEmail = (r: { method: string; path: string }) =>
  r.method === "POST" && r.path.startsWith(SEND_EMAIL);

/** SES's answer past the account's MaxSendRate. */
export const THROTTLED: ProxyAnswer = {
  status: 429,
  errorType: "TooManyRequestsException",
  body: { message: "Maximum sending rate exceeded." },
};

/** A proxy that throttles a share of SendEmail calls (`random` decides each, for repeatable tests). */
export function startThrottleProxy(
  target: string,
  share: number,
  random: () => number = Math.random,
): Promise<SesProxy> {
  return startSesProxy(target, (r) => (isSendEmail(r) && random() < share ? THROTTLED : undefined));
}

/** A small deterministic PRNG (Park–Miller), so throttling tests are repeatable. */
export function seededRandom(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

/** A GetAccount answer of a healthy production account (aws-ses-v2-local reads AWS_SES_ACCOUNT). */
export const SES_ACCOUNT = {
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
};

/**
 * Runs `check` while aws-ses-v2-local, running in this process, answers GetAccount with
 * SES_ACCOUNT changed by `changes`.
 */
export async function withSesAccount<T>(changes: object, check: () => Promise<T>): Promise<T> {
  process.env.AWS_SES_ACCOUNT = JSON.stringify({ ...SES_ACCOUNT, ...changes });
  try {
    return await check();
  } finally {
    delete process.env.AWS_SES_ACCOUNT;
  }
}
