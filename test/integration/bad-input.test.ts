/**
 * Malformed requests, each answered with the right status and a clear body, and each leaving the
 * table exactly as it was (a scan before and after) and the mailbox untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSigner, type Signer } from "../../functions/core/tokens.js";
import { subscriberId } from "../support/ids.js";
import { eventually, startTestStack, type TestStack } from "../support/stack.js";

let stack: TestStack;
let signer: Signer;
let expiredSigner: Signer;
const PENDING = "pending-bad-input@example.com";
const ACTIVE = "active-bad-input@example.com";
const pendingId = subscriberId(PENDING);
const activeId = subscriberId(ACTIVE);
/** The seeded pending subscriber's signup: its confirm links carry it. */
const PENDING_GENERATION = "0123456789abcdef";
const pendingConfirm = `${pendingId}-${PENDING_GENERATION}`;

beforeAll(async () => {
  stack = await startTestStack();
  const keys = stack.env.TOKEN_KEYS ?? "";
  const [kid = "", secret = ""] = keys.split(",")[0]?.split(":") ?? [];
  signer = createSigner([{ kid, secret }], { now: () => new Date() });
  // Issued 8 days ago with the 7-day confirmation TTL: expired now.
  expiredSigner = createSigner([{ kid, secret }], {
    now: () => new Date(Date.now() - 8 * 86_400_000),
  });
  const now = new Date();
  const base = { createdAt: now.toISOString(), updatedAt: now.toISOString(), sentTips: [] };
  const consent = {
    at: now.toISOString(),
    ip: "1.1.1.1",
    userAgent: "t",
    source: "test",
    textVersion: "v",
  };
  await stack.store.create({
    id: pendingId,
    email: PENDING,
    status: "pending",
    consent,
    generation: PENDING_GENERATION,
    ...base,
  });
  await stack.store.create({ id: activeId, email: ACTIVE, status: "pending", consent, ...base });
  await stack.store.activate(activeId, now, "1.1.1.1");
  // The active reader signed out every link an hour ago: links issued before then are dead.
  await stack.store.signOutLinks(activeId, Math.floor(Date.now() / 1000) - 3600);
});
afterAll(async () => {
  await stack?.stop();
});

interface Case {
  name: string;
  method?: string;
  path: string | (() => string);
  headers?: Record<string, string>;
  body?: string | (() => string);
  status: number;
  /** For JSON answers: the error code. For HTML answers: a fragment of the page. */
  code?: string;
  html?: string;
}

const json = { "content-type": "application/json" };
const form = { "content-type": "application/x-www-form-urlencoded" };
/** Changes the first character of the MAC (the last one may only hold padding bits). */
const tamper = (token: string) => {
  const parts = token.split(".");
  const mac = parts[5] ?? "";
  parts[5] = (mac[0] === "A" ? "B" : "A") + mac.slice(1);
  return parts.join(".");
};
const INVALID_LINK = "This link is invalid or has expired.";

