/** Readers' rights (core/rights.ts through core/preferences.ts): their data, erasure, sign-out. */
import { describe, expect, it } from "vitest";
import { InvalidTokenError } from "../../functions/core/errors.js";
import {
  applyPreferences,
  applyRights,
  pauseByUnsubscribeLink,
  showPreferences,
} from "../../functions/core/preferences.js";
import { RETENTION } from "../../functions/core/retention.js";
import { idOfAddress } from "../../functions/core/rights.js";
import { unsubscribe } from "../../functions/core/subscriptions.js";
import { subscriberId } from "../support/ids.js";
import { DAY, memoryDeps, tokenFromLink } from "../support/lifecycle.js";

const BASE = "https://tips.example.com";
const signup = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  ip: "203.0.113.7",
  userAgent: "test-agent",
  source: "signup-page",
  ...extra,
});

/** An active reader who had two tips, and the links of their welcome email. */
async function reader() {
  const setup = memoryDeps();
  const { deps, store, clock, mailer, signUp } = setup;
  await signUp(signup("Rita@example.com", { firstName: "Rita", timeZone: "Europe/Oslo" }));
  const confirmToken = tokenFromLink(mailer.sent[0]?.text ?? "", `${BASE}/confirm`);
  const { confirm } = await import("../../functions/core/subscriptions.js");
  await confirm(deps, confirmToken, "198.51.100.4");
  const id = subscriberId("Rita@example.com");
  for (const [week, tip] of [
    ["2026-W10", "squats"],
    ["2026-W11", "lunges"],
  ] as const) {
    clock.advance(7 * DAY);
    await store.claim(id, { week, tip, runId: "r", now: clock.now(), staleBefore: clock.now() });
    await store.markSent(id, week, tip, "r", `m-${tip}`, clock.now(), clock.now());
  }
  const welcome = mailer.sent[1]?.text ?? "";
  const all = {
    ...deps,
    titles: new Map([["squats", "Squats"]]),
  };
  return {
    ...setup,
    all,
    id,
    manage: tokenFromLink(welcome, `${BASE}/manage`),
    leave: tokenFromLink(welcome, `${BASE}/unsubscribe`),
  };
}

describe("download my data", () => {
  it("gives the record, every consent and each tip sent, with dates", async () => {
    const { all, manage, clock, store, id } = await reader();
    await store.count(id, "squats", "2026-W11");
    const outcome = await applyRights(all, manage, { action: "export" });
    if (outcome.kind !== "data") throw new Error(outcome.kind);
    const { data } = outcome;
    expect(data.subscription).toMatchObject({
      email: "Rita@example.com",
      firstName: "Rita",
      status: "active",
      timeZone: "Europe/Oslo",
      confirmIp: "198.51.100.4",
      lastClickWeek: "2026-W11",
    });
    expect(data.consentHistory).toEqual([
      expect.objectContaining({ ip: "203.0.113.7", userAgent: "test-agent" }),
    ]);
    expect(data.tipsSent).toEqual([
      { tip: "squats", title: "Squats", week: "2026-W10", sentAt: expect.any(String) },
      { tip: "lunges", week: "2026-W11", sentAt: clock.now().toISOString() },
    ]);
    expect(data.retention).toEqual(RETENTION);
    // A JSON document, nothing that would not survive one.
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });
});

describe("delete my data", () => {
  it("asks first, then leaves nothing but the mark; every link of theirs is dead", async () => {
    const { all, store, manage, leave, id } = await reader();
    const asked = await applyRights(all, manage, { action: "erase" });
    expect(asked).toEqual({ kind: "confirm-erase", email: "Rita@example.com" });
    expect(await store.get(id)).toBeDefined();
    expect(await applyRights(all, manage, { action: "erase-confirmed" })).toEqual({
      kind: "erased",
    });
    expect(store.all()).toEqual([]);
    await expect(showPreferences(all, manage)).rejects.toThrow(InvalidTokenError);
    // Unsubscribing with an old link answers as for someone who left; nothing is written.
    await expect(unsubscribe(all, leave)).resolves.toBe("already-unsubscribed");
    expect(store.all()).toEqual([]);
  });

  it("keeps a signup made before the erasure from bringing the data back", async () => {
    const { all, deps, store, manage, outbox, deliver, clock } = await reader();
    // A signup of the same address waits on the outbox (a retry, a redriven dead letter)…
    const { subscribe } = await import("../../functions/core/subscriptions.js");
    await subscribe(deps, signup("rita@example.com", { ip: "198.51.100.99" }));
    clock.advance(1000);
    await applyRights(all, manage, { action: "erase-confirmed" });
    // …and is dropped when it is delivered after the erasure.
    expect(outbox.size).toBe(1);
    expect(await deliver()).toEqual(["erased"]);
    expect(store.all()).toEqual([]);
    // A new signup, given after it, is a new subscription through a new confirmation.
    clock.advance(DAY);
    await subscribe(deps, signup("rita@example.com", { ip: "198.51.100.99" }));
    expect(await deliver()).toEqual(["sent"]);
    expect(store.all().map((s) => [s.email, s.status, s.firstName])).toEqual([
      ["rita@example.com", "pending", undefined],
    ]);
  });

  it("finds an address for the operator by its keyed hash, refusing what is not one", () => {
    const { deps } = memoryDeps();
    expect(idOfAddress(deps.hashes, " Rita@Example.com ")).toBe(subscriberId("rita@example.com"));
    expect(() => idOfAddress(deps.hashes, "not an address")).toThrow(/not an email address/);
  });
});

describe("sign out every link", () => {
  it("kills every manage link issued before, and gives the page a new one", async () => {
    const { all, manage, leave, clock, store, id } = await reader();
    clock.advance(1000);
    const outcome = await applyRights(all, manage, { action: "signout" });
    if (outcome.kind !== "signed-out") throw new Error(outcome.kind);
    await expect(showPreferences(all, manage)).rejects.toThrow(InvalidTokenError);
    await expect(applyPreferences(all, manage, { action: "pause", weeks: 1 })).rejects.toThrow(
      InvalidTokenError,
    );
    await expect(pauseByUnsubscribeLink(all, leave, 1)).rejects.toThrow(InvalidTokenError);
    expect(await store.get(id)).toMatchObject({ status: "active" });
    expect((await store.get(id))?.pausedUntil).toBeUndefined();
    // The new link works, and so do links issued from now on (the next email's).
    expect((await showPreferences(all, outcome.token)).status).toBe("active");
    // An old email's unsubscribe link still unsubscribes: a one-click on it must work.
    await expect(unsubscribe(all, leave)).resolves.toBe("unsubscribed");
  });

  it("no link issued before the record was made acts on it (an erased namesake's)", async () => {
    const { all, leave, clock, id, signUp, store } = await reader();
    clock.advance(1000);
    await all.subscribers.erase(id, clock.now());
    clock.advance(1000);
    await signUp(signup("Rita@example.com"));
    expect((await store.get(id))?.status).toBe("pending");
    await expect(unsubscribe(all, leave)).rejects.toThrow(InvalidTokenError);
  });
});
