import { describe, expect, it } from "vitest";
import type { FaultInjector } from "../../functions/adapters/memory-mailer.js";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import {
  MailRejectedError,
  MailStoppedError,
  MailThrottledError,
  MailTransientError,
  MailUnansweredError,
} from "../../functions/core/errors.js";
import { createPacer, type Pacer, SLOT_LATE_MS } from "../../functions/core/pacing.js";
import type { Recipient, SendBatch } from "../../functions/core/planner.js";
import {
  CHECK_LEAD_MS,
  composeEmail,
  Sender,
  type SenderDeps,
  STORE_FAILURES_TO_STOP,
  tipIndex,
} from "../../functions/core/sender.js";
import {
  CrashError,
  crashingStore,
  FakeClock,
  LINKS,
  SCHEDULE,
  seed,
  signer,
  subscriber,
  TIPS,
  tip,
} from "../support/send-fixtures.js";

const WEEK = "2026-W48";

/** This week's tip recorded as sent to `id` by another run. */
const sentThisWeek = (store: MemoryStore, id: string) =>
  store.markSent(id, WEEK, "squats", "other", "m-1", new Date(), new Date());

async function setup(count: number, fault?: FaultInjector) {
  const store = new MemoryStore(4);
  const subs = Array.from({ length: count }, (_, i) => subscriber(i + 1));
  await seed(store, subs);
  const mailer = new MemoryMailer(fault ? { fault } : {});
  const clock = new FakeClock();
  const batch: SendBatch = {
    week: WEEK,
    runId: "run-1",
    recipients: subs.map(
      (s): Recipient => ({ id: s.id, email: s.email, tip: "squats", firstName: "Ann" }),
    ),
  };
  const deps: SenderDeps = {
    subscribers: store,
    ledger: store,
    mailer,
    signer,
    clock,
    tips: tipIndex(TIPS),
    links: LINKS,
    staleClaimSeconds: 960,
    schedule: SCHEDULE,
    pacer: createPacer({ limit: 1000, clock, sleep: clock.sleep }),
    sleep: clock.sleep,
    random: () => 0.5,
  };
  /** A sender over `deps` with `overrides`: no daily limit, three recipients in progress. */
  const sender = (overrides: Partial<SenderDeps> = {}, limits = {}) =>
    new Sender(
      { ...deps, ...overrides },
      { budget: Number.POSITIVE_INFINITY, parallel: 3, ...limits },
    );
  return { store, mailer, clock, batch, subs, sender };
}

describe("composeEmail", () => {
  const numbered = {
    ...tip("lunges", 40),
    subject: "Strength tip #{{tip_number}}: Lunges",
    html: '<p>#{{tip_number}}</p><img src="{{site_url}}/assets/lunge.0123456789.png" alt="A lunge"><a href="{{unsubscribe_url}}">u</a>',
    text: "#{{tip_number}} {{site_url}}/assets/lunge.0123456789.png {{unsubscribe_url}}",
  };

  it("numbers the tip by the reader's own place and loads images from the site", () => {
    const email = composeEmail(
      { id: "r1", email: "r1@example.com", tip: "lunges", number: 2 },
      numbered,
      WEEK,
      signer,
      { ...LINKS, baseUrl: "https://tips.example.com/" },
    );
    expect(email.subject).toBe("Strength tip #2: Lunges");
    expect(email.html).toContain(
      '<p>#2</p><img src="https://tips.example.com/assets/lunge.0123456789.png"',
    );
    expect(email.text).toContain("#2 https://tips.example.com/assets/lunge.0123456789.png");
  });

  it("falls back to the tip's order for a batch planned before readers had numbers", () => {
    const email = composeEmail(
      { id: "r1", email: "r1@example.com", tip: "lunges" },
      numbered,
      WEEK,
      signer,
      LINKS,
    );
    expect(email.subject).toBe("Strength tip #40: Lunges");
  });
});

