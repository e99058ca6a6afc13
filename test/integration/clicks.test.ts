/**
 * Click counts end to end on the local stack: `npm run send` mails a tip whose link goes through
 * /r/<token>; following it over real HTTP redirects to the tip's link, and only a person's GET
 * after the first seconds adds to the tip's counter in dynalite and sets the reader's last click
 * week.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoWeek } from "../../functions/core/week.js";
import { bundle } from "../../functions/generated/content.js";
import { main as send } from "../../scripts/send.js";
import { subscriber } from "../support/send-fixtures.js";
import { startTestStack, type TestStack } from "../support/stack.js";

const BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("a tip's link on the local stack", () => {
  it("redirects through /r/ and counts only a person's click after the first seconds", async () => {
    const first = bundle.tips[0];
    if (!first) throw new Error("no tips built");
    const target = /href="(https?:\/\/[^"]+)"/.exec(first.html)?.[1];
    if (!target) throw new Error(`the first tip (${first.slug}) has no link to follow`);
    const reader = subscriber("clicker@example.com");
    await stack.store.create(reader);
    const quiet = { log: console.log, error: console.error };
    console.log = () => {};
    console.error = () => {};
    try {
      expect(await send(["--week", isoWeek(new Date()), "--rate", "500"])).toBe(0);
    } finally {
      Object.assign(console, quiet);
    }
    const [email] = await stack.mailTo(reader.email);
    const link = new RegExp(`href="(${stack.baseUrl}/r/[^"]+)"`).exec(email?.body.html ?? "")?.[1];
    if (!link) throw new Error("the tip's link did not go through the redirect");
    expect(email?.body.html).not.toContain(`href="${target}"`);
    expect(email?.body.text).toContain(`${stack.baseUrl}/r/`);

    const follow = (method: string, userAgent = BROWSER) =>
      fetch(link, { method, redirect: "manual", headers: { "user-agent": userAgent } });
    // A scanner follows every link as the email arrives: redirected, never counted.
    const early = await follow("GET");
    expect(early.status).toBe(302);
    expect(early.headers.get("location")).toBe(target.replace(/&amp;/g, "&"));
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    expect((await follow("HEAD")).status).toBe(302);
    expect((await follow("GET", "Mozilla/5.0 (compatible; Mimecast)")).status).toBe(302);
    expect(await stack.store.tipClicks(first.slug)).toBe(0);
    expect((await follow("GET")).status).toBe(302);
    expect(await stack.store.tipClicks(first.slug)).toBe(1);
    expect((await stack.store.get(reader.id))?.lastClickWeek).toBe(isoWeek(new Date()));

    const tampered = link.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    const refused = await fetch(tampered, { redirect: "manual" });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("location")).toBeNull();
  }, 60_000);
});
