/**
 * The Stats contract (functions/core/ports.ts): the counters the stores keep as they write, read
 * back summed over every shard. Each event counts once however often it arrives: a redelivered
 * SQS record, a duplicated SES notification, a replayed markSent, two of them at once.
 */
import { describe, expect, it } from "vitest";
import type { Stats } from "../../functions/core/ports.js";
import { SERIES_END } from "../../functions/core/sequence.js";
import type { StatsReport } from "../../functions/core/stats.js";
import { consent, pendingSubscriber, type TablePorts } from "./subscribers.contract.js";

export type StatsPorts = TablePorts & { stats: Stats };

const T0 = new Date("2026-12-07T09:00:00.000Z"); // Monday of 2026-W50
const WEEK = "2026-W50";
const days = (n: number) => new Date(T0.getTime() + n * 86_400_000);
const NEXT = days(7);

const readers = (over: Partial<StatsReport["readers"]> = {}) => ({
  pending: 0,
  active: 0,
  paused: 0,
  finished: 0,
  unsubscribed: 0,
  bounced: 0,
  complained: 0,
  ...over,
});
const weekRow = (report: StatsReport, week = WEEK) => report.weeks.find((w) => w.week === week);
const tipRow = (report: StatsReport, slug: string) => report.tips.find((t) => t.slug === slug);

/** An active reader, created and confirmed at T0, and sent `tips` in the weeks before W50. */
async function activeReader({ subscribers, ledger }: StatsPorts, tip?: string, sentAt = T0) {
  const s = pendingSubscriber({ consent: consent({ at: T0.toISOString() }) });
  await subscribers.create(s);
  await subscribers.activate(s.id, T0, "192.0.2.1");
  if (tip) await send({ subscribers, ledger } as StatsPorts, s.id, tip, sentAt);
  return s;
}

async function send({ ledger }: Pick<StatsPorts, "ledger">, id: string, tip: string, now: Date) {
  const claimed = await ledger.claim(id, {
    week: WEEK,
    tip,
    runId: "run-1",
    now,
    staleBefore: new Date(now.getTime() - 3_600_000),
  });
  expect(claimed).toBe("claimed");
  await ledger.markSent(id, WEEK, tip, "run-1", `msg-${id.slice(0, 8)}`, now, NEXT);
}