const cases: Case[] = [
  // POST /subscribe
  {
    name: "text/plain body",
    path: "/subscribe",
    headers: { "content-type": "text/plain" },
    body: "email=a@example.com",
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "no content type",
    path: "/subscribe",
    body: '{"email":"a@example.com"}',
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "multipart body",
    path: "/subscribe",
    headers: { "content-type": "multipart/form-data; boundary=x" },
    body: '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@example.com\r\n--x--',
    status: 415,
    code: "unsupported_media_type",
  },
  ...[{ toString: 1 }, { valueOf: 1, toString: 1 }, [3], true].map(
    (deliveryDay): Case => ({
      name: `a delivery day of ${JSON.stringify(deliveryDay)}`,
      path: "/subscribe",
      headers: json,
      body: JSON.stringify({ email: "a@example.com", deliveryDay, deliveryHour: deliveryDay }),
      status: 400,
      code: "invalid_delivery_slot",
    }),
  ),
  {
    name: "malformed JSON",
    path: "/subscribe",
    headers: json,
    body: '{"email": "a@example.com"',
    status: 400,
    code: "malformed_json",
  },
  {
    name: "JSON that is not an object",
    path: "/subscribe",
    headers: json,
    body: '["a@example.com"]',
    status: 400,
    code: "malformed_json",
  },
  {
    name: "JSON null",
    path: "/subscribe",
    headers: json,
    body: "null",
    status: 400,
    code: "malformed_json",
  },
  {
    name: "oversize JSON body",
    path: "/subscribe",
    headers: json,
    body: JSON.stringify({ email: "a@example.com", pad: "x".repeat(9000) }),
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "oversize form body",
    path: "/subscribe",
    headers: form,
    body: `email=a%40example.com&pad=${"x".repeat(9000)}`,
    status: 413,
    html: "That didn",
  },
  {
    name: "invalid email",
    path: "/subscribe",
    headers: json,
    body: '{"email":"not-an-address"}',
    status: 400,
    code: "invalid_email",
  },
  {
    name: "email with a header injection",
    path: "/subscribe",
    headers: json,
    body: JSON.stringify({ email: "a@example.com\r\nBcc: b@example.com" }),
    status: 400,
    code: "invalid_email",
  },
  {
    name: "email that is a number",
    path: "/subscribe",
    headers: json,
    body: '{"email":42}',
    status: 400,
    code: "invalid_email",
  },
  {
    name: "missing email",
    path: "/subscribe",
    headers: json,
    body: '{"firstName":"Ann"}',
    status: 400,
    code: "missing_email",
  },
  {
    name: "missing email in a form",
    path: "/subscribe",
    headers: form,
    body: "firstName=Ann",
    status: 400,
    html: "An email address is required.",
  },
  {
    name: "empty body",
    path: "/subscribe",
    headers: json,
    body: "",
    status: 400,
    code: "malformed_json",
  },
  {
    name: "first name too long",
    path: "/subscribe",
    headers: json,
    body: JSON.stringify({ email: "a@example.com", firstName: "x".repeat(101) }),
    status: 400,
    code: "invalid_first_name",
  },
  {
    name: "first name that is a URL",
    path: "/subscribe",
    headers: json,
    body: JSON.stringify({
      email: "a@example.com",
      firstName: "Claim your prize at https://evil.example",
    }),
    status: 400,
    code: "invalid_first_name",
  },
  {
    name: "unknown time zone",
    path: "/subscribe",
    headers: json,
    body: JSON.stringify({ email: "a@example.com", timeZone: "Mars/Olympus_Mons" }),
    status: 400,
    code: "invalid_time_zone",
  },
  {
    name: "time zone that is an offset, not a zone (form)",
    path: "/subscribe",
    headers: form,
    body: "email=a%40example.com&timeZone=UTC%2B3",
    status: 400,
    html: "must be an IANA time zone",
  },
  {
    name: "time zone that is not text",
    path: "/subscribe",
    headers: json,
    body: JSON.stringify({ email: "a@example.com", timeZone: ["Europe/London"] }),
    status: 400,
    code: "invalid_time_zone",
  },
  {
    name: "first name that is an email address",
    path: "/subscribe",
    headers: json,
    body: JSON.stringify({ email: "a@example.com", firstName: "mail me at x@evil.example" }),
    status: 400,
    code: "invalid_first_name",
  },
  {
    name: "first name with a host name hidden by zero-width spaces (form)",
    path: "/subscribe",
    headers: form,
    body: `email=a%40example.com&firstName=${encodeURIComponent("evil\u200B.\u200Bexample")}`,
    status: 400,
    html: "no digits, web addresses or email addresses",
  },
  ...(
    [
      ["an ideographic full stop", "evil。com"],
      ["a halfwidth ideographic full stop", "evil｡com"],
      ["a fullwidth full stop", "evil．com"],
      ["a spaced dot", "evil. com"],
      ["an IP address", "192.0.2.1"],
      ["digits (a phone number)", "Alice. Your account is locked, call 0800 555 0100 to keep it"],
      ["more than 4 words", "Ann Bea Cat Dee Eve"],
      ["more than 40 characters", "A".repeat(41)],
    ] as const
  ).map(([what, firstName]) => ({
    name: `first name with ${what}`,
    path: "/subscribe",
    headers: json,
    body: JSON.stringify({ email: "a@example.com", firstName }),
    status: 400,
    code: "invalid_first_name",
  })),
  {
    name: "email with a 65-character local part",
    path: "/subscribe",
    headers: json,
    body: JSON.stringify({ email: `${"a".repeat(65)}@example.com` }),
    status: 400,
    code: "invalid_email",
  },
  {
    name: "email whose domain label ends in a hyphen",
    path: "/subscribe",
    headers: json,
    body: JSON.stringify({ email: "a@evil-.example" }),
    status: 400,
    code: "invalid_email",
  },
  {
    name: "email with a 64-character domain label",
    path: "/subscribe",
    headers: json,
    body: JSON.stringify({ email: `a@${"b".repeat(64)}.example` }),
    status: 400,
    code: "invalid_email",
  },
  // POST /manage
  {
    name: "manage: text/plain body",
    path: "/manage",
    headers: { "content-type": "text/plain" },
    body: () => `token=${signer.issue("manage", activeId)}&action=resume`,
    status: 415,
    html: "application/json",
  },
  {
    name: "manage: multipart body",
    path: "/manage",
    headers: { "content-type": "multipart/form-data; boundary=x" },
    body: () =>
      `--x\r\nContent-Disposition: form-data; name="action"\r\n\r\nerase-confirmed\r\n--x--`,
    status: 415,
  },
  {
    name: "manage: no content type",
    path: "/manage",
    body: () => `token=${signer.issue("manage", activeId)}&action=erase-confirmed`,
    status: 415,
  },
  {
    name: "manage: a day and zone given as JSON objects, not left blank",
    path: "/manage",
    headers: json,
    body: () =>
      JSON.stringify({
        token: signer.issue("manage", activeId),
        action: "when",
        deliveryDay: {},
        timeZone: true,
      }),
    status: 400,
    html: "must be text or a number",
  },
  {
    name: "manage: an unknown action",
    path: "/manage",
    headers: form,
    body: () => `token=${signer.issue("manage", activeId)}&action=delete-everyone`,
    status: 400,
    html: "action must be one of",
  },
  {
    name: "manage: erase with an unsubscribe token (wrong purpose)",
    path: "/manage",
    headers: form,
    body: () => `token=${signer.issue("unsubscribe", activeId)}&action=erase-confirmed`,
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "manage: erase with a link issued before the reader signed out every link",
    path: "/manage",
    headers: form,
    body: () => `token=${expiredSigner.issue("manage", activeId)}&action=erase-confirmed`,
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "manage: cross-site erase with a valid token",
    path: "/manage",
    headers: { ...form, "sec-fetch-site": "cross-site" },
    body: () => `token=${signer.issue("manage", activeId)}&action=erase-confirmed`,
    status: 403,
    html: "other sites",
  },
  {
    name: "unsubscribe: a link issued before the reader's record was made (a namesake's)",
    path: () => `/unsubscribe?token=${expiredSigner.issue("unsubscribe", activeId)}`,
    headers: form,
    body: "List-Unsubscribe=One-Click",
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "view: a reader's unsubscribe token opens no held-back tip",
    method: "GET",
    path: () => `/tips/no-such-tip?token=${signer.issue("unsubscribe", activeId)}`,
    status: 404,
  },
  // POST /confirm
  {
    name: "confirm: valid token with a character outside base64url appended",
    path: "/confirm",
    headers: form,
    body: () => `token=${encodeURIComponent(`${signer.issue("confirm", pendingConfirm, 3600)}]`)}`,
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "confirm: valid token with base64 padding appended",
    path: "/confirm",
    headers: form,
    body: () => `token=${encodeURIComponent(`${signer.issue("confirm", pendingConfirm, 3600)}==`)}`,
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "unsubscribe: valid token with padding appended",
    path: () =>
      `/unsubscribe?token=${encodeURIComponent(`${signer.issue("unsubscribe", activeId)}=`)}`,
    headers: form,
    body: "List-Unsubscribe=One-Click",
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "confirm: tampered token",
    path: "/confirm",
    headers: form,
    body: () => `token=${tamper(signer.issue("confirm", pendingConfirm, 3600))}`,
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "confirm: expired token",
    path: "/confirm",
    headers: form,
    body: () => `token=${expiredSigner.issue("confirm", pendingConfirm, 7 * 86_400)}`,
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "confirm: a signed link of an earlier signup (retired generation)",
    path: "/confirm",
    headers: form,
    body: () => `token=${signer.issue("confirm", `${pendingId}-fedcba9876543210`, 3600)}`,
    status: 400,
    html: "replaced by a newer one",
  },
  {
    name: "confirm: a signed link without a generation (issued before links were bound)",
    path: "/confirm",
    headers: form,
    body: () => `token=${signer.issue("confirm", pendingId, 3600)}`,
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "confirm: unsubscribe token (wrong purpose)",
    path: "/confirm",
    headers: form,
    body: () => `token=${signer.issue("unsubscribe", pendingId)}`,
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "confirm: unknown key id",
    path: "/confirm",
    headers: form,
    body: () =>
      `token=${signer.issue("confirm", pendingConfirm, 3600).replace(/^[^.]+/, "rotated")}`,
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "confirm: missing token",
    path: "/confirm",
    headers: form,
    body: "",
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "confirm: empty token",
    path: "/confirm",
    headers: form,
    body: "token=",
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "confirm: garbage token",
    path: "/confirm",
    headers: form,
    body: "token=%3Cscript%3E",
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "confirm: GET with a tampered token",
    method: "GET",
    path: () => `/confirm?token=${tamper(signer.issue("confirm", pendingConfirm, 3600))}`,
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "confirm: GET without a token",
    method: "GET",
    path: "/confirm",
    status: 400,
    html: INVALID_LINK,
  },
  // POST /unsubscribe
  {
    name: "unsubscribe: confirm token (wrong purpose)",
    path: () => `/unsubscribe?token=${signer.issue("confirm", activeId, 3600)}`,
    headers: form,
    body: "List-Unsubscribe=One-Click",
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "unsubscribe: tampered token",
    path: () => `/unsubscribe?token=${tamper(signer.issue("unsubscribe", activeId))}`,
    headers: form,
    body: "List-Unsubscribe=One-Click",
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "unsubscribe: token for another id",
    path: () =>
      `/unsubscribe?token=${signer.issue("unsubscribe", activeId).replace(activeId, pendingId)}`,
    headers: form,
    body: "List-Unsubscribe=One-Click",
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "unsubscribe: missing token",
    path: "/unsubscribe",
    headers: form,
    body: "List-Unsubscribe=One-Click",
    status: 400,
    html: INVALID_LINK,
  },
  {
    name: "unsubscribe: oversize body",
    path: () => `/unsubscribe?token=${signer.issue("unsubscribe", activeId)}`,
    headers: form,
    body: `List-Unsubscribe=One-Click&pad=${"x".repeat(9000)}`,
    status: 413,
  },
  {
    name: "unsubscribe: GET with a bad token",
    method: "GET",
    path: "/unsubscribe?token=x.y.z",
    status: 400,
    html: INVALID_LINK,
  },
  // Cross-site posts: a page of another site making its visitors' browsers post our forms
  {
    name: "cross-site form signup (Origin of another site)",
    path: "/subscribe",
    headers: { ...form, origin: "https://evil.example" },
    body: "email=victim%40example.com&firstName=Ann",
    status: 403,
    html: "other sites",
  },
  {
    name: "cross-site JSON signup (Sec-Fetch-Site: cross-site, no Origin)",
    path: "/subscribe",
    headers: { ...json, "sec-fetch-site": "cross-site" },
    body: '{"email":"victim@example.com"}',
    status: 403,
    code: "cross_site_request",
  },
  {
    name: "signup from a sibling subdomain (Sec-Fetch-Site: same-site)",
    path: "/subscribe",
    headers: { ...form, "sec-fetch-site": "same-site" },
    body: "email=victim%40example.com",
    status: 403,
    html: "other sites",
  },
  {
    name: "signup from a sandboxed frame (Origin: null)",
    path: "/subscribe",
    headers: { ...form, origin: "null" },
    body: "email=victim%40example.com",
    status: 403,
    html: "other sites",
  },
  {
    name: "signup with our host on another port as Origin",
    path: "/subscribe",
    headers: { ...form, origin: "http://127.0.0.1:1" },
    body: "email=victim%40example.com",
    status: 403,
    html: "other sites",
  },
  {
    name: "cross-site confirm with a valid token",
    path: "/confirm",
    headers: { ...form, origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    body: () => `token=${signer.issue("confirm", pendingConfirm, 3600)}`,
    status: 403,
    html: "other sites",
  },
  {
    name: "cross-site unsubscribe with a valid token",
    path: () => `/unsubscribe?token=${signer.issue("unsubscribe", activeId)}`,
    headers: { ...form, "sec-fetch-site": "cross-site" },
    body: "List-Unsubscribe=One-Click",
    status: 403,
    html: "other sites",
  },
  // Routing
  { name: "unknown address", method: "GET", path: "/admin", status: 404, html: "Page not found" },
  { name: "unknown route", method: "POST", path: "/admin", status: 404, code: "not_found" },
  {
    name: "PUT /subscribe",
    method: "PUT",
    path: "/subscribe",
    status: 405,
    code: "method_not_allowed",
  },
  {
    name: "DELETE /confirm",
    method: "DELETE",
    path: "/confirm",
    status: 405,
    html: "accepts GET, HEAD, POST",
  },
  {
    name: "POST /",
    method: "POST",
    path: "/",
    headers: form,
    body: "email=a%40example.com",
    status: 405,
  },
  { name: "unknown tip", method: "GET", path: "/view/no-such-tip", status: 404, html: "no tip" },
];

