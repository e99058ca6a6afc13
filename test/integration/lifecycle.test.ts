/**
 * The whole lifecycle over real HTTP against the local stack: signup → confirmation email →
 * confirm page → welcome (once) → one-click unsubscribe (repeatable) → signup again.
 */

import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIGNUP_LIMIT } from "../../functions/core/subscriptions.js";
import { createSigner, parseKeyring } from "../../functions/core/tokens.js";
import { ACCEPTED, MIN_ANSWER_MS } from "../../functions/http/subscribe.js";
import { ZONE_SCRIPT } from "../../functions/http/time-zones.js";
import { subscriberId } from "../support/ids.js";
import { subscriber } from "../support/send-fixtures.js";
import {
  eventually,
  linkIn,
  listUnsubscribeUrl,
  type MailboxEmail,
  startTestStack,
  type TestStack,
} from "../support/stack.js";

let stack: TestStack;
let ipCounter = 0;
/** A fresh client address per call, so the per-IP limit only bites where a test wants it. */
const freshIp = () => `198.51.100.${++ipCounter}`;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

function postJson(path: string, body: unknown, ip = freshIp()) {
  return fetch(`${stack.baseUrl}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": ip,
      "user-agent": "lifecycle-test",
    },
    body: JSON.stringify(body),
  });
}

function postForm(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return fetch(url.startsWith("http") ? url : `${stack.baseUrl}${url}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-forwarded-for": freshIp(),
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
}

/** Waits until `email` has exactly `count` emails (the outbox sends in the background). */
async function mailCount(email: string, count: number): Promise<MailboxEmail[]> {
  const mail = await eventually(async () => {
    const found = await stack.mailTo(email);
    return found.length >= count ? found : undefined;
  });
  expect(mail).toHaveLength(count);
  return mail;
}

/** Lets the outbox finish what it has (nothing waits on it after a refused signup). */
async function settle(): Promise<void> {
  await eventually(async () => (stack.outbox.pending === 0 ? true : undefined));
}

const status = async (email: string) => (await stack.store.get(subscriberId(email)))?.status;

function expectUnsubscribeHeaders(email: MailboxEmail) {
  const names = (email.headers ?? []).map((h) => h.name.toLowerCase());
  expect(names.filter((n) => n === "list-unsubscribe")).toHaveLength(1);
  expect(names.filter((n) => n === "list-unsubscribe-post")).toHaveLength(1);
  const value = email.headers?.find((h) => h.name === "List-Unsubscribe")?.value ?? "";
  // The https one-click URL, and no mailto: nothing would receive mail to it here.
  expect(value).toMatch(new RegExp(`^<${stack.baseUrl}/unsubscribe\\?token=[^>]+>$`));
  expect(email.replyTo).toEqual(["Weekly Strength Tips <coach@example.com>"]);
  expect(email.headers?.find((h) => h.name === "List-Unsubscribe-Post")?.value).toBe(
    "List-Unsubscribe=One-Click",
  );
}

describe("signup page", () => {
  it("serves an accessible form with security headers", async () => {
    const response = await fetch(`${stack.baseUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("content-security-policy")).toContain("form-action 'self'");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    expect(response.headers.get("strict-transport-security")).toBe(
      "max-age=63072000; includeSubDomains",
    );
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const html = await response.text();
    expect(html).toContain('<form method="post" action="/subscribe">');
    expect(html).toContain('<label for="email">');
    expect(html).toMatch(
      /<input id="website" name="website" type="text" tabindex="-1" autocomplete="off">/,
    );
    expect(html).toContain('aria-hidden="true"');
    // One script only: the time zone preselection, allowed by its hash in the CSP.
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? "");
    expect(scripts).toEqual([ZONE_SCRIPT]);
    const digest = createHash("sha256").update(ZONE_SCRIPT).digest("base64");
    expect(response.headers.get("content-security-policy")).toContain(
      `script-src 'sha256-${digest}'`,
    );
    expect(html).toMatch(/<select id="timeZone" name="timeZone">/);
  });

  it("answers HEAD like GET without a body, and explains unsubscribing without a token", async () => {
    const head = await fetch(`${stack.baseUrl}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const help = await fetch(`${stack.baseUrl}/unsubscribe`);
    expect(help.status).toBe(200);
    expect(await help.text()).toContain("link at the bottom of any email");
  });
});

describe("a reader's time zone", () => {
  it("is taken from the signup (JSON or form) and kept; the stage default when none is given", async () => {
    const cases = [
      ["zone-json@example.com", { timeZone: "Pacific/Kiritimati" }, "Pacific/Kiritimati"],
      ["zone-none@example.com", {}, undefined],
    ] as const;
    for (const [email, extra] of cases) {
      expect((await postJson("/subscribe", { email, ...extra })).status).toBe(202);
    }
    const form = await postForm("/subscribe", {
      email: "zone-form@example.com",
      timeZone: "America/St_Johns",
    });
    expect(form.status).toBe(202);
    await settle();
    for (const [email, , zone] of cases) {
      const saved = await stack.store.get(subscriberId(email));
      expect(saved?.status, email).toBe("pending");
      expect(saved?.timeZone, email).toBe(zone);
    }
    expect((await stack.store.get(subscriberId("zone-form@example.com")))?.timeZone).toBe(
      "America/St_Johns",
    );
  });
});

describe("the preferences page (/manage)", () => {
  it("shows the settings, pauses and resumes by form, and refuses bad input and other sites", async () => {
    const reader = subscriber("pref@example.com", { firstName: "Pri" });
    expect(await stack.store.create(reader)).toBe(true);
    const keys = parseKeyring(stack.env.TOKEN_KEYS as string);
    const token = createSigner(keys, { now: () => new Date() }).issue("manage", reader.id);
    const page = await fetch(`${stack.baseUrl}/manage?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("pref@example.com");
    expect(html).toMatch(/Your next tip: <strong>Monday \d+ \w+, 07:00<\/strong> \(UTC\)/);
    expect(await stack.store.get(reader.id)).toMatchObject({ status: "active" });

    const paused = await postForm("/manage", { token, action: "pause", weeks: "3" });
    expect(paused.status).toBe(200);
    expect(await paused.text()).toMatch(/Paused until Monday \d+ \w+/);
    expect((await stack.store.get(reader.id))?.pausedUntil).toBeDefined();

    const bad = await postForm("/manage", { token, action: "pause", weeks: "40" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("weeks must be a whole number from 1 to 12");
    const foreign = await postForm(
      "/manage",
      { token, action: "resume" },
      { origin: "https://evil.example" },
    );
    expect(foreign.status).toBe(403);
    expect((await stack.store.get(reader.id))?.pausedUntil).toBeDefined();

    const resumed = await postForm("/manage", { token, action: "resume" });
    expect(await resumed.text()).toContain("Your tips are back on.");
    expect((await stack.store.get(reader.id))?.pausedUntil).toBeUndefined();
    const wrong = await fetch(`${stack.baseUrl}/manage?token=not-a-token`);
    expect(wrong.status).toBe(400);
  });
});

describe("the lifecycle", () => {
  const address = "Lee.Runner@Example.COM";
  const normalized = "Lee.Runner@example.com";

  it("signs up, confirms once, unsubscribes with one click, and signs up again", async () => {
    // Signup: 202, one confirmation email with the unsubscribe headers.
    const signup = await postJson("/subscribe", { email: address, firstName: "Lee" });
    expect(signup.status).toBe(202);
    expect(await signup.json()).toEqual(ACCEPTED);
    // The confirmation goes through the outbox, drained in the background.
    let mail = await mailCount(normalized, 1);
    expect(await status(normalized)).toBe("pending");
    const confirmation = mail[0] as MailboxEmail;
    expect(confirmation.destination.to).toEqual([normalized]);
    expect(confirmation.subject).toBeTruthy();
    expect(`${confirmation.body.html}${confirmation.body.text}`).not.toContain("Lee,");
    expectUnsubscribeHeaders(confirmation);

    // The confirm link: GET shows a button and changes nothing (link scanners prefetch).
    const confirmLink = linkIn(confirmation.body.html ?? "", `${stack.baseUrl}/confirm?token=`);
    const page = await fetch(confirmLink);
    expect(page.status).toBe(200);
    const pageHtml = await page.text();
    expect(pageHtml).toContain('<form method="post" action="/confirm">');
    expect(await status(normalized)).toBe("pending");
    const token = new URL(confirmLink).searchParams.get("token") ?? "";
    expect(pageHtml).toContain(`name="token" value="${token}"`);

    // POST activates and sends the welcome email; a second POST changes nothing.
    const confirmed = await postForm("/confirm", { token });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("You're in");
    expect(await status(normalized)).toBe("active");
    expect((await postForm("/confirm", { token })).status).toBe(200);
    mail = await mailCount(normalized, 2);
    const welcome = mail[1] as MailboxEmail;
    expect(welcome.body.text).toContain("Hi Lee,");
    expect(welcome.subject).not.toBe(confirmation.subject);
    expectUnsubscribeHeaders(welcome);

    // The web view of the unsubscribe link: a button, no change.
    const unsubscribeLink = listUnsubscribeUrl(welcome);
    const unsubscribePage = await fetch(unsubscribeLink);
    expect(unsubscribePage.status).toBe(200);
    expect(await unsubscribePage.text()).toContain(
      '<form method="post" action="/unsubscribe?token=',
    );
    expect(await status(normalized)).toBe("active");

    // RFC 8058 one-click: 200 (never a redirect), and 200 again.
    for (let i = 0; i < 2; i++) {
      const oneClick = await postForm(unsubscribeLink, { "List-Unsubscribe": "One-Click" });
      expect(oneClick.status).toBe(200);
      expect(await status(normalized)).toBe("unsubscribed");
    }
    // The page said it: no email follows, not even a goodbye.
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await stack.mailTo(normalized)).toHaveLength(2);
    expect(
      (await stack.store.listActive(0, undefined, 1000)).items.map((s) => s.email),
    ).not.toContain(normalized);

    // Signing up again within 24 h: back to pending with fresh consent appended, and a new
    // confirmation; the old link stays dead.
    const before = await stack.store.get(subscriberId(normalized));
    expect((await postJson("/subscribe", { email: address, firstName: "Leo" })).status).toBe(202);
    mail = await mailCount(normalized, 3);
    const after = await stack.store.get(subscriberId(normalized));
    expect(after?.status).toBe("pending");
    expect(after?.consent.at).not.toBe(before?.consent.at);
    expect(after?.consentHistory).toEqual([before?.consent, after?.consent]);
    const stale = await postForm("/confirm", { token });
    expect(stale.status).toBe(400);
    expect((await fetch(confirmLink)).status).toBe(400); // its page: the error, no button
    expect(await status(normalized)).toBe("pending");

    // A third signup in 24 h: the mailbox has had its two confirmations; same answer, no email.
    const third = await postJson("/subscribe", { email: "lee.runner+again@example.com" });
    expect(third.status).toBe(202);
    expect(await third.json()).toEqual(ACCEPTED);
    await settle();
    expect(await stack.mailTo(normalized)).toHaveLength(3);
    expect(await stack.mailTo("lee.runner+again@example.com")).toHaveLength(0);
  });

  it("answers a signup for an active address exactly like a new one, no faster, and mails only its owner", async () => {
    const fresh = `timing-${Date.now()}@example.com`;
    let started = Date.now();
    const first = await postJson("/subscribe", { email: fresh });
    const newMs = Date.now() - started;
    const confirmation = (await mailCount(fresh, 1))[0];
    const link = linkIn(confirmation?.body.html ?? "", `${stack.baseUrl}/confirm?token=`);
    await postForm("/confirm", { token: new URL(link).searchParams.get("token") ?? "" });
    expect(await status(fresh)).toBe("active");

    started = Date.now();
    const second = await postJson("/subscribe", { email: fresh });
    const activeMs = Date.now() - started;
    expect(second.status).toBe(first.status);
    expect(await second.text()).toBe(JSON.stringify(ACCEPTED));
    expect(newMs).toBeGreaterThanOrEqual(MIN_ANSWER_MS - 5);
    expect(activeMs).toBeGreaterThanOrEqual(MIN_ANSWER_MS - 5);
    // The address's owner is told it is on the list, with their preferences; nothing to confirm.
    const mail = await mailCount(fresh, 3);
    const already = mail.find((m) => m.subject.startsWith("You're already subscribed"));
    expect(already?.body.text).toContain(`${stack.baseUrl}/manage?token=`);
    expect(already?.body.text).not.toContain("/confirm?token=");
    await settle();
    expect(await stack.mailTo(fresh)).toHaveLength(3); // confirmation, welcome, already
  });

  it("answers a form post from our own page (as a browser sends it) with the check-your-inbox page", async () => {
    const response = await postForm(
      "/subscribe",
      { email: "form@example.com", firstName: "Fran", website: "", consentVersion: "x" },
      { origin: stack.baseUrl, "sec-fetch-site": "same-origin", referer: `${stack.baseUrl}/` },
    );
    expect(response.status).toBe(202);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toContain("Check your inbox");
    const saved = await eventually(() => stack.store.get(subscriberId("form@example.com")));
    expect(saved).toMatchObject({
      status: "pending",
      firstName: "Fran",
      consent: { source: "signup-page" },
    });
  });

  it("takes an address at an international domain and mails it at the domain's ASCII form", async () => {
    const response = await postForm(
      "/subscribe",
      { email: "anna@Müller-Läuft.de", website: "", consentVersion: "x" },
      { origin: stack.baseUrl, "sec-fetch-site": "same-origin", referer: `${stack.baseUrl}/` },
    );
    expect(response.status).toBe(202);
    const ascii = "anna@xn--mller-luft-w5a5z.de";
    const [confirmation] = await mailCount(ascii, 1);
    expect(confirmation?.destination.to).toEqual([ascii]);
    expect(await status(ascii)).toBe("pending");
    // Her own page shows the address in the letters she typed.
    const keys = parseKeyring(stack.env.TOKEN_KEYS as string);
    const token = createSigner(keys, { now: () => new Date() }).issue(
      "manage",
      subscriberId(ascii),
    );
    const page = await fetch(`${stack.baseUrl}/manage?token=${encodeURIComponent(token)}`);
    expect(await page.text()).toContain("anna@müller-läuft.de");
  });

  it("gives a bot that fills the honeypot the same page but writes and sends nothing", async () => {
    await settle(); // earlier tests' signups finish first
    const before = await stack.scan();
    const mailBefore = (await stack.mailbox()).length;
    const response = await postForm("/subscribe", {
      email: "bot@example.com",
      website: "https://spam.example",
    });
    expect(response.status).toBe(202);
    expect(await response.text()).toContain("Check your inbox");
    expect(await stack.scan()).toEqual(before);
    await settle();
    expect(await stack.scan()).toEqual(before);
    expect((await stack.mailbox()).length).toBe(mailBefore);
  });

  it("limits signups per IP with 429 and Retry-After", async () => {
    const ip = "203.0.113.200";
    for (let i = 0; i < SIGNUP_LIMIT.perWindow; i++) {
      expect((await postJson("/subscribe", { email: `burst-${i}@example.com` }, ip)).status).toBe(
        202,
      );
    }
    const limited = await postJson("/subscribe", { email: "burst-x@example.com" }, ip);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(SIGNUP_LIMIT.windowSeconds);
    expect(await limited.json()).toMatchObject({ error: { code: "too_many_requests" } });
    expect(await stack.store.get(subscriberId("burst-x@example.com"))).toBeUndefined();
  });
});

describe("web view", () => {
  it("shows a tip with its view token, which names nobody, and the public page without one", async () => {
    const { bundle } = await import("../../functions/generated/content.js");
    const tip = bundle.tips[0];
    expect(tip, "the content bundle has at least one tip").toBeDefined();
    const slug = tip?.slug ?? "";
    const token = createSigner(parseKeyring(stack.env.TOKEN_KEYS as string), {
      now: () => new Date(),
    }).issue("view", slug);
    const withToken = await fetch(
      `${stack.baseUrl}/view/${encodeURIComponent(slug)}?token=${token}`,
    );
    expect(withToken.status).toBe(200);
    expect(withToken.headers.get("cache-control")).toBe("no-store");
    const html = await withToken.text();
    expect(html).not.toContain("{{");
    expect(html).not.toContain("/unsubscribe?token=");
    const anonymous = await (
      await fetch(`${stack.baseUrl}/view/${encodeURIComponent(slug)}?token=bad`)
    ).text();
    expect(anonymous).not.toContain("token=bad");
    expect((await fetch(`${stack.baseUrl}/view/no-such-tip`)).status).toBe(404);
  });
});
