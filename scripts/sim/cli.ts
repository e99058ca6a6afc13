/**
 * The command behind `npm run sim` (scripts/sim.ts bundles and runs it): the deterministic
 * simulation of the whole send pipeline (scripts/sim/run.ts).
 * Runs one seed or many, prints each invariant with its counts, and on a violation exits 1 with
 * the seed, the events that led to it and the command that replays it. docs/simulation.md.
 */
import { parseArgs } from "node:util";
import { INVARIANTS, type Invariant } from "./checks.js";
import type { FaultLevel } from "./faults.js";
import {
  BUGS,
  type Bug,
  DEFAULTS,
  ON_TIME_HOURS,
  replayCommand,
  type SimOptions,
  type SimResult,
  simulate,
} from "./run.js";
import { parseZones } from "./world.js";

const USAGE = `Usage: npm run sim -- [--readers N] [--weeks W] [--seed S] [--seeds K] [--faults LEVEL]
       [--zones MIX] [--rate R] [--quota Q] [--containers C] [--batch-size B]
       [--inject-bug NAME] [--poison-tip] [--quiet] [--trace]

  --readers N      readers at the start (default ${DEFAULTS.readers})
  --weeks W        simulated weeks (default ${DEFAULTS.weeks})
  --seed S         the first seed (default ${DEFAULTS.seed}); --seeds K runs S … S+K−1
  --faults LEVEL   none, light (default) or heavy
  --zones MIX      where readers live: real (default), spread, or Zone=weight,…
  --rate R         the account's MaxSendRate (default ${DEFAULTS.rate})
  --quota Q        the account's daily quota (default three emails a reader, at least 50,000)
  --containers C   sender containers at once (default ${DEFAULTS.containers})
  --batch-size B   recipients per send batch (default 100, the stage's)
  --inject-bug N   ${BUGS.join(", ")}: a planted bug the run must catch
  --poison-tip     the fifth tip cannot be filled: it must reach nobody, its readers be held
                   with an ERROR each hourly pass, and everyone else stay on time
  --quiet          no line per seed; a violation's events come from a replay
  --trace          print every event
  -h, --help       this help

Exit codes: 0 every invariant held · 1 a violation (the seed, the events that led to it and the
command that replays it are printed) · 2 usage. docs/simulation.md has the model and invariants.`;