describe("sendBatch", () => {
  it("claims, fills, sends with the unsubscribe headers and tags, and marks sent", async () => {
    const { store, mailer, batch, sender, subs } = await setup(3);
    const { report } = await sender().sendBatch(batch);
    expect(report).toMatchObject({ sent: 3, failed: 0, deferred: 0 });
    expect(mailer.sent).toHaveLength(3);
    const email = mailer.sent[0];
    expect(email?.subject).toBe("Strength tip: squats");
    expect(email?.html).toContain("Hi Ann,");
    expect(email?.html).toContain(LINKS.postalAddress);
    expect(email?.text).toMatch(/Unsubscribe: https:\/\/tips\.example\.com\/unsubscribe\?token=/);
    expect(email?.text).toMatch(/View: https:\/\/tips\.example\.com\/tips\/squats\?token=/);
    expect(email?.tags).toEqual({ kind: "tip", week: WEEK, tip: "squats" });
    const lu = email?.headers?.filter((h) => h.name === "List-Unsubscribe") ?? [];
    expect(lu).toHaveLength(1);
    expect(lu[0]?.value).toMatch(/^<https:\/\/tips\.example\.com\/unsubscribe\?token=[^>]+>$/);
    // The view link's token shows that tip's page and names nobody.
    const view = decodeURIComponent(/tips\/squats\?token=(\S+)/.exec(email?.text ?? "")?.[1] ?? "");
    expect(signer.verify(view, "view")).toBe("squats");
    expect(() => signer.verify(view, "unsubscribe")).toThrow();
    expect(email?.headers).toContainEqual({
      name: "List-Unsubscribe-Post",
      value: "List-Unsubscribe=One-Click",
    });
    // The token in the link never expires and names this subscriber.
    const token = decodeURIComponent(/token=([^>&]+)/.exec(lu[0]?.value ?? "")?.[1] ?? "");
    expect(token.split(".")[4]).toBe("0");
    const recipientId = signer.verify(token, "unsubscribe");
    // A "Manage preferences" link of the reader's own, never expiring either.
    const manage = decodeURIComponent(/manage\?token=([^"&]+)/.exec(email?.html ?? "")?.[1] ?? "");
    expect(signer.verify(manage, "manage")).toBe(recipientId);
    const saved = await store.get(recipientId);
    expect(saved).toMatchObject({ lastWeekSent: WEEK, sentTips: ["squats"] });
    expect(saved?.claim).toMatchObject({ state: "sent", messageId: expect.any(String) });
    expect(subs.map((s) => s.id)).toContain(recipientId);
  });

  it("defaults the first name to 'runner' and adds the mailto when configured", async () => {
    const { mailer, batch, sender } = await setup(1);
    const plain: SendBatch = {
      ...batch,
      recipients: batch.recipients.map(({ firstName: _f, ...r }) => r),
    };
    await sender({ links: { ...LINKS, unsubscribeMailto: "unsub@example.com" } }).sendBatch(plain);
    expect(mailer.sent[0]?.text).toContain("Hi there,");
    const lu = mailer.sent[0]?.headers?.find((h) => h.name === "List-Unsubscribe")?.value;
    expect(lu).toMatch(/^<https:[^>]+>, <mailto:unsub@example\.com\?subject=unsubscribe%20[^>]+>$/);
  });

  it("retries a throttled recipient with backoff until it goes through", async () => {
    let calls = 0;
    const { mailer, batch, sender } = await setup(4, () =>
      ++calls % 2 === 1 ? new MailThrottledError("slow down") : undefined,
    );
    const { report } = await sender().sendBatch(batch);
    expect(report).toMatchObject({ sent: 4, deferred: 0 });
    expect(report.retries).toBeGreaterThan(0);
    expect(new Set(mailer.sent.map((e) => e.to)).size).toBe(4);
  });

  it.each([
    [
      "unsubscribes",
      "inactive",
      (store: MemoryStore, id: string, now: Date) => store.unsubscribe(id, now),
    ],
    [
      "pauses from /manage",
      "paused",
      (store: MemoryStore, id: string, now: Date) =>
        store.updatePreferences(id, { pausedUntil: new Date(now.getTime() + 14 * 86_400_000) }),
    ],
  ] as const)(
    "a reader who %s while throttled gets no retry: the claim is released",
    async (_what, outcome, leave) => {
      let left: Promise<unknown> | undefined;
      const ctx: { store?: MemoryStore; id?: string; now?: () => Date } = {};
      const { store, mailer, batch, sender, subs, clock } = await setup(1, (_email, call) => {
        // SES throttles the first call; the reader acts during the back-off.
        if (call !== 1) return undefined;
        left = leave(ctx.store as MemoryStore, ctx.id as string, (ctx.now as () => Date)());
        return new MailThrottledError("slow down");
      });
      Object.assign(ctx, { store, id: subs[0]?.id, now: () => clock.now() });
      const { report } = await sender().sendBatch(batch);
      await left;
      expect(mailer.calls).toBe(1);
      expect(mailer.sent).toEqual([]);
      expect(report).toMatchObject({ sent: 0, [outcome]: 1, sesCalls: 1 });
      expect((await store.get(subs[0]?.id as string))?.claim).toBeUndefined();
    },
  );

  it.each([
    [
      "unsubscribes",
      "inactive",
      (store: MemoryStore, id: string, now: Date) => store.unsubscribe(id, now),
    ],
    ["is erased", "inactive", (store: MemoryStore, id: string, now: Date) => store.erase(id, now)],
    [
      "pauses",
      "paused",
      (store: MemoryStore, id: string, now: Date) =>
        store.updatePreferences(id, { pausedUntil: new Date(now.getTime() + 14 * 86_400_000) }),
    ],
  ] as const)(
    "a reader who %s while their email waits for its pacer slot is not sent it",
    async (_what, outcome, leave) => {
      const { store, mailer, batch, sender, subs, clock } = await setup(1);
      const id = subs[0]?.id as string;
      // The slot comes two seconds after the claim; the reader acts in the meantime.
      const pacer: Pacer = {
        limit: 1,
        rate: 1,
        acquire: async (lead = 0) => {
          clock.advance(2000 - lead);
          await leave(store, id, clock.now());
          return clock.ms + lead;
        },
      };
      const { report } = await sender({ pacer }).sendBatch(batch);
      expect(mailer.calls).toBe(0);
      expect(report).toMatchObject({ sent: 0, [outcome]: 1, sesCalls: 0 });
      expect((await store.get(id))?.claim).toBeUndefined();
    },
  );

  it(`looks again only when the slot comes over ${CHECK_LEAD_MS} ms after the claim, and calls at the slot`, async () => {
    const { store, batch, sender, clock } = await setup(2);
    const reads: number[] = [];
    const calls: number[] = [];
    const subscribers = Object.assign(Object.create(store), {
      get: async (id: string) => {
        reads.push(clock.ms);
        return store.get(id);
      },
    });
    const waits = [20, 3000];
    const slots: number[] = [];
    const pacer: Pacer = {
      limit: 1,
      rate: 1,
      acquire: async (lead = 0) => {
        const slot = clock.ms + (waits.shift() ?? 0);
        slots.push(slot);
        clock.ms = Math.max(clock.ms, slot - lead);
        return slot;
      },
    };
    const calling = new MemoryMailer({ fault: () => void calls.push(clock.ms) });
    const { report } = await sender(
      { pacer, mailer: calling, subscribers },
      { parallel: 1 },
    ).sendBatch(batch);
    expect(report.sent).toBe(2);
    expect(reads).toHaveLength(1);
    expect(calls).toEqual(slots);
  });

  it("a slot that comes after the sender's deadline is not used: the recipient goes back", async () => {
    const { store, mailer, batch, sender, clock, subs } = await setup(1);
    const pacer: Pacer = { limit: 1, rate: 1, acquire: async (lead = 0) => clock.ms + lead };
    const stopBy = new Date(clock.ms + 50);
    const { report } = await sender({ pacer, stopBy }).sendBatch(batch);
    expect(mailer.calls).toBe(0);
    expect(report).toMatchObject({ sent: 0, sesCalls: 0 });
    expect((await store.get(subs[0]?.id as string))?.claim).toBeUndefined();
  });

  it("a look that outlasts the lead gives the slot up and calls at the next one, never late", async () => {
    const { store, batch, sender, clock } = await setup(1);
    const calls: number[] = [];
    const slots: number[] = [];
    const slow = Object.assign(Object.create(store), {
      get: async (id: string) => {
        clock.advance(CHECK_LEAD_MS + 100);
        return store.get(id);
      },
    });
    const pacer: Pacer = {
      limit: 1,
      rate: 1,
      acquire: async (lead = 0) => {
        const slot = clock.ms + 5000;
        slots.push(slot);
        clock.ms = slot - lead;
        return slot;
      },
    };
    const mailer = new MemoryMailer({ fault: () => void calls.push(clock.ms) });
    const { report } = await sender({ pacer, mailer, subscribers: slow }).sendBatch(batch);
    expect(report.sent).toBe(1);
    expect(slots.length).toBeGreaterThan(1);
    expect(calls).toHaveLength(1);
    expect((calls[0] as number) - (slots.at(-1) as number)).toBeLessThanOrEqual(SLOT_LATE_MS);
  });

  it("defers and releases the claim after the last throttled attempt", async () => {
    const { store, batch, sender } = await setup(2, () => new MailThrottledError("slow down"));
    const { report } = await sender({ retry: { attempts: 3, baseMs: 10, maxMs: 50 } }).sendBatch(
      batch,
    );
    expect(report).toMatchObject({ sent: 0, deferred: 2, retries: 4 });
    for (const s of store.all()) expect(s.claim).toBeUndefined();
  });

  it("records a rejection as failed and goes on", async () => {
    const { store, mailer, batch, sender } = await setup(3, (email) =>
      email.to === "runner2@example.com" ? new MailRejectedError("bad address") : undefined,
    );
    const { report } = await sender().sendBatch(batch);
    expect(report).toMatchObject({ sent: 2, failed: 1 });
    expect(mailer.sent.map((e) => e.to)).not.toContain("runner2@example.com");
    const failed = store.all().find((s) => s.email === "runner2@example.com");
    expect(failed?.claim).toMatchObject({ state: "failed", week: WEEK });
    expect(failed?.claim?.error).toMatch(/bad address/);
  });

  it("stops on a tip it cannot fill, before claiming anyone, instead of failing each reader", async () => {
    const { store, mailer, batch, sender } = await setup(5);
    // A value the sender has no value for: the compiled email would reach readers as braces.
    const poisoned = { ...tip("squats", 10), text: "Confirm: {{confirm_url}}" };
    const { report } = await sender({ tips: tipIndex([poisoned]) }, { parallel: 2 }).sendBatch(
      batch,
    );
    expect(report.stopped?.reason).toBe("bad-content");
    expect(report.stopped?.message).toMatch(/squats/);
    expect(report).toMatchObject({ sent: 0, failedTransient: 0, unattempted: 5 });
    expect(mailer.calls).toBe(0);
    // Nobody's week is spent: the fixed content sends everyone on the next delivery.
    expect(store.all().filter((s) => s.claim)).toEqual([]);
  });

  it("stops when SES rejects the message itself, leaving the rest unclaimed", async () => {
    const { store, mailer, batch, sender } = await setup(6, (_e, call) =>
      call === 2 ? new MailStoppedError("Illegal header value", "message-rejected") : undefined,
    );
    const { report } = await sender({}, { parallel: 1 }).sendBatch(batch);
    expect(report.stopped?.reason).toBe("message-rejected");
    expect(report).toMatchObject({ sent: 1, failedTransient: 0, unattempted: 5 });
    expect(mailer.calls).toBe(2);
    expect(store.all().filter((s) => s.claim?.state === "pending")).toEqual([]);
  });

  it("stops at once when sending is paused, releasing the claim and leaving the rest unclaimed", async () => {
    const { store, mailer, batch, sender } = await setup(10, (_e, call) =>
      call === 3 ? new MailStoppedError("paused", "paused") : undefined,
    );
    const { report } = await sender({}, { parallel: 1 }).sendBatch(batch);
    expect(report.stopped?.reason).toBe("paused");
    expect(report.sent).toBe(2);
    expect(report.unattempted).toBe(8);
    expect(mailer.sent).toHaveLength(2);
    const claimed = store.all().filter((s) => s.claim);
    expect(claimed).toHaveLength(2);
    expect(claimed.every((s) => s.claim?.state === "sent")).toBe(true);
  });

  it("retries a network failure or a 5xx like throttling, then counts it transient", async () => {
    let runner2Calls = 0;
    const { store, mailer, batch, sender } = await setup(2, (email) => {
      if (email.to === "runner1@example.com") return new MailTransientError("ECONNRESET");
      runner2Calls += 1;
      return runner2Calls === 1 ? new MailTransientError("InternalFailure") : undefined;
    });
    const { report } = await sender({}, { parallel: 1 }).sendBatch(batch);
    expect(report).toMatchObject({ sent: 1, failedTransient: 1 });
    expect(mailer.calls).toBe(6 + 2);
    expect(store.all().find((s) => s.email === "runner1@example.com")?.claim).toBeUndefined();
  });

  it("never calls SES again for an email whose answer never came, and records it as sent", async () => {
    const { store, mailer, batch, sender } = await setup(3, (email) =>
      email.to === "runner1@example.com" ? new MailUnansweredError("TimeoutError") : undefined,
    );
    const { report } = await sender().sendBatch(batch);
    expect(report).toMatchObject({ sent: 2, unanswered: 1, failedTransient: 0, retries: 0 });
    expect(mailer.calls).toBe(3);
    const reader = store.all().find((s) => s.email === "runner1@example.com");
    expect(reader?.claim?.state).toBe("sent");
    expect(reader?.sentTips).toContain("squats");
    // The batch delivered again (SQS at least once) sends them nothing more.
    const { report: again } = await sender().sendBatch({ ...batch, runId: "run-2" });
    expect(again.sent).toBe(0);
    expect(mailer.calls).toBe(3);
  });

  it("counts any other error as transient, releases the claim and goes on", async () => {
    const { store, batch, sender } = await setup(3, (email) =>
      email.to === "runner1@example.com" ? new Error("socket hang up") : undefined,
    );
    const { report } = await sender().sendBatch(batch);
    expect(report).toMatchObject({ sent: 2, failedTransient: 1 });
    expect(store.all().find((s) => s.email === "runner1@example.com")?.claim).toBeUndefined();
  });

  it("stops cleanly before the daily quota", async () => {
    const { mailer, batch, sender } = await setup(10);
    const { report } = await sender({}, { budget: 4 }).sendBatch(batch);
    expect(report.sent).toBe(4);
    expect(report.stopped?.reason).toBe("daily-quota");
    expect(mailer.sent).toHaveLength(4);
  });

  it.each([
    [
      "SES's daily quota answer",
      new MailStoppedError("Daily message quota exceeded", "daily-quota"),
    ],
    ["SendingPaused", new MailStoppedError("paused", "paused")],
    ["AccountSuspended", new MailStoppedError("suspended", "suspended")],
    ["a paused configuration set", new MailStoppedError("paused", "configuration-set-paused")],
  ])("after %s, no worker starts another SES call, retries included", async (_what, stop) => {
    let halted = () => false;
    let callsAfterStop = 0;
    let n = 0;
    const { mailer, batch, sender } = await setup(60, () => {
      if (halted()) callsAfterStop += 1;
      n += 1;
      if (n === 9) return stop;
      return n % 2 === 0 ? new MailThrottledError("slow down") : undefined;
    });
    const eight = sender({}, { parallel: 8 });
    halted = () => eight.halted !== undefined;
    const { report } = await eight.sendBatch(batch);
    expect(report.stopped?.reason).toBe(stop.reason);
    expect(callsAfterStop).toBe(0);
    // Only calls that had started before the answer came back may follow it.
    expect(mailer.calls).toBeLessThanOrEqual(9 + 7);
    expect(report.unattempted).toBeGreaterThan(40);
  });

  it("makes at most retry.attempts SES calls for one recipient, each after a pacer slot", async () => {
    const { mailer, batch, sender, clock } = await setup(5, () => new MailThrottledError("slow"));
    const acquired: number[] = [];
    const pacer = { limit: 10, rate: 9, acquire: async () => acquired.push(clock.ms) && clock.ms };
    const { report } = await sender({ pacer }).sendBatch(batch);
    expect(report.deferred).toBe(5);
    expect(mailer.calls).toBe(5 * 6);
    expect(report.sesCalls).toBe(mailer.calls);
    expect(acquired).toHaveLength(mailer.calls);
  });

  it("a budget held by someone already sent, then given back, still reports the quota's stop for those it left", async () => {
    const { store, mailer, batch, sender, subs } = await setup(3);
    await sentThisWeek(store, subs[0]?.id as string);
    // One email left today: the first reader holds it while the others are turned away, then
    // turns out to have had this week's tip and gives it back.
    const { report } = await sender({}, { budget: 1 }).sendBatch(batch);
    expect(report).toMatchObject({ skippedAlreadySent: 1, unattempted: 2 });
    expect(report.stopped?.reason).toBe("daily-quota");
    expect(mailer.calls).toBe(0);
  });

  it("does not mail anyone who left after planning, nor anyone already sent", async () => {
    const { store, mailer, batch, sender, subs } = await setup(4);
    await store.unsubscribe(subs[0]?.id as string, new Date());
    await store.suppress(subs[1]?.id as string, "bounced", new Date());
    await sentThisWeek(store, subs[2]?.id as string);
    const { report } = await sender().sendBatch(batch);
    expect(report).toMatchObject({ sent: 1, inactive: 2, skippedAlreadySent: 1 });
    expect(mailer.sent.map((e) => e.to)).toEqual([subs[3]?.email]);
  });

  it("a replayed older week sends nothing to those who got a later one", async () => {
    const { store, mailer, batch, sender, subs } = await setup(3);
    await store.markSent(
      subs[0]?.id as string,
      "2026-W49",
      "lunges",
      "later",
      "m-1",
      new Date(),
      new Date(),
    );
    await store.markSent(
      subs[1]?.id as string,
      WEEK,
      "squats",
      "same",
      "m-2",
      new Date(),
      new Date(),
    );
    const { report } = await sender().sendBatch(batch);
    expect(report).toMatchObject({ sent: 1, superseded: 1, skippedAlreadySent: 1 });
    expect(mailer.sent.map((e) => e.to)).toEqual([subs[2]?.email]);
  });

  it(`stops the batch after ${STORE_FAILURES_TO_STOP} store failures in a row (the store is down), taking no claims after them`, async () => {
    const { store, mailer, batch, sender } = await setup(10);
    await expect(
      sender({ ledger: crashingStore(store, 3) }, { parallel: 1 }).sendBatch(batch),
    ).rejects.toBeInstanceOf(CrashError);
    expect(mailer.sent).toHaveLength(3);
    // Each failed claim was written, its answer lost: those readers wait for the stale window.
    const pending = store.all().filter((s) => s.claim?.state === "pending");
    expect(pending).toHaveLength(STORE_FAILURES_TO_STOP);
    expect(store.all().filter((s) => s.claim === undefined)).toHaveLength(
      7 - STORE_FAILURES_TO_STOP,
    );
  });

  it("one store failure hands back its own recipient only: the rest of the batch is sent", async () => {
    const { store, mailer, batch, sender } = await setup(10);
    const second = batch.recipients[1]?.id;
    let failed = 0;
    const flaky = Object.assign(Object.create(store) as MemoryStore, {
      claim: async (...args: Parameters<MemoryStore["claim"]>) => {
        if (args[0] === second && failed++ === 0) throw new CrashError("throttled");
        return store.claim(...args);
      },
    });
    const { report } = await sender({ ledger: flaky }, { parallel: 2 }).sendBatch(batch);
    expect(report).toMatchObject({ sent: 9, failedTransient: 1, unattempted: 0 });
    expect(mailer.sent.map((e) => e.to)).not.toContain(batch.recipients[1]?.email);
    expect(report.stopped).toBeUndefined();
  });
});
