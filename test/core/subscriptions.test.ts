import { describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import {
  ConfirmationDeferredError,
  DECLINED_DAYS,
  SHARES,
  shareOf,
  UNCONFIRMED,
} from "../../functions/core/confirmations.js";
import { BadRequestError, InvalidTokenError } from "../../functions/core/errors.js";
import type { OutgoingEmail } from "../../functions/core/ports.js";
import {
  CONSENT,
  checkConfirmLink,
  confirm,
  RateLimitedError,
  SIGNUP_LIMIT,
  subscribe,
  unsubscribe,
} from "../../functions/core/subscriptions.js";
import { subscriberId } from "../support/ids.js";
import { DAY, HOUR, memoryDeps, tokenFromLink } from "../support/lifecycle.js";

const BASE = "https://tips.example.com";
const signup = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  ip: "203.0.113.7",
  userAgent: "test-agent",
  source: "signup-page",
  ...extra,
});

describe("subscribe", () => {
  it("creates a pending subscriber with consent and sends one confirmation", async () => {
    const { store, mailer, signUp } = memoryDeps();
    await signUp(signup("  Ann.Runner@Example.COM ", { firstName: " Ann " }));
    const id = subscriberId("Ann.Runner@example.com");
    const saved = await store.get(id);
    expect(saved).toMatchObject({
      email: "Ann.Runner@example.com",
      firstName: "Ann",
      status: "pending",
      consent: {
        at: "2026-03-02T09:00:00.000Z",
        ip: "203.0.113.7",
        userAgent: "test-agent",
        source: "signup-page",
        textVersion: CONSENT.version,
      },
      confirmEmailSentAt: "2026-03-02T09:00:00.000Z",
    });
    expect(mailer.sent).toHaveLength(1);
    const [email] = mailer.sent;
    expect(email?.to).toBe("Ann.Runner@example.com");
    // The test template asks for {{first_name}}: the confirmation fills in the fallback anyway.
    expect(email?.subject).toBe("Confirm, there");
    expect(email?.text).toContain(`${BASE}/confirm?token=`);
    expect(email?.headers).toEqual([
      {
        name: "List-Unsubscribe",
        value: expect.stringMatching(/^<https:\/\/tips\.example\.com\/unsubscribe\?token=[^>]+>$/),
      },
      { name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click" },
    ]);
  });

  it("puts no first name in the confirmation, even where the template asks for one", async () => {
    const { mailer, signUp } = memoryDeps();
    await signUp(signup("zed@example.com", { firstName: "Zelda Quux" }));
    const [email] = mailer.sent;
    expect(`${email?.subject} ${email?.html} ${email?.text}`).not.toMatch(/Zelda|Quux/);
  });

  it("only queues the signup: nothing about the address is read or written, nothing sent", async () => {
    const { deps, store, mailer, outbox } = memoryDeps();
    await subscribe(deps, signup("queued@example.com", { firstName: "Q" }));
    expect(store.all()).toEqual([]);
    expect(mailer.sent).toEqual([]);
    expect(outbox.peek()).toEqual([
      {
        signupId: expect.stringMatching(/^[0-9a-f]{16}$/),
        email: "queued@example.com",
        firstName: "Q",
        consent: expect.objectContaining({ ip: "203.0.113.7", source: "signup-page" }),
      },
    ]);
  });

  it("keeps a signup whose confirmation failed on the outbox, and sends it once when SES is back", async () => {
    const { deps, store, mailer, outbox, signUp, deliver } = memoryDeps();
    mailer.setFault(() => new Error("SES throttled"));
    // The signup itself succeeds: the failure stays behind the outbox.
    await expect(subscribe(deps, signup("retry@example.com"))).resolves.toBeUndefined();
    expect(await deliver()).toEqual([expect.objectContaining({ message: "SES throttled" })]);
    expect(await deliver()).toEqual([expect.objectContaining({ message: "SES throttled" })]);
    expect(outbox.size).toBe(1);
    const id = subscriberId("retry@example.com");
    expect((await store.get(id))?.confirmSentFor).toBeUndefined();
    mailer.setFault(undefined);
    expect(await deliver()).toEqual(["sent"]);
    expect(mailer.sent.map((e) => e.to)).toEqual(["retry@example.com"]);
    expect(outbox.size).toBe(0);
    // The two failed attempts took one mailbox slot, not three: a second signup still gets one.
    await signUp(signup("retry@example.com"));
    expect(mailer.sent).toHaveLength(2);
  });

  it("sends a redelivered signup's confirmation once", async () => {
    const { deps, mailer, outbox, deliver } = memoryDeps();
    await subscribe(deps, signup("twice@example.com"));
    const [request] = outbox.peek();
    expect(await deliver()).toEqual(["sent"]);
    // SQS delivers at least once: the same message again.
    await outbox.sendAll([request as NonNullable<typeof request>]);
    expect(await deliver()).toEqual(["already-sent"]);
    expect(mailer.sent).toHaveLength(1);
  });

  it("retries a signup whose store write fails, and loses nothing", async () => {
    const { deps, store, mailer, deliver } = memoryDeps();
    const original = store.create.bind(store);
    let failures = 1;
    store.create = async (subscriber) => {
      if (failures-- > 0) throw new Error("DynamoDB unavailable");
      return original(subscriber);
    };
    await subscribe(deps, signup("flaky@example.com"));
    expect(await deliver()).toEqual([expect.objectContaining({ message: "DynamoDB unavailable" })]);
    expect(await deliver()).toEqual(["sent"]);
    expect(mailer.sent).toHaveLength(1);
  });

  it("adds the mailto to List-Unsubscribe when one is configured", async () => {
    const { deps, mailer, signUp } = memoryDeps();
    deps.site = { ...deps.site, unsubscribeMailto: "leave@example.com" };
    await signUp(signup("m@example.com"));
    expect(mailer.sent[0]?.headers?.[0]?.value).toMatch(
      /^<https:\/\/tips\.example\.com\/unsubscribe\?token=[^>]+>, <mailto:leave@example\.com\?subject=unsubscribe%20[^>]+>$/,
    );
  });

  it.each([
    ["missing", undefined, "missing_email"],
    ["empty", "", "missing_email"],
    ["no at sign", "ann.example.com", "invalid_email"],
    ["not a string", 42, "invalid_email"],
    ["two at signs", "a@b@example.com", "invalid_email"],
    ["too long", `${"a".repeat(250)}@example.com`, "invalid_email"],
  ])("rejects an email that is %s, writing nothing", async (_name, email, code) => {
    const { store, mailer, signUp } = memoryDeps();
    const error = await signUp(signup(email as string)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).code).toBe(code);
    expect(store.all()).toEqual([]);
    expect(mailer.sent).toEqual([]);
  });

  it("rejects a first name that is too long or not text", async () => {
    const { deps, store } = memoryDeps();
    await expect(
      subscribe(deps, signup("a@example.com", { firstName: "x".repeat(41) })),
    ).rejects.toThrow(BadRequestError);
    await expect(subscribe(deps, signup("a@example.com", { firstName: ["x"] }))).rejects.toThrow(
      BadRequestError,
    );
    expect(store.all()).toEqual([]);
  });

  it.each([
    ["CR/LF (a header injection)", "Ann\r\nLee", "Ann Lee"],
    ["a right-to-left override", "Ann\u202Eeel", "Anneel"],
    ["bidi isolates and marks", "\u2066Ann\u2069\u200F", "Ann"],
    ["zero-width spaces and joiners", "A\u200Bn\u200Cn\u200D\u2060", "Ann"],
    ["a byte-order mark and a soft hyphen", "\uFEFFAn\u00ADn", "Ann"],
    ["line and paragraph separators", "Ann\u2028Lee\u2029", "Ann Lee"],
    ["odd spaces", "Ann\u00A0\u3000 Lee", "Ann Lee"],
    ["only invisible characters", "\u200B\u202E", undefined],
  ])("cleans a first name with %s", async (_what, firstName, saved) => {
    const { store, signUp } = memoryDeps();
    await signUp(signup("a@example.com", { firstName }));
    expect((await store.get(subscriberId("a@example.com")))?.firstName).toBe(saved);
  });

  it.each([
    ["a URL", "Claim your prize at https://evil.example"],
    ["a bare host name", "evil.example"],
    ["a host name with a space before the dot", "visit bit .ly"],
    ["a spaced dot", "evil. com"],
    ["an ideographic full stop", "evil。com"],
    ["a halfwidth ideographic full stop", "evil｡com"],
    ["a fullwidth full stop", "evil．com"],
    ["an IP address", "192.0.2.1"],
    ["a phone number", "Alice. Your account is locked, call 0800 555 0100 to keep it"],
    ["a digit", "Ann2"],
    ["more than 4 words", "Ann Bea Cat Dee Eve"],
    ["a period after a word, not an initial or a short title", "Alice. Hi"],
    ["a period after a small-letter word", "go. to"],
    ["punctuation other than hyphens and apostrophes", "Ann!"],
    ["an email address", "write to me at x@evil.example"],
    ["a fullwidth at sign", "x＠evil"],
    ["a URL hidden behind zero-width characters", "evil\u200B.\u200Bexample"],
    ["a path", "go to /promo"],
    ["angle brackets", "<b>Ann</b>"],
  ])("refuses a first name with %s, writing and sending nothing", async (_what, firstName) => {
    const { store, mailer, signUp } = memoryDeps();
    const error = await signUp(signup("a@example.com", { firstName })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).code).toBe("invalid_first_name");
    expect(store.all()).toEqual([]);
    expect(mailer.sent).toEqual([]);
  });

  it.each([
    "Ann",
    "J.R.",
    "J. R. R.",
    "St. John",
    "Dr. Ann Lee",
    "Mary-Jane",
    "O’Brien",
    "d'Artagnan",
    "José María",
    "李小龙",
    "山田 太郎",
    "Алиса",
    "नमस्ते",
    "x".repeat(40),
  ])("keeps the ordinary name %s", async (firstName) => {
    const { store, signUp } = memoryDeps();
    await signUp(signup("a@example.com", { firstName }));
    expect((await store.get(subscriberId("a@example.com")))?.firstName).toBe(firstName);
  });

  it.each([
    [{ deliveryHour: 9 }, "4-09"],
    [{ deliveryDay: "2" }, "2-06"],
    [{ deliveryDay: 5, deliveryHour: 20 }, "5-20"],
    [{}, undefined],
  ])("on a stage sending Thursdays at 06:00, %j is kept as %s", async (given, slot) => {
    const schedule = { defaultTimeZone: "UTC", slot: { weekday: 4, hour: 6 } } as const;
    const { store, signUp } = memoryDeps({ schedule });
    await signUp(signup("when@example.com", given));
    expect((await store.get(subscriberId("when@example.com")))?.deliverySlot).toBe(slot);
  });

  it("does nothing at all when the honeypot is filled", async () => {
    const { store, mailer, signUp } = memoryDeps();
    await signUp(signup("bot@example.com", { honeypot: "http://spam.example" }));
    expect(store.all()).toEqual([]);
    expect(mailer.sent).toEqual([]);
  });

  it("sends at most 2 confirmations per real mailbox in 24 h and 3 a week, whatever its case, +tags or Gmail dots", async () => {
    const { clock, mailer, store, signUp } = memoryDeps();
    const variants = [
      "victim+1@gmail.com",
      "Victim+2@Gmail.com",
      "v.i.c.t.i.m@googlemail.com",
      "VICTIM+prize@gmail.com",
    ];
    const outcomes = [];
    for (const [i, email] of variants.entries()) {
      outcomes.push(...(await signUp(signup(email, { ip: `198.51.100.${i}` }))));
    }
    expect(outcomes).toEqual(["sent", "sent", "mailbox-limit", "mailbox-limit"]);
    expect(mailer.sent).toHaveLength(2);
    // The refused signups wrote nothing.
    expect(store.all().map((s) => s.email)).toEqual(["victim+1@gmail.com", "Victim+2@gmail.com"]);
    // Dots count outside Gmail; other mailboxes have their own limit.
    expect(await signUp(signup("v.ictim@example.com"))).toEqual(["sent"]);
    clock.advance(DAY + 1000);
    expect(await signUp(signup("victim+later@gmail.com"))).toEqual(["sent"]);
    expect(mailer.sent).toHaveLength(4);
    // Three a week: an owner who only ignores them gets no fourth until the first is a week old.
    clock.advance(DAY + 1000);
    expect(await signUp(signup("victim+again@gmail.com"))).toEqual(["mailbox-limit"]);
    clock.advance(5 * DAY);
    expect(await signUp(signup("victim+week@gmail.com"))).toEqual(["sent"]);
  });

  it("keeps signups beyond the hourly budget waiting on the outbox, then sends them", async () => {
    const { deps, clock, mailer, outbox, deliver } = memoryDeps({}, { confirmationsPerHour: 2 });
    for (const n of [1, 2, 3]) {
      await subscribe(deps, signup(`budget${n}@example${n}.org`, { ip: `198.51.${n}.7` }));
    }
    const results = await deliver();
    expect(results.slice(0, 2)).toEqual(["sent", "sent"]);
    expect(results[2]).toBeInstanceOf(ConfirmationDeferredError);
    expect((results[2] as ConfirmationDeferredError).retryAfterSeconds).toBe(3600);
    expect(mailer.sent).toHaveLength(2);
    expect(outbox.size).toBe(1);
    // Still waiting later in the same hour; written nowhere yet.
    clock.advance(30 * 60 * 1000);
    expect((await deliver())[0]).toBeInstanceOf(ConfirmationDeferredError);
    expect(await deps.subscribers.get(subscriberId("budget3@example3.org"))).toBeUndefined();
    clock.advance(30 * 60 * 1000);
    expect(await deliver()).toEqual(["sent"]);
    expect(mailer.sent.map((e) => e.to)).toEqual([
      "budget1@example1.org",
      "budget2@example2.org",
      "budget3@example3.org",
    ]);
  });

  it("signups waiting for the budget hold none of their mailbox's slots for the day", async () => {
    const { deps, clock, mailer, outbox, deliver, signUp } = memoryDeps(
      {},
      { confirmationsPerHour: 1 },
    );
    expect(await signUp(signup("first@example.org", { ip: "198.51.1.7" }))).toEqual(["sent"]);
    // A stranger signs the victim up twice while the hour's budget is spent.
    for (const ip of ["203.0.113.7", "203.0.114.7"]) {
      await subscribe(deps, signup("victim@example.org", { ip }));
    }
    const waiting = await deliver();
    expect(waiting.every((r) => r instanceof ConfirmationDeferredError)).toBe(true);
    // Those signups never go (dead-lettered after their retries).
    await outbox.drain(async () => {});
    clock.advance(60 * 60 * 1000);
    expect(await signUp(signup("victim@example.org", { ip: "198.51.100.9" }))).toEqual(["sent"]);
    expect(mailer.sent.map((e) => e.to)).toEqual(["first@example.org", "victim@example.org"]);
  });

  it("gives one network at most its share of the hour's confirmations, and everyone else the rest", async () => {
    const budget = 40;
    const share = shareOf(budget, SHARES.network);
    const { deps, mailer, deliver } = memoryDeps({}, { confirmationsPerHour: budget });
    // A flood from one /24, every address new, every IP different, spread over many domains.
    for (let i = 0; i < 3 * share; i++) {
      await subscribe(deps, signup(`made-up-${i}@flood${i}.example`, { ip: `203.0.113.${i + 1}` }));
    }
    // A real reader from another network signs up while it runs.
    await subscribe(deps, signup("reader@example.org", { ip: "198.51.100.20" }));
    const results = await deliver();
    expect(results.filter((r) => r === "sent")).toHaveLength(share + 1);
    expect(results.filter((r) => r instanceof ConfirmationDeferredError)).toHaveLength(2 * share);
    expect(mailer.sent.map((e) => e.to)).toContain("reader@example.org");
    // The flood's share is all it had: the list-wide budget is far from spent.
    expect(mailer.sent).toHaveLength(share + 1);
  });

  it("holds a stranger's dozen networks to a day's unconfirmed share each: a reader elsewhere waits hours, not for good", async () => {
    const budget = 40;
    const perHour = shareOf(budget, SHARES.network);
    const perDay = shareOf(budget, UNCONFIRMED.share);
    const networks = 12; // together more than the whole hour's budget
    const { deps, clock, mailer, deliver } = memoryDeps({}, { confirmationsPerHour: budget });
    let n = 0;
    const flooded = () => mailer.sent.filter((e) => e.to.startsWith("made-up-")).length;
    const hours: Array<{ flood: number; dropped: number; reader: boolean }> = [];
    for (let hour = 0; hour < 5; hour++) {
      const before = flooded();
      for (let net = 0; net < networks; net++) {
        for (let i = 0; i < perHour; i++) {
          n += 1;
          const ip = `203.0.${net}.${i + 1}`;
          await subscribe(deps, signup(`made-up-${n}@flood${n}.example`, { ip }));
        }
      }
      if (hour === 0) await subscribe(deps, signup("reader@example.org", { ip: "198.51.100.20" }));
      const results = await deliver();
      hours.push({
        flood: flooded() - before,
        dropped: results.filter((r) => r === "network-limit").length,
        reader: mailer.sent.some((e) => e.to === "reader@example.org"),
      });
      clock.advance(HOUR);
    }
    // The flood held the whole budget in its first hour, and its networks' day was spent by the
    // third: from then on every signup of theirs is dropped, and the budget is everyone else's.
    expect(hours[0]).toMatchObject({ flood: budget, reader: false });
    expect(hours.reduce((sum, h) => sum + h.flood, 0)).toBe(networks * perDay);
    expect(hours.slice(3).map((h) => h.flood)).toEqual([0, 0]);
    expect(hours.slice(3).every((h) => h.dropped >= networks * perHour)).toBe(true);
    // The reader's waiting signup went within the outbox's two hours of retries.
    expect(hours[2]?.reader).toBe(true);
    // IPv6 /48s are cheap: a stranger's many in one provider's /32 share one day.
    const { deps: v6, deliver: deliverV6 } = memoryDeps({}, { confirmationsPerHour: budget });
    for (let i = 0; i < networks * perHour; i++) {
      const ip = `2001:db8:${i.toString(16)}::${(i % 4) + 1}`;
      await subscribe(v6, signup(`six-${i}@six${i}.example`, { ip }));
    }
    const six = await deliverV6();
    expect(six.filter((r) => r === "sent")).toHaveLength(perDay);
    expect(six.filter((r) => r === "network-limit")).toHaveLength(networks * perHour - perDay);
    // A network whose readers confirm gets their units back.
    const { deps: own, mailer: inbox, signUp } = memoryDeps({}, { confirmationsPerHour: budget });
    const office = (i: number) => signup(`colleague${i}@office.example`, { ip: `192.0.2.${i}` });
    for (let i = 1; i <= perDay; i++) {
      expect(await signUp(office(i))).toEqual(["sent"]);
      if (i % perHour === 0) (own.clock as typeof clock).advance(HOUR);
    }
    expect(await signUp(office(perDay + 1))).toEqual(["network-limit"]);
    const link = tokenFromLink(inbox.sent[0]?.text ?? "", `${BASE}/confirm`);
    expect(await confirm(own, link, "192.0.2.1")).toBe("confirmed");
    expect(await signUp(office(perDay + 2))).toEqual(["sent"]);
  });

  it("counts an IPv6 /48 as one network, and gives one recipient domain at most its share", async () => {
    const budget = 40;
    const { deps, mailer, deliver } = memoryDeps({}, { confirmationsPerHour: budget });
    for (let i = 0; i < 10; i++) {
      await subscribe(deps, signup(`v6-${i}@v6-${i}.example`, { ip: `2001:db8:7:${i}::1` }));
    }
    expect((await deliver()).filter((r) => r === "sent")).toHaveLength(
      shareOf(budget, SHARES.network),
    );
    mailer.sent.length = 0;
    // One catch-all domain, its subdomains included, from many networks.
    for (let i = 0; i < 20; i++) {
      const domain = i % 2 ? "catch-all.example" : `sub${i}.catch-all.example`;
      await subscribe(deps, signup(`x${i}@${domain}`, { ip: `192.0.${i}.9` }));
    }
    expect((await deliver()).filter((r) => r === "sent")).toHaveLength(
      shareOf(budget, SHARES.domain),
    );
  });

  it("a second signup of a pending address sends a new link and retires the first", async () => {
    const { deps, store, mailer, signUp } = memoryDeps();
    await signUp(signup("p@example.com", { firstName: "Owner" }));
    const first = tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/confirm`);
    await expect(checkConfirmLink(deps, first)).resolves.toMatchObject({ state: "prompt" });
    await signUp(signup("p@example.com", { firstName: "Stranger" }));
    const second = tokenFromLink(mailer.sent[1]?.text ?? "", `${BASE}/confirm`);
    // The page of the retired link says a newer email went out, and shows no button.
    const replaced = /replaced by a newer one.*newest email/;
    await expect(checkConfirmLink(deps, first)).rejects.toThrow(InvalidTokenError);
    await expect(checkConfirmLink(deps, first)).rejects.toThrow(replaced);
    await expect(checkConfirmLink(deps, second)).resolves.toMatchObject({ state: "prompt" });
    await expect(confirm(deps, first, "1.1.1.1")).rejects.toThrow(replaced);
    expect((await store.get(subscriberId("p@example.com")))?.status).toBe("pending");
    await expect(confirm(deps, second, "1.1.1.1")).resolves.toBe("confirmed");
    expect(mailer.sent.at(-1)?.subject).toBe("Welcome, Stranger");
    // Used, or retired by the link that confirmed: the address is on the list, nothing to press.
    for (const link of [second, first]) {
      await expect(checkConfirmLink(deps, link)).resolves.toEqual({ state: "already-confirmed" });
      await expect(confirm(deps, link, "1.1.1.1")).resolves.toBe("already-confirmed");
    }
    expect(mailer.sent.at(-1)?.subject).toBe("Welcome, Stranger"); // one welcome
    expect(mailer.sent).toHaveLength(3);
    // Left since: the link says so.
    await unsubscribe(deps, deps.signer.issue("unsubscribe", subscriberId("p@example.com")));
    await expect(checkConfirmLink(deps, second)).rejects.toThrow(/left the list.*sign up again/);
    await expect(confirm(deps, second, "1.1.1.1")).rejects.toThrow(/left the list/);
  });

  it("confirms with the owner's choices from the confirm page, in place of the signup's", async () => {
    const { deps, store, mailer, signUp } = memoryDeps();
    const choices = { firstName: "Mallory", timeZone: "Pacific/Pago_Pago", deliveryDay: 7 };
    await signUp(signup("anna@example.com", { ...choices, deliveryHour: 3 }));
    const link = tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/confirm`);
    // The page shows what the signup chose, for the owner to check.
    expect(await checkConfirmLink(deps, link)).toEqual({
      state: "prompt",
      choices: { firstName: "Mallory", timeZone: "Pacific/Pago_Pago", deliverySlot: "7-03" },
    });
    const own = { firstName: "Anna", timeZone: "Europe/Berlin", deliverySlot: "2-18" };
    await expect(confirm(deps, link, "1.1.1.1", own)).resolves.toBe("confirmed");
    expect(await store.get(subscriberId("anna@example.com"))).toMatchObject({
      status: "active",
      ...own,
    });
    expect(mailer.sent.at(-1)?.subject).toBe("Welcome, Anna");
    // Once confirmed, the link changes nothing more, whatever it sends.
    const other = { firstName: null, timeZone: "UTC", deliverySlot: null };
    await expect(confirm(deps, link, "1.1.1.1", other)).resolves.toBe("already-confirmed");
    expect(await store.get(subscriberId("anna@example.com"))).toMatchObject(own);
    // An empty name on the page removes the signup's.
    await signUp(signup("bo@example.com", { firstName: "Mallory" }));
    const second = tokenFromLink(mailer.sent.at(-1)?.text ?? "", `${BASE}/confirm`);
    await confirm(deps, second, "1.1.1.1", other);
    const bo = await store.get(subscriberId("bo@example.com"));
    expect(bo).toMatchObject({ status: "active", timeZone: "UTC" });
    expect(bo).not.toHaveProperty("firstName");
    // A choice not sent keeps the signup's.
    await signUp(signup("cy@example.com", { timeZone: "Pacific/Pago_Pago", firstName: "Mal" }));
    const third = tokenFromLink(mailer.sent.at(-1)?.text ?? "", `${BASE}/confirm`);
    await confirm(deps, third, "1.1.1.1", { firstName: "Cy" });
    expect(await store.get(subscriberId("cy@example.com"))).toMatchObject({
      firstName: "Cy",
      timeZone: "Pacific/Pago_Pago",
    });
  });

  it("tells an active reader signed up again that they are on the list, once, under the limits", async () => {
    const { deps, store, clock, mailer, signUp, outbox, deliver } = memoryDeps();
    await signUp(signup("active@example.com", { firstName: "Ann" }));
    await store.activate(subscriberId("active@example.com"), clock.now(), "1.1.1.1");
    clock.advance(2 * DAY);
    mailer.sent.length = 0;
    const before = store.all();
    expect(await signUp(signup("active@example.com", { firstName: "Mallory" }))).toEqual([
      "reminded",
    ]);
    // The name they confirmed with, never the new signup's; their preferences, nothing to confirm.
    expect(mailer.sent).toHaveLength(1);
    const [email] = mailer.sent;
    expect(email).toMatchObject({ to: "active@example.com", subject: "Already in, Ann" });
    expect(email?.text).toContain(`${BASE}/manage?token=`);
    expect(email?.text).not.toContain("/confirm?token=");
    expect(email?.tags).toEqual({ kind: "already" });
    expect(store.all()).toEqual(before);

    // The same signup delivered twice (SQS is at least once): one email.
    await subscribe(deps, signup("active@example.com"));
    await outbox.sendAll(outbox.peek());
    expect(await deliver()).toEqual(["reminded", "already-sent"]);
    expect(mailer.sent).toHaveLength(2);

    // The mailbox's two emails of the day are spent: a third signup sends nothing.
    expect(await signUp(signup("active@example.com"))).toEqual(["not-needed"]);
    expect(mailer.sent).toHaveLength(2);
  });

  it("sends no confirmation for 30 days to an address that unsubscribed from one", async () => {
    const { deps, clock, mailer, signUp } = memoryDeps();
    await signUp(signup("owner@example.com", { firstName: "Mallory" }));
    const unsubscribeLink = tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/unsubscribe`);
    await unsubscribe(deps, unsubscribeLink);
    clock.advance(2 * DAY);
    expect(await signUp(signup("owner@example.com", { ip: "198.51.100.9" }))).toEqual(["declined"]);
    // Nor to its mailbox under another spelling.
    expect(await signUp(signup("Owner+news@example.com", { ip: "198.51.100.8" }))).toEqual([
      "mailbox-limit",
    ]);
    clock.advance((DECLINED_DAYS - 2) * DAY - HOUR);
    expect(await signUp(signup("owner@example.com", { ip: "198.51.100.10" }))).toEqual([
      "declined",
    ]);
    expect(mailer.sent).toHaveLength(1);
    clock.advance(2 * HOUR);
    expect(await signUp(signup("owner@example.com", { ip: "198.51.100.11" }))).toEqual(["sent"]);
    expect(mailer.sent).toHaveLength(2);
  });

  it("lets a reader who confirmed and then left sign up again at once", async () => {
    const { deps, store, clock, mailer, signUp } = memoryDeps();
    await signUp(signup("back@example.com"));
    await store.activate(subscriberId("back@example.com"), clock.now(), "1.1.1.1");
    await unsubscribe(deps, deps.signer.issue("unsubscribe", subscriberId("back@example.com")));
    clock.advance(HOUR);
    mailer.sent.length = 0;
    expect(await signUp(signup("back@example.com"))).toEqual(["sent"]);
    // Left again, from a confirmation of a signup they did not confirm this time: declined.
    await unsubscribe(deps, deps.signer.issue("unsubscribe", subscriberId("back@example.com")));
    clock.advance(2 * DAY);
    expect(await signUp(signup("back@example.com"))).toEqual(["declined"]);
  });

  it("sends the already-subscribed email on the next delivery when SES failed", async () => {
    const inbox = new MemoryMailer();
    let failures = 1;
    const mailer = {
      send: async (email: OutgoingEmail) => {
        if (failures-- > 0) throw new Error("SES answered 500");
        return inbox.send(email);
      },
      status: () => inbox.status(),
    };
    const { store, clock, signUp, deliver } = memoryDeps({ mailer });
    failures = 0;
    await signUp(signup("ann@example.com"));
    await store.activate(subscriberId("ann@example.com"), clock.now(), "1.1.1.1");
    failures = 1;
    const [failed] = await signUp(signup("ann@example.com"));
    expect(failed).toBeInstanceOf(Error);
    expect(await deliver()).toEqual(["reminded"]);
    expect(inbox.sent.map((e) => e.tags?.kind)).toEqual(["confirm", "already"]);
  });

  it.each(["bounced", "complained"] as const)(
    "gives a %s address a second chance: a new confirmation, then a new bounce suppresses it",
    async (status) => {
      const { deps, store, clock, mailer, signUp } = memoryDeps();
      const id = subscriberId("again@example.com");
      await signUp(signup("again@example.com"));
      await confirm(deps, tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/confirm`), "1.1.1.1");
      await store.suppress(id, status, clock.now());
      clock.advance(2 * DAY);
      mailer.sent.length = 0;
      expect(await signUp(signup("again@example.com"))).toEqual(["sent"]);
      expect((await store.get(id))?.status).toBe("pending");
      // Only through the new confirmation: nothing is sent to them before it.
      const link = tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/confirm`);
      expect(mailer.sent).toHaveLength(1);
      expect(await store.suppress(id, "bounced", clock.now())).toBe(true);
      await expect(confirm(deps, link, "1.1.1.1")).rejects.toThrow(InvalidTokenError);
      clock.advance(2 * DAY);
      expect(await signUp(signup("again@example.com"))).toEqual(["sent"]);
      const next = tokenFromLink(mailer.sent[1]?.text ?? "", `${BASE}/confirm`);
      await expect(confirm(deps, next, "1.1.1.1")).resolves.toBe("confirmed");
      expect((await store.get(id))?.status).toBe("active");
    },
  );

  it("old confirm links die with an unsubscribe and stay dead after a stranger signs up again", async () => {
    const { deps, store, clock, mailer, signUp } = memoryDeps();
    await signUp(signup("u@example.com", { firstName: "Owner" }));
    const oldLink = tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/confirm`);
    const id = subscriberId("u@example.com");
    const unsubscribeLink = tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/unsubscribe`);
    await unsubscribe(deps, unsubscribeLink);
    await expect(confirm(deps, oldLink, "1.1.1.1")).rejects.toThrow(InvalidTokenError);
    clock.advance(HOUR);
    // A stranger signs the address up again with their own text as the name: declined, as the
    // owner unsubscribed from a confirmation.
    expect(
      await signUp(signup("u@example.com", { firstName: "Stranger", ip: "198.51.100.66" })),
    ).toEqual(["declined"]);
    await expect(confirm(deps, oldLink, "1.1.1.1")).rejects.toThrow(InvalidTokenError);
    expect((await store.get(id))?.status).toBe("unsubscribed");
    expect(mailer.sent).toHaveLength(1);
  });

  it("a reader who re-signs up within 24 h of unsubscribing gets a confirmation; consent is appended", async () => {
    const { deps, store, clock, mailer, signUp } = memoryDeps();
    await signUp(signup("u@example.com", { firstName: "Old" }));
    const id = subscriberId("u@example.com");
    const firstConsent = (await store.get(id))?.consent;
    await confirm(deps, tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/confirm`), "1.1.1.1");
    await unsubscribe(deps, tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/unsubscribe`));
    clock.advance(HOUR);
    expect(await signUp(signup("u@example.com", { firstName: "New", ip: "198.51.100.1" }))).toEqual(
      ["sent"],
    );
    const saved = await store.get(id);
    expect(saved).toMatchObject({ status: "pending", firstName: "New" });
    expect(saved?.consent).toMatchObject({ ip: "198.51.100.1", at: clock.now().toISOString() });
    expect(saved?.consentHistory).toEqual([firstConsent, saved?.consent]);
    const confirmations = mailer.sent.filter((e) => e.subject.startsWith("Confirm"));
    expect(confirmations).toHaveLength(2);
    const link = tokenFromLink(confirmations[1]?.text ?? "", `${BASE}/confirm`);
    await expect(confirm(deps, link, "1.1.1.1")).resolves.toBe("confirmed");
    expect(mailer.sent.at(-1)?.subject).toBe("Welcome, New");
  });

  it("keeps the consent of a subscriber from before consent histories, when it signs up again", async () => {
    const { store, clock, signUp } = memoryDeps();
    const id = subscriberId("legacy@example.com");
    const old = {
      at: "2025-01-01T00:00:00.000Z",
      ip: "192.0.2.1",
      userAgent: "ua",
      source: "signup-page",
      textVersion: "2024",
    };
    await store.create({
      id,
      email: "legacy@example.com",
      status: "unsubscribed",
      createdAt: old.at,
      updatedAt: old.at,
      consent: old,
      sentTips: [],
    });
    expect(await signUp(signup("legacy@example.com"))).toEqual(["sent"]);
    const saved = await store.get(id);
    expect(saved?.consentHistory).toEqual([
      old,
      expect.objectContaining({ at: clock.now().toISOString() }),
    ]);
  });

  it("limits signups per IP and says when to retry", async () => {
    const { deps, clock, signUp } = memoryDeps();
    for (let i = 0; i < SIGNUP_LIMIT.perWindow; i++) {
      await signUp(signup(`r${i}@example.com`));
    }
    const error = await signUp(signup("one-more@example.com")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    // The clock sits at 09:00:00, the start of a window: the whole hour remains.
    expect((error as RateLimitedError).retryAfterSeconds).toBe(3600);
    expect((error as RateLimitedError).message).toContain("try again in 60 minutes");
    expect(new RateLimitedError(30).message).toContain("try again in 1 minute.");
    await expect(
      subscribe(deps, signup("x@example.com", { ip: "192.0.2.1" })),
    ).resolves.toBeUndefined();
    clock.advance(HOUR);
    await expect(subscribe(deps, signup("one-more@example.com"))).resolves.toBeUndefined();
  });
});

describe("confirm", () => {
  async function pending() {
    const ctx = memoryDeps();
    await ctx.signUp(signup("c@example.com", { firstName: "Cat" }));
    const token = tokenFromLink(ctx.mailer.sent[0]?.text ?? "", `${BASE}/confirm`);
    return { ...ctx, token, id: subscriberId("c@example.com") };
  }

  it("activates once and sends the welcome once", async () => {
    const { deps, store, mailer, token, id } = await pending();
    await expect(confirm(deps, token, "192.0.2.9")).resolves.toBe("confirmed");
    await expect(confirm(deps, token, "192.0.2.9")).resolves.toBe("already-confirmed");
    expect(await store.get(id)).toMatchObject({ status: "active", confirmIp: "192.0.2.9" });
    const welcomes = mailer.sent.filter((e) => e.subject === "Welcome, Cat");
    expect(welcomes).toHaveLength(1);
    expect(welcomes[0]?.headers?.map((h) => h.name)).toEqual([
      "List-Unsubscribe",
      "List-Unsubscribe-Post",
    ]);
  });

  it("rejects an expired confirmation link (7 days)", async () => {
    const { deps, clock, store, token, id } = await pending();
    clock.advance(7 * DAY + 1000);
    await expect(confirm(deps, token, "1.1.1.1")).rejects.toThrow(InvalidTokenError);
    expect((await store.get(id))?.status).toBe("pending");
  });

  it("rejects an unsubscribe token, a tampered token and garbage", async () => {
    const { deps, store, mailer, id, token: confirmToken } = await pending();
    const unsub = tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/unsubscribe`);
    const parts = confirmToken.split(".");
    const mac = parts[5] ?? "";
    const tampered = [...parts.slice(0, 5), (mac[0] === "A" ? "B" : "A") + mac.slice(1)].join(".");
    for (const bad of [unsub, tampered, "", undefined, "a.b.c.d.e"]) {
      await expect(confirm(deps, bad, "1.1.1.1")).rejects.toThrow(InvalidTokenError);
    }
    expect((await store.get(id))?.status).toBe("pending");
  });

  it("treats a link for a subscriber who left as invalid", async () => {
    const { deps, store, clock, mailer, token, id } = await pending();
    await store.unsubscribe(id, clock.now());
    await expect(confirm(deps, token, "1.1.1.1")).rejects.toThrow(InvalidTokenError);
    expect((await store.get(id))?.status).toBe("unsubscribed");
    expect(mailer.sent).toHaveLength(1);
  });

  it("still confirms when the welcome email fails, and logs it", async () => {
    const { deps, mailer, token } = await pending();
    const logged: string[] = [];
    deps.log = { warn: (m) => logged.push(`warn ${m}`), error: (m) => logged.push(`error ${m}`) };
    mailer.setFault(() => new Error("SES down"));
    await expect(confirm(deps, token, "1.1.1.1")).resolves.toBe("confirmed");
    expect(logged).toEqual(["error welcome email failed"]);
  });
});

