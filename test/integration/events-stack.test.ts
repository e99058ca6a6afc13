/**
 * The readers' events on the local stack, over real HTTP, with a bus that is down: the reader
 * signs up, confirms and leaves as if nothing were wrong, and every event arrives, once and in
 * order, when the bus comes back.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { MemoryBus } from "../../functions/adapters/memory-bus.js";
import type { DomainEvent } from "../../functions/core/events.js";
import type { EventBus } from "../../functions/core/ports.js";
import { subscriberId } from "../support/ids.js";
import {
  eventually,
  linkIn,
  listUnsubscribeUrl,
  startTestStack,
  type TestStack,
} from "../support/stack.js";

class DownBus implements EventBus {
  down = true;
  refused = 0;
  readonly delivered = new MemoryBus();
  async publish(events: readonly DomainEvent[]) {
    if (this.down) {
      this.refused += 1;
      throw new Error("EventBridge: ServiceUnavailable");
    }
    await this.delivered.publish(events);
  }
}

const bus = new DownBus();
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ eventBus: bus });
});
afterAll(async () => {
  await stack?.stop();
});

const post = (path: string, fields: Record<string, string>) =>
  fetch(path.startsWith("http") ? path : `${stack.baseUrl}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-forwarded-for": "198.51.100.9",
    },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });

it("signup, confirmation and one-click leaving all work while the bus is down; the events follow", async () => {
  const email = "bus.down@example.org";
  expect((await post("/subscribe", { email, firstName: "Kim" })).status).toBe(202);
  const confirmation = await eventually(async () => (await stack.mailTo(email))[0]);
  const token = new URL(
    linkIn(confirmation.body.html ?? "", `${stack.baseUrl}/confirm?token=`),
  ).searchParams.get("token");
  const confirmed = await post("/confirm", { token: token ?? "" });
  expect(confirmed.status).toBe(200);
  const welcome = await eventually(async () => (await stack.mailTo(email))[1]);
  // RFC 8058's one-click POST, twice (a mailbox provider retrying).
  for (let i = 0; i < 2; i += 1) {
    const left = await post(listUnsubscribeUrl(welcome), { "List-Unsubscribe": "One-Click" });
    expect(left.status).toBeLessThan(300);
  }
  expect((await stack.store.get(subscriberId(email)))?.status).toBe("unsubscribed");
  await eventually(async () => (bus.refused >= 2 ? true : undefined));
  expect(bus.delivered.published).toEqual([]);

  bus.down = false;
  await eventually(async () => (stack.events.pending === 0 ? true : undefined), 10_000);
  const published = bus.delivered.published;
  expect(published.map((e) => e.type)).toEqual([
    "subscriber.signed-up",
    "subscriber.confirmed",
    "subscriber.unsubscribed",
  ]);
  for (const event of published) expect(event.detail.subscriberId).toBe(subscriberId(email));
}, 30_000);
