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

export interface ThrottleProxy {
  endpoint: string;
  /** SendEmail calls answered with 429 so far. */
  throttled: number;
  forwarded: number;
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of aws-ses-v2-local that answers a share of SendEmail calls with
 * 429 TooManyRequestsException, as SES does past the account's MaxSendRate. The SDK parses it as
 * the real service error, so the whole error path (SDK retries, classifySesError, the sender's
 * backoff) runs. `random` decides per call (deterministic in tests).
 */
export async function startThrottleProxy(
  target: string,
  share: number,
  random: () => number = Math.random,
): Promise<ThrottleProxy> {
  const upstream = new URL(target);
  const state = { throttled: 0, forwarded: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (
        req.method === "POST" &&
        req.url?.startsWith("/v2/email/outbound-emails") &&
        random() < share
      ) {
        state.throttled += 1;
        const payload = JSON.stringify({ message: "Maximum sending rate exceeded." });
        res.writeHead(429, {
          "content-type": "application/json",
          "x-amzn-errortype": "TooManyRequestsException",
          "content-length": Buffer.byteLength(payload),
        });
        res.end(payload);
        return;
      }
      state.forwarded += 1;
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
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
      forward.end(body);
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get throttled() {
      return state.throttled;
    },
    get forwarded() {
      return state.forwarded;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A small deterministic PRNG (Park–Miller), so throttling tests are repeatable. */
export function seededRandom(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}