describe("unsubscribe", () => {
  it("unsubscribes while SES is down: it sends nothing, so nothing can fail", async () => {
    const { deps, store, mailer, signUp } = memoryDeps();
    await signUp(signup("h@example.com"));
    await confirm(deps, tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/confirm`), "1.1.1.1");
    const token = tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/unsubscribe`);
    mailer.setFault(() => new Error("SES down"));
    await expect(unsubscribe(deps, token)).resolves.toBe("unsubscribed");
    expect((await store.get(subscriberId("h@example.com")))?.status).toBe("unsubscribed");
  });

  it("unsubscribes idempotently and sends nothing afterwards, not even a goodbye", async () => {
    const { deps, store, mailer, signUp } = memoryDeps();
    await signUp(signup("g@example.com"));
    const confirmToken = tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/confirm`);
    await confirm(deps, confirmToken, "1.1.1.1");
    const token = tokenFromLink(mailer.sent[1]?.text ?? "", `${BASE}/unsubscribe`);
    await expect(unsubscribe(deps, token)).resolves.toBe("unsubscribed");
    await expect(unsubscribe(deps, token)).resolves.toBe("already-unsubscribed");
    const id = subscriberId("g@example.com");
    expect((await store.get(id))?.status).toBe("unsubscribed");
    // The confirmation and the welcome, nothing after: leaving is confirmed by the page.
    expect(mailer.sent.map((e) => e.subject)).toEqual(["Confirm, there", "Welcome, there"]);
    // Every email links to the reader's own preferences page.
    for (const email of mailer.sent) {
      const manage = tokenFromLink(email.text, `${BASE}/manage`);
      expect(deps.signer.verify(manage, "manage"), email.subject).toBe(id);
    }
    expect((await store.listActive(0, undefined, 10)).items).toEqual([]);
  });

  it("sends nothing more to a pending address whose owner says 'not me'", async () => {
    const { deps, store, mailer, signUp } = memoryDeps();
    await signUp(signup("notme@example.com"));
    const token = tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/unsubscribe`);
    await expect(unsubscribe(deps, token)).resolves.toBe("unsubscribed");
    expect((await store.get(subscriberId("notme@example.com")))?.status).toBe("unsubscribed");
    expect(mailer.sent).toHaveLength(1);
  });

  it("never expires", async () => {
    const { deps, clock, mailer, signUp } = memoryDeps();
    await signUp(signup("old@example.com"));
    const token = tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/unsubscribe`);
    clock.advance(5 * 365 * DAY);
    await expect(unsubscribe(deps, token)).resolves.toBe("unsubscribed");
  });

  it("answers the same for a subscriber that does not exist", async () => {
    const { deps, mailer } = memoryDeps();
    const token = deps.signer.issue("unsubscribe", subscriberId("nobody@example.com"));
    await expect(unsubscribe(deps, token)).resolves.toBe("already-unsubscribed");
    expect(mailer.sent).toEqual([]);
  });

  it("rejects a confirm token", async () => {
    const { deps } = memoryDeps();
    const token = deps.signer.issue("confirm", subscriberId("x@example.com"), 60);
    await expect(unsubscribe(deps, token)).rejects.toThrow(InvalidTokenError);
  });
});
