/** The reader's preferences (core/preferences.ts): pause, resume, time zone, name, unsubscribe. */
import { describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { BadRequestError, InvalidTokenError } from "../../functions/core/errors.js";
import {
  applyPreferences,
  parseManageForm,
  showPreferences,
} from "../../functions/core/preferences.js";
import { memoryDeps } from "../support/lifecycle.js";
import { FakeClock, runWeek, SCHEDULE, seed, subscriber, tips } from "../support/send-fixtures.js";

const TIPS = tips("a", "b", "c", "d", "e", "f");

async function setup(fields: Parameters<typeof subscriber>[1] = {}) {
  const { deps } = memoryDeps();
  const store = new MemoryStore(2);
  const reader = subscriber("pat@example.com", { firstName: "Pat", ...fields });
  await seed(store, [reader]);
  // Monday 23 November 2026, 09:00 UTC: this week's slot (07:00) has passed.
  const clock = new FakeClock(Date.parse("2026-11-23T09:00:00Z"));
  const all = { ...deps, subscribers: store, clock, schedule: SCHEDULE };
  const token = all.signer.issue("manage", reader.id);
  return { all, store, clock, reader, token };
}

describe("parseManageForm", () => {
  it.each([
    [
      { action: "pause", weeks: "3" },
      { action: "pause", weeks: 3 },
    ],
    [{ action: "resume" }, { action: "resume" }],
    [
      { action: "timezone", timeZone: "Europe/London" },
      { action: "timezone", timeZone: "Europe/London" },
    ],
    [
      { action: "timezone", timeZone: "" },
      { action: "timezone", timeZone: undefined },
    ],
    [
      { action: "name", firstName: " Ann " },
      { action: "name", firstName: "Ann" },
    ],
    [{ action: "unsubscribe" }, { action: "unsubscribe" }],
  ])("%j → %j", (form, expected) => {
    expect(parseManageForm(form)).toEqual(expected);
  });

  it.each([
    [{}, /action must be one of pause, resume, timezone, when, name, unsubscribe, export, erase/],
    [{ action: "delete" }, /action must be/],
    [{ action: "pause" }, /weeks must be a whole number from 1 to 12/],
    [{ action: "pause", weeks: "0" }, /weeks must be/],
    [{ action: "pause", weeks: "13" }, /weeks must be/],
    [{ action: "pause", weeks: "2.5" }, /weeks must be/],
    [{ action: "timezone", timeZone: "Mars/Base" }, /IANA time zone/],
    [{ action: "name", firstName: "visit https://evil.example" }, /no digits, web addresses/],
  ])("%j is a 400: %s", (form, message) => {
    expect(() => parseManageForm(form as Record<string, string>)).toThrow(message);
    expect(() => parseManageForm(form as Record<string, string>)).toThrow(BadRequestError);
  });
});

describe("preferences", () => {
  it("shows the settings and changes nothing; a bad or foreign token is refused", async () => {
    const { all, store, reader, token } = await setup();
    const before = await store.get(reader.id);
    expect(await showPreferences(all, token)).toMatchObject({
      email: "pat@example.com",
      firstName: "Pat",
      timeZone: "UTC",
      defaultZone: true,
      status: "active",
      nextDelivery: "Monday 30 November, 07:00",
    });
    expect(await store.get(reader.id)).toEqual(before);
    const unsubscribeToken = all.signer.issue("unsubscribe", reader.id);
    await expect(showPreferences(all, unsubscribeToken)).rejects.toThrow(InvalidTokenError);
    await expect(showPreferences(all, `${token}x`)).rejects.toThrow(InvalidTokenError);
  });

  it("a record with ICU's older name for a zone shows IANA's, as the page's list has it", async () => {
    const { all, token } = await setup({ timeZone: "Asia/Calcutta" });
    expect(await showPreferences(all, token)).toMatchObject({
      timeZone: "Asia/Kolkata",
      nextDelivery: "Monday 30 November, 07:00",
    });
  });

  it("a pause skips deliveries until it ends and then resumes by itself", async () => {
    const { all, store, clock, token } = await setup();
    const mailer = new MemoryMailer();
    const pass = () => runWeek({ store, mailer, clock, tips: TIPS, hourly: clock.now() });
    expect((await pass()).sent).toBe(1); // this week's tip
    const paused = await applyPreferences(all, token, { action: "pause", weeks: 2 });
    // The next two Mondays are skipped: back on Monday 14 December.
    expect(paused.pausedUntil).toBe("Monday 14 December");
    for (let hour = 0; hour < 24 * 21; hour += 1) {
      clock.advance(3_600_000);
      await pass();
    }
    // Three weeks later: only the Monday after the pause brought a tip.
    const weeks = mailer.sent.map((e) => e.tags?.week);
    expect(weeks).toEqual(["2026-W48", "2026-W51"]);
  });

  it("after this week's tip, a later day this week is not the next tip, and a pause skips a real one", async () => {
    const { all, store, clock, token } = await setup();
    const mailer = new MemoryMailer();
    const pass = () => runWeek({ store, mailer, clock, tips: TIPS, hourly: clock.now() });
    expect((await pass()).sent).toBe(1); // this week's (2026-W48) tip, on Monday
    // Friday 07:00 from now on: this week's Friday brings nothing, this week's tip having gone.
    const moved = await applyPreferences(all, token, {
      action: "when",
      deliverySlot: "5-07",
      timeZone: undefined,
    });
    expect(moved.nextDelivery).toBe("Friday 4 December, 07:00");
    expect((await showPreferences(all, token)).nextDelivery).toBe("Friday 4 December, 07:00");
    // A week's pause skips that Friday's tip: back on Friday 11 December.
    const paused = await applyPreferences(all, token, { action: "pause", weeks: 1 });
    expect(paused.pausedUntil).toBe("Friday 11 December");
    const resumed = await applyPreferences(all, token, { action: "resume" });
    expect(resumed.nextDelivery).toBe("Friday 4 December, 07:00");
    await applyPreferences(all, token, { action: "pause", weeks: 1 });
    for (let hour = 0; hour < 24 * 21; hour += 1) {
      clock.advance(3_600_000);
      await pass();
    }
    const sent = mailer.sent.map((e) => e.tags?.week);
    // Friday 27 November brought nothing (W48 had its tip), 4 December was paused.
    expect(sent).toEqual(["2026-W48", "2026-W50"]);
  });

  it("a pause moved to another day or zone ends in its week, at the new slot", async () => {
    const { all, store, clock, token } = await setup();
    const mailer = new MemoryMailer();
    const pass = () => runWeek({ store, mailer, clock, tips: TIPS, hourly: clock.now() });
    expect((await pass()).sent).toBe(1); // 2026-W48's tip
    const when = (deliverySlot?: string, timeZone?: string) =>
      applyPreferences(all, token, { action: "when", deliverySlot, timeZone });
    const paused = await applyPreferences(all, token, { action: "pause", weeks: 2 });
    expect(paused.pausedUntil).toBe("Monday 14 December");
    expect(await when("5-07")).toMatchObject({
      pausedUntil: "Friday 18 December",
      nextDelivery: "Friday 18 December, 07:00",
    });
    // Back to Monday, now in Sydney: the pause ends in the same week, on that Monday there.
    expect(await when(undefined, "Australia/Sydney")).toMatchObject({
      pausedUntil: "Monday 14 December",
      nextDelivery: "Monday 14 December, 07:00",
    });
    const zoned = await applyPreferences(all, token, {
      action: "timezone",
      timeZone: "America/Los_Angeles",
    });
    expect(zoned).toMatchObject({
      pausedUntil: "Monday 14 December",
      nextDelivery: "Monday 14 December, 07:00",
    });
    // To Tuesday 22 December: the pause's two weeks skipped, then a tip each Monday in LA.
    for (let hour = 0; hour < 24 * 29; hour += 1) {
      clock.advance(3_600_000);
      await pass();
    }
    expect(mailer.sent.map((e) => e.tags?.week)).toEqual(["2026-W48", "2026-W51", "2026-W52"]);
  });

  it("resume, time zone and name take effect at once; unsubscribe ends it", async () => {
    const { all, store, reader, token } = await setup();
    await applyPreferences(all, token, { action: "pause", weeks: 4 });
    const resumed = await applyPreferences(all, token, { action: "resume" });
    expect(resumed.pausedUntil).toBeUndefined();
    expect((await store.get(reader.id))?.dueAt).toBeUndefined(); // due at the next pass
    const zoned = await applyPreferences(all, token, {
      action: "timezone",
      timeZone: "Pacific/Kiritimati",
    });
    expect(zoned).toMatchObject({ timeZone: "Pacific/Kiritimati", defaultZone: false });
    expect((await store.get(reader.id))?.timeZone).toBe("Pacific/Kiritimati");
    expect(
      await applyPreferences(all, token, { action: "name", firstName: undefined }),
    ).not.toHaveProperty("firstName");
    const left = await applyPreferences(all, token, { action: "unsubscribe" });
    expect(left.status).toBe("unsubscribed");
    await expect(applyPreferences(all, token, { action: "pause", weeks: 1 })).rejects.toThrow(
      /sign up again/,
    );
  });
});
