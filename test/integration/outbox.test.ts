/**
 * Signup never shows a mail failure: with SES failing (a proxy in front of the SES stand-in that
 * answers TooManyRequestsException, as SES does when the Monday send uses the whole rate), a new
 * address and an active one get the same 202, body and minimum time; the confirmation waits on the
 * outbox, is retried, and goes out exactly once when SES recovers.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCEPTED, MIN_ANSWER_MS } from "../../functions/http/subscribe.js";
import { subscriberId } from "../support/ids.js";
import { eventually, startTestStack, type TestStack } from "../support/stack.js";

let stack: TestStack;
let proxy: Server;
let sesTarget = "";
let failing = false;
let refused = 0;

beforeAll(async () => {
  proxy = createServer((incoming, outgoing) => {
    if (failing) {
      refused += 1;
      incoming.resume();
      outgoing.writeHead(429, {
        "content-type": "application/json",
        "x-amzn-errortype": "TooManyRequestsException",
      });
      outgoing.end(JSON.stringify({ message: "Maximum sending rate exceeded." }));
      return;
    }
    const target = new URL(incoming.url ?? "/", sesTarget);
    const forward = request(
      target,
      { method: incoming.method, headers: { ...incoming.headers, host: target.host } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;
  stack = await startTestStack({ sesEndpoint: `http://127.0.0.1:${port}` });
  sesTarget = stack.aws.sesEndpoint;
});

afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => proxy?.close(resolve));
});

async function signUp(email: string, ip: string) {
  const started = Date.now();
  const response = await fetch(`${stack.baseUrl}/subscribe`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": ip },
    body: JSON.stringify({ email }),
  });
  return { status: response.status, body: await response.text(), ms: Date.now() - started };
}

describe("the confirmation outbox", () => {
  it("answers alike while SES fails, retries, and sends once when SES is back", async () => {
    // An active subscriber, confirmed while SES worked.
    const active = "outbox-active@example.com";
    const now = new Date();
    await stack.store.create({
      id: subscriberId(active),
      email: active,
      status: "pending",
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      consent: {
        at: now.toISOString(),
        ip: "1.1.1.1",
        userAgent: "t",
        source: "t",
        textVersion: "v",
      },
      sentTips: [],
    });
    await stack.store.activate(subscriberId(active), now, "1.1.1.1");

    failing = true;
    const fresh = "outbox-new@example.com";
    const forNew = await signUp(fresh, "198.51.100.201");
    const forActive = await signUp(active, "198.51.100.202");
    for (const answer of [forNew, forActive]) {
      expect(answer.status).toBe(202);
      expect(answer.body).toBe(JSON.stringify(ACCEPTED));
      expect(answer.ms).toBeGreaterThanOrEqual(MIN_ANSWER_MS - 5);
    }

    // The outbox keeps trying while SES refuses; nothing reaches the mailbox.
    await eventually(async () => (stack.outbox.retries >= 2 ? true : undefined), 15_000);
    expect(refused).toBeGreaterThanOrEqual(2);
    expect(await stack.mailTo(fresh)).toEqual([]);
    expect((await stack.store.get(subscriberId(fresh)))?.status).toBe("pending");

    failing = false;
    await eventually(
      async () => ((await stack.mailTo(fresh)).length > 0 ? true : undefined),
      15_000,
    );
    await eventually(async () => (stack.outbox.pending === 0 ? true : undefined), 15_000);
    expect(await stack.mailTo(fresh)).toHaveLength(1);
    // The active reader is told, once, that they are on the list.
    const told = await stack.mailTo(active);
    expect(told.map((m) => m.subject)).toEqual([
      expect.stringMatching(/^You're already subscribed/),
    ]);
    expect((await stack.store.get(subscriberId(fresh)))?.confirmSentFor).toMatch(/^[0-9a-f]{16}$/);
  }, 40_000);
});