export function statsContract(name: string, make: () => Promise<StatsPorts>): void {
  describe(`Stats contract: ${name}`, () => {
    it("counts a signup and its confirmation once, however often they are repeated", async () => {
      const ports = await make();
      const { subscribers, stats } = ports;
      const s = pendingSubscriber({ consent: consent({ at: T0.toISOString() }) });
      expect(await subscribers.create(s)).toBe(true);
      expect(await subscribers.create(s)).toBe(false); // the outbox's redelivery
      expect((await stats.read()).readers).toEqual(readers({ pending: 1 }));
      // A double click on the confirm link, and a scanner's prefetch at the same moment.
      const results = await Promise.all([
        subscribers.activate(s.id, T0, "192.0.2.1"),
        subscribers.activate(s.id, T0, "192.0.2.1"),
        subscribers.activate(s.id, T0, "192.0.2.1"),
      ]);
      expect(results.filter((r) => r === "activated")).toHaveLength(1);
      const report = await stats.read();
      expect(report.readers).toEqual(readers({ active: 1 }));
      expect(weekRow(report)).toMatchObject({ signups: 1, confirmations: 1, sent: 0 });
    });

    it("a replayed markSent and a duplicated delivery report count once", async () => {
      const ports = await make();
      const { subscribers, ledger, stats } = ports;
      const s = await activeReader(ports, "squats");
      // The sender's retry of the mark, and a redriven batch's.
      await ledger.markSent(s.id, WEEK, "squats", "run-1", `msg-${s.id.slice(0, 8)}`, T0, NEXT);
      await ledger.markSent(s.id, WEEK, "squats", "run-1", `msg-${s.id.slice(0, 8)}`, T0, NEXT);
      expect(await subscribers.markDelivered(s.id, WEEK)).toBe(true);
      const repeats = await Promise.all([
        subscribers.markDelivered(s.id, WEEK),
        subscribers.markDelivered(s.id, WEEK),
      ]);
      expect(repeats).toEqual([false, false]);
      expect(await subscribers.markDelivered(s.id, "2026-W49")).toBe(false); // late and older
      const report = await stats.read();
      expect(weekRow(report)).toMatchObject({ sent: 1, delivered: 1 });
      expect(tipRow(report, "squats")).toMatchObject({ sent: 1, left: 0, complained: 0 });
    });

    it("leaving within 7 days of a tip counts against that tip and week, once", async () => {
      const ports = await make();
      const { subscribers, stats } = ports;
      const soon = await activeReader(ports, "squats");
      const late = await activeReader(ports, "squats");
      // The one-click link clicked twice, and the mailto's Lambda retried, all at once.
      const left = await Promise.all([
        subscribers.unsubscribe(soon.id, days(2)),
        subscribers.unsubscribe(soon.id, days(2)),
        subscribers.unsubscribe(soon.id, days(2)),
      ]);
      expect(left.filter((r) => r === "unsubscribed")).toHaveLength(1);
      expect(await subscribers.unsubscribe(late.id, days(8))).toBe("unsubscribed");
      const report = await stats.read();
      expect(report.readers).toEqual(readers({ unsubscribed: 2 }));
      expect(weekRow(report)).toMatchObject({ sent: 2, left: 1 });
      expect(tipRow(report, "squats")).toMatchObject({ sent: 2, left: 1 });
    });

    it("a pause is a state of its own; a pause soon after a tip counts as leaving", async () => {
      const ports = await make();
      const { subscribers, ledger, stats } = ports;
      const s = await activeReader(ports, "squats");
      const until = days(21);
      const pause = { pausedUntil: until, dueAt: until, at: days(1) };
      expect(await subscribers.updatePreferences(s.id, pause)).toBe(true);
      expect(await subscribers.updatePreferences(s.id, pause)).toBe(true); // a second submit
      let report = await stats.read();
      expect(report.readers).toEqual(readers({ paused: 1 }));
      expect(tipRow(report, "squats")).toMatchObject({ left: 1 });
      const resume = { pausedUntil: null, dueAt: null, at: days(2) };
      expect(await subscribers.updatePreferences(s.id, resume)).toBe(true);
      expect((await stats.read()).readers).toEqual(readers({ active: 1 }));
      // A pause that runs out ends, for the counters, with the next tip.
      expect(await subscribers.updatePreferences(s.id, { ...pause, at: days(3) })).toBe(true);
      const later = new Date(until.getTime() + 3_600_000);
      const claimed = await ledger.claim(s.id, {
        week: "2026-W53",
        tip: "lunges",
        runId: "run-2",
        now: later,
        staleBefore: T0,
      });
      expect(claimed).toBe("claimed");
      await ledger.markSent(s.id, "2026-W53", "lunges", "run-2", "msg-2", later, days(35));
      report = await stats.read();
      expect(report.readers).toEqual(readers({ active: 1 }));
      expect(tipRow(report, "squats")).toMatchObject({ left: 2 });
    });

    it("a bounce and a complaint count once each, against the week and tip they followed", async () => {
      const ports = await make();
      const { subscribers, stats } = ports;
      const bouncer = await activeReader(ports, "squats");
      const complainer = await activeReader(ports, "squats");
      // SES notifies twice, and SQS delivers each notification twice.
      for (let i = 0; i < 2; i += 1) {
        await Promise.all([
          subscribers.suppress(bouncer.id, "bounced", days(1)),
          subscribers.suppress(bouncer.id, "bounced", days(1)),
          subscribers.suppress(complainer.id, "complained", days(1)),
          subscribers.suppress(complainer.id, "complained", days(1)),
        ]);
      }
      const report = await stats.read();
      expect(report.readers).toEqual(readers({ bounced: 1, complained: 1 }));
      expect(weekRow(report)).toMatchObject({ sent: 2, bounced: 1, complained: 1 });
      expect(tipRow(report, "squats")).toMatchObject({ complained: 1 });
    });

    it("the series' end makes a reader finished; erasure takes them out of every state", async () => {
      const ports = await make();
      const { subscribers, stats } = ports;
      const s = await activeReader(ports, SERIES_END);
      let report = await stats.read();
      expect(report.readers).toEqual(readers({ finished: 1 }));
      expect(weekRow(report)).toMatchObject({ sent: 1 });
      expect(tipRow(report, SERIES_END)).toBeUndefined();
      expect(await subscribers.erase(s.id, days(1))).toBe("erased");
      expect(await subscribers.erase(s.id, days(1))).toBe("absent");
      report = await stats.read();
      expect(report.readers).toEqual(readers());
    });

    it("sums readers from every shard", async () => {
      const { subscribers, stats } = await make();
      const many = Array.from({ length: 40 }, () => pendingSubscriber());
      await Promise.all(many.map((s) => subscribers.create(s)));
      await Promise.all(many.slice(0, 25).map((s) => subscribers.activate(s.id, T0, "192.0.2.1")));
      expect((await stats.read()).readers).toEqual(readers({ pending: 15, active: 25 }));
    });
  });
}