const OPTIONS = {
  readers: { type: "string" },
  weeks: { type: "string" },
  seed: { type: "string" },
  seeds: { type: "string" },
  faults: { type: "string" },
  zones: { type: "string" },
  rate: { type: "string" },
  quota: { type: "string" },
  containers: { type: "string" },
  "inject-bug": { type: "string" },
  "poison-tip": { type: "boolean" },
  "batch-size": { type: "string" },
  quiet: { type: "boolean" },
  trace: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Exits 2 with what could not be read, and the usage. */
function usage(error: unknown): never {
  console.error(`npm run sim: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({ options: OPTIONS, strict: true });
  } catch (error) {
    usage(error);
  }
}

const { values } = parse();
// A reader that stops reading (`npm run sim -- --trace | head`) ends the run quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function int(
  name: string,
  text: string | undefined,
  fallback: number,
  min = 1,
  max = Infinity,
): number {
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max && Number.isSafeInteger(n))) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max.toLocaleString("en")}`;
    throw new Error(`--${name}: expected a whole number ${range}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** The mix as given, once it reads (parseZones throws what it cannot). */
function zones(text: string): string {
  parseZones(text);
  return text;
}

function options(): { base: SimOptions; seeds: number } {
  const faults = (values.faults ?? DEFAULTS.faults) as FaultLevel;
  if (!["none", "light", "heavy"].includes(faults))
    throw new Error("--faults: none, light or heavy");
  const bug = values["inject-bug"] as Bug | undefined;
  if (bug !== undefined && !BUGS.includes(bug))
    throw new Error(`--inject-bug: one of ${BUGS.join(", ")}`);
  const base: SimOptions = {
    readers: int("readers", values.readers, DEFAULTS.readers),
    weeks: int("weeks", values.weeks, DEFAULTS.weeks),
    seed: int("seed", values.seed, DEFAULTS.seed, 0),
    faults,
    zones: zones(values.zones ?? DEFAULTS.zones),
    // SES grants accounts rates in the hundreds or thousands a second.
    rate: int("rate", values.rate, DEFAULTS.rate, 1, 100_000),
    ...(values.quota !== undefined ? { quota: int("quota", values.quota, 1) } : {}),
    containers: int("containers", values.containers, DEFAULTS.containers),
    ...(bug ? { bug } : {}),
    ...(values["poison-tip"] ? { poisonTip: true } : {}),
    ...(values.trace ? { echo: (line: string) => console.log(line) } : {}),
    ...(values.quiet && !values.trace ? { lean: true } : {}),
    ...(values["batch-size"] !== undefined
      ? { batchSize: int("batch-size", values["batch-size"], 100) }
      : {}),
  };
  return { base, seeds: int("seeds", values.seeds, 1) };
}

/** The first violation, the events that led to it (from a replay when the run kept none). */
async function printFailure(result: SimResult): Promise<void> {
  const traced = result.options.lean ? await simulate({ ...result.options, lean: false }) : result;
  const first = traced.violations[0];
  if (!first) return;
  console.log(`\nVIOLATION seed ${result.options.seed}: ${INVARIANTS[first.invariant]}`);
  console.log(`  ${first.detail}`);
  console.log("  the events that led to it:");
  for (const line of traced.leadingTo(first)) console.log(`    ${line}`);
  console.log(`  replay: ${replayCommand(result.options)}`);
}

/** The run's options, or the usage and exit 2 for a value that is not one. */
function optionsOrUsage(): ReturnType<typeof options> {
  try {
    return options();
  } catch (error) {
    usage(error);
  }
}

async function main(): Promise<void> {
  const { base, seeds } = optionsOrUsage();
  const total = { checked: {} as Record<string, number>, broken: {} as Record<string, number> };
  const skipped = new Map<Invariant, string>();
  let failed: SimResult | undefined;
  let failures = 0;
  let worstUtilization: number | undefined;
  let busyHours = 0;
  let longestPlanner = 0;
  const counts: Record<string, number> = {};
  const started = Date.now();
  for (let k = 0; k < seeds; k += 1) {
    const result = await simulate({ ...base, seed: base.seed + k });
    for (const key of Object.keys(INVARIANTS)) {
      total.checked[key] = (total.checked[key] ?? 0) + result.checked[key as Invariant];
      total.broken[key] = (total.broken[key] ?? 0) + result.broken[key as Invariant];
    }
    for (const [key, why] of result.skipped) if (result.checked[key] === 0) skipped.set(key, why);
    for (const [key, n] of Object.entries(result.counts)) {
      counts[key] =
        key === "busiestSecond" ? Math.max(counts[key] ?? 0, n) : (counts[key] ?? 0) + n;
    }
    if (result.utilization) {
      worstUtilization = Math.min(worstUtilization ?? 1, result.utilization.value);
      busyHours += result.utilization.hours;
    }
    longestPlanner = Math.max(longestPlanner, result.plannerLongestMs);
    if (result.violations.length > 0) {
      failures += 1;
      failed ??= result;
    }
    if (seeds > 1 && !values.quiet) {
      console.log(
        `seed ${result.options.seed}: ${result.violations.length ? "VIOLATION" : "ok"} (${result.counts.tipEmails} tips, trace ${result.digest})`,
      );
    } else if (seeds === 1 && !values.quiet)
      console.log(
        `seed ${result.options.seed}${result.digest ? `, trace ${result.digest}` : ""}, ${result.events} events`,
      );
  }
  const wall = (Date.now() - started) / 1000;
  console.log(
    `\n${seeds} seed(s) × ${base.readers} readers × ${base.weeks} weeks, faults ${base.faults}, MaxSendRate ${base.rate}/s, ${base.containers} containers${base.bug ? `, bug ${base.bug}` : ""}: ${wall.toFixed(1)} s`,
  );
  console.log(
    `emails ${counts.emails} (tips ${counts.tipEmails}), SES calls ${counts.sesCalls}, busiest second ${counts.busiestSecond}; crashes ${counts.crashes}, Lambda timeouts ${counts.timeouts}, dead letters ${counts.deadLetters}, SES pauses ${counts.sesPauses}, planner failures ${counts.plannerFailures}`,
  );
  console.log(
    `world: ${counts.signups} signups, ${counts.unsubscribes} unsubscribes, ${counts.pauses} pauses, ${counts.zoneChanges} zone changes, ${counts.erasures} erasures, ${counts.bounces} bounces, ${counts.complaints} complaints applied; duplicates in the documented window: ${counts.windowDuplicates}`,
  );
  console.log(
    `on time: within ${ON_TIME_HOURS[base.faults]} h of the slot; after an SES stop, within ${ON_TIME_HOURS[base.faults]} h of SES's first 2 h of sending again, if those begin in the reader's week${base.poisonTip ? `; ${counts.heldWeeks} reader-weeks due the poisoned tip are held, not checked` : ""}`,
  );
  for (const [key, text] of Object.entries(INVARIANTS)) {
    const why = skipped.get(key as Invariant);
    const line =
      why && !total.checked[key]
        ? `not checked (${why})`
        : `${total.broken[key]} violations of ${total.checked[key]} checked`;
    console.log(`  ${(total.broken[key] ?? 0) > 0 ? "✗" : "✓"} ${text}: ${line}`);
  }
  console.log(
    worstUtilization === undefined
      ? "busy-hour utilization: n/a (no busy hour)"
      : `busy-hour utilization: ${worstUtilization.toFixed(3)}`,
  );
  if (busyHours > 0) {
    console.log(`  the lowest of ${busyHours} busy hour(s): sent ÷ (MaxSendRate × seconds)`);
  }
  console.log(`planner pass, longest: ${(longestPlanner / 1000).toFixed(1)} s`);
  if (failed) {
    console.log(`\n${failures} of ${seeds} seed(s) broke an invariant.`);
    await printFailure(failed);
    process.exitCode = 1;
  }
}

await main();