describe("bad input changes nothing", () => {
  it.each(cases)("$name → $status", async (c) => {
    const before = await stack.scan();
    const mailBefore = (await stack.mailbox()).length;
    const path = typeof c.path === "function" ? c.path() : c.path;
    const body = typeof c.body === "function" ? c.body() : c.body;
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method: c.method ?? "POST",
      headers: { "x-forwarded-for": "192.0.2.77", ...c.headers },
      ...(body === undefined ? {} : { body }),
      redirect: "manual",
    });
    expect(response.status).toBe(c.status);
    const text = await response.text();
    if (c.code) {
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      const parsed = JSON.parse(text) as { error: { code: string; message: string } };
      expect(parsed.error.code).toBe(c.code);
      expect(parsed.error.message.length).toBeGreaterThan(10);
    }
    if (c.html) {
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(text).toContain(c.html);
    }
    if (c.status === 405) expect(response.headers.get("allow")).toBeTruthy();
    // Every answer, error or not: HSTS, and no CORS (no other site may read our answers).
    expect(response.headers.get("strict-transport-security")).toBe(
      "max-age=63072000; includeSubDomains",
    );
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(await stack.scan()).toEqual(before);
    expect((await stack.mailbox()).length).toBe(mailBefore);
  });

  it("left the seeded subscribers as they were", async () => {
    expect((await stack.store.get(pendingId))?.status).toBe("pending");
    expect((await stack.store.get(activeId))?.status).toBe("active");
  });
});

