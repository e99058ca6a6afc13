/**
 * The simulation itself: the same seed gives the same trace, each planted bug is caught by the
 * default run, a poisoned tip stops sending loudly, a violation is reported with its seed and
 * the command that replays it, and that command replays it exactly.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BUGS, type Bug, DEFAULTS, type SimOptions, simulate } from "../../scripts/sim/run.js";

const run = promisify(execFile);

/** Which invariant each planted bug must break, and on which run (default: the default run). */
const CAUGHT_BY: Record<Bug, { invariant: string; run?: Partial<SimOptions> }> = {
  "skip-claim": { invariant: "tip-once" },
  "resend-after-timeout": { invariant: "tip-once" },
  "ignore-pause": { invariant: "during-pause" },
  "pacer-per-container": { invariant: "rate" },
  // Readers wait hours with quota left only where the quota binds, and the check excuses a day
  // after each time SES found it spent: where it binds hardest, about one seed in two has such a
  // wait.
  "quota-per-sender": {
    invariant: "on-time",
    run: { readers: 600, quota: 100, faults: "heavy", seed: 2 },
  },
};

describe("the simulation", () => {
  it("gives the same trace for the same seed, and another for another seed", async () => {
    const small = { ...DEFAULTS, readers: 300, weeks: 2, faults: "heavy" as const };
    const a = await simulate({ ...small, seed: 1 });
    const b = await simulate({ ...small, seed: 1 });
    const c = await simulate({ ...small, seed: 2 });
    expect(a.events).toBeGreaterThan(1_000);
    // Heavy faults strand some batches until they are dead-lettered (on this seed too), and each
    // one is reported.
    expect(a.counts.deadLetters).toBeGreaterThan(0);
    expect(a.checked["dlq-reported"]).toBe(a.counts.deadLetters);
    expect(b.digest).toBe(a.digest);
    expect(b.counts).toEqual(a.counts);
    expect(c.digest).not.toBe(a.digest);
  });

  it("passes every invariant on the default run", async () => {
    const result = await simulate(DEFAULTS);
    expect(result.violations).toEqual([]);
    expect(result.checked["tip-once"]).toBeGreaterThan(5_000);
    // The light faults happened: a poisoned reader set aside, an SES pause, feedback.
    expect(result.checked["bad-record"]).toBe(1);
    expect(result.counts.sesPauses).toBeGreaterThan(0);
    expect(result.checked["feedback-applied"]).toBeGreaterThan(0);
  }, 120_000);

  it("holds every invariant when the daily quota is smaller than a Monday's readers", async () => {
    // 400 a day for 2,000 readers: the weekly send spends its part and stops each Monday, and
    // confirmations and welcomes, which keep a part of their own, call SES only while some is left.
    const result = await simulate({ ...DEFAULTS, quota: 400 });
    expect(result.violations).toEqual([]);
    expect(result.checked.quota).toBeGreaterThan(0);
    // Weeks a stop let go are few: nearly every reader-week is still held to its deadline.
    expect(result.checked["on-time"]).toBeGreaterThan(8_000);
  }, 120_000);

  it("keeps the weekly send within its part where the quota binds hardest, under heavy faults", async () => {
    // 100 a day for 600 readers: every SES answer lost after acceptance, every failed record and
    // every sender asking SES while its own emails go out must still count against the part.
    const result = await simulate({
      ...DEFAULTS,
      readers: 600,
      quota: 100,
      faults: "heavy",
      seed: 18,
    });
    expect(result.violations).toEqual([]);
    expect(result.checked["weekly-part"]).toBeGreaterThan(2_000);
  }, 120_000);

  it.each(BUGS.map((bug) => [bug, CAUGHT_BY[bug].run ?? "the default run"] as const))(
    "catches the planted bug %s on %o",
    async (bug) => {
      const result = await simulate({ ...DEFAULTS, ...CAUGHT_BY[bug].run, bug });
      const invariant = CAUGHT_BY[bug].invariant as keyof typeof result.broken;
      expect(result.broken[invariant]).toBeGreaterThan(0);
      const first = result.violations[0];
      expect(first?.invariant).toBeDefined();
      // The report shows what led to it, even when the violation concerns no one reader.
      const events = result.leadingTo(first as NonNullable<typeof first>);
      expect(events.length).toBeGreaterThan(3);
      expect(events.at(-1)).toContain("VIOLATION");
    },
    120_000,
  );

  it("holds the readers of a tip that cannot be filled loudly, dead-letters nothing, and keeps everyone else on time", async () => {
    // Six weeks: readers reach the poisoned fifth tip and stay due it for weeks.
    const result = await simulate({ ...DEFAULTS, readers: 300, weeks: 6, poisonTip: true });
    expect(result.checked["bad-content"]).toBe(3);
    expect(result.broken["bad-content"]).toBe(0);
    expect(result.checked["on-time"]).toBeGreaterThan(100);
    expect(result.counts.heldWeeks).toBeGreaterThan(0);
    expect(result.counts.deadLetters).toBe(0);
    expect(result.violations).toEqual([]);
  }, 120_000);

  it.each([
    ["--help", 0, "stdout", /Usage: npm run sim -- /],
    ["--bogus", 2, "stderr", /Unknown option '--bogus'[\s\S]*Usage: npm run sim -- /],
    ["--faults=medium", 2, "stderr", /--faults: none, light or heavy[\s\S]*Usage: npm run sim -- /],
    ["--zones=Mars/Olympus=1", 2, "stderr", /--zones: "Mars\/Olympus" is not a time zone/],
    ["--zones=Europe/London=0", 2, "stderr", /--zones: cannot read "Europe\/London=0"/],
  ] as const)("%s exits %i and prints the usage", async (flag, code, stream, text) => {
    const outcome = await run(process.execPath, ["--import", "tsx", "scripts/sim.ts", flag]).then(
      (ok) => ({ code: 0, ...ok }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(outcome.code).toBe(code);
    expect(outcome[stream]).toMatch(text);
  });

  it("exits 1 on a violation with the seed, the events and a command that replays it exactly", async () => {
    const args = ["--import", "tsx", "scripts/sim.ts", "--readers", "300", "--weeks", "2"];
    const failing = await run(process.execPath, [
      ...args,
      "--seed",
      "3",
      "--inject-bug",
      "skip-claim",
    ]).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failing?.code).toBe(1);
    const out = failing?.stdout ?? "";
    expect(out).toContain("VIOLATION seed 3: no reader gets a tip twice");
    expect(out).toMatch(/the events that led to it:\n {4}\d{4}-\d\d-\d\dT.* claimed tip-/);
    const command = /replay: npm run sim -- (.*)/.exec(out)?.[1] ?? "";
    expect(command).toContain("--inject-bug skip-claim");
    const again = await run(process.execPath, [
      "--import",
      "tsx",
      "scripts/sim.ts",
      ...command.split(" "),
    ]).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    const trace = (text: string) => /trace ([0-9a-f]{16})/.exec(text)?.[1];
    expect(again?.code).toBe(1);
    expect(trace(again?.stdout ?? "")).toBe(trace(out));
    // --quiet keeps no events while it runs (as the seeds in npm test do): it replays the seed
    // for them, and reports the same.
    const quiet = await run(process.execPath, [
      ...args,
      "--seed",
      "3",
      "--inject-bug",
      "skip-claim",
      "--quiet",
    ]).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    const report = (text: string) => text.slice(text.indexOf("\nVIOLATION seed"));
    expect(quiet?.code).toBe(1);
    expect(report(quiet?.stdout ?? "")).toBe(report(out));
  }, 120_000);
});