describe("unexpected errors", () => {
  it("answer 500 with a generic message and never the error's own text", async () => {
    const { createApi } = await import("../../functions/http/router.js");
    const { bundle } = await import("../../functions/generated/content.js");
    const { MemoryStore } = await import("../../functions/adapters/memory-store.js");
    const { memoryDeps } = await import("../support/lifecycle.js");
    class BrokenStore extends MemoryStore {
      override async hit(): Promise<never> {
        throw new Error("secret-table-name exploded at 10.0.0.1");
      }
      override async get(): Promise<undefined> {
        throw new Error("secret-table-name exploded at 10.0.0.1");
      }
      override async activate(): Promise<never> {
        throw new Error("secret-table-name exploded at 10.0.0.1");
      }
    }
    const broken = new BrokenStore();
    const { deps } = memoryDeps({ subscribers: broken, limits: broken });
    const api = createApi(() => ({ ...deps, content: bundle }));
    const event = (path: string, method: string, body: string, type: string) => ({
      version: "2.0",
      routeKey: "$default",
      rawPath: path,
      rawQueryString: "",
      headers: { "content-type": type },
      requestContext: { http: { method, path, sourceIp: "192.0.2.1" } },
      body,
      isBase64Encoded: false,
    });
    const token = deps.signer.issue("confirm", `${pendingId}-0123456789abcdef`, 3600);
    for (const [path, type, body, expectType] of [
      ["/subscribe", "application/json", '{"email":"a@example.com"}', /json/],
      ["/subscribe", "application/x-www-form-urlencoded", "email=a%40example.com", /html/],
      ["/confirm", "application/x-www-form-urlencoded", `token=${token}`, /html/],
    ] as const) {
      // biome-ignore lint/suspicious/noExplicitAny: a hand-built partial API Gateway event
      const result = (await api(event(path, "POST", body, type) as any)) as {
        statusCode: number;
        headers: Record<string, string>;
        body: string;
      };
      expect(result.statusCode).toBe(500);
      expect(result.headers["content-type"]).toMatch(expectType);
      expect(result.body).not.toContain("secret");
      expect(result.body).not.toContain("10.0.0.1");
      expect(result.body).toContain("Something went wrong");
    }
  });

  it("reads a base64-encoded body as API Gateway sends it", async () => {
    const { handler } = await import("../../functions/http/api.js");
    const body = Buffer.from(JSON.stringify({ email: "base64@example.com" })).toString("base64");
    const result = (await handler({
      version: "2.0",
      routeKey: "$default",
      rawPath: "/subscribe",
      rawQueryString: "",
      headers: { "content-type": "application/json" },
      requestContext: { http: { method: "POST", path: "/subscribe", sourceIp: "192.0.2.99" } },
      body,
      isBase64Encoded: true,
      // biome-ignore lint/suspicious/noExplicitAny: a hand-built partial API Gateway event
    } as any)) as { statusCode: number };
    expect(result.statusCode).toBe(202);
    // The signup is written by the outbox, in the background.
    const saved = await eventually(() => stack.store.get(subscriberId("base64@example.com")));
    expect(saved.status).toBe("pending");
  });
});
