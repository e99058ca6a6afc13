/**
 * Many seeds of the whole pipeline under faults (scripts/sim): every invariant holds for each.
 * SIM_SEEDS sets how many per fault level (100: 200 in all), of which a tenth run with a daily
 * quota smaller than a Monday's readers (--quota 400). Each group's seeds are split into three
 * `npm run sim --quiet` processes per core, as many at a time as there are cores. The
 * pre-release run is `npm run sim -- --seeds 1000 --readers 100000`.
 */
import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import pLimit from "p-limit";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const SEEDS = Number(process.env.SIM_SEEDS ?? 100);
const CORES = Math.max(2, availableParallelism());
const FIRST = 100;

const BOUND = Math.ceil(SEEDS / 10);

/** The runs: each fault level at the default quota, and a tenth of each bound by the quota. */
const GROUPS = [
  { faults: "light", first: FIRST + BOUND, seeds: SEEDS - BOUND, extra: [] },
  { faults: "heavy", first: FIRST + BOUND, seeds: SEEDS - BOUND, extra: [] },
  { faults: "light", first: FIRST, seeds: BOUND, extra: ["--quota", "400"] },
  { faults: "heavy", first: FIRST, seeds: BOUND, extra: ["--quota", "400"] },
] as const;

type Group = (typeof GROUPS)[number];

/** Seeds `first` … `first + count − 1` in one process: its failure report, or "" when all hold. */
async function seeds({ faults, extra }: Group, first: number, count: number): Promise<string> {
  const args = ["--import", "tsx", "scripts/sim.ts", "--quiet", "--faults", faults, ...extra];
  const range = ["--seed", String(first), "--seeds", String(count)];
  return run(process.execPath, [...args, ...range], { maxBuffer: 16 * 1024 * 1024 }).then(
    () => "",
    (error: { code?: number; stdout?: string; stderr?: string }) => {
      const out = error.stdout ?? "";
      const violation = out.indexOf("VIOLATION seed");
      return `${faults} ${extra.join(" ")} ${first}+${count}: exit ${error.code}\n${violation >= 0 ? out.slice(violation) : out.slice(-4000)}${error.stderr ?? ""}`;
    },
  );
}

describe("2,000 readers × 6 weeks under faults", () => {
  it(`seeds ${FIRST}…${FIRST + SEEDS - 1} hold every invariant, light faults and heavy, the first tenth with a quota of 400`, async () => {
    const limit = pLimit(CORES);
    const parts = GROUPS.flatMap((group) => {
      const share = Math.ceil(group.seeds / (3 * CORES));
      const end = group.first + group.seeds;
      return Array.from({ length: 3 * CORES }, (_, i) => group.first + i * share)
        .filter((first) => first < end)
        .map((first) => limit(() => seeds(group, first, Math.min(share, end - first))));
    });
    expect((await Promise.all(parts)).filter(Boolean).join("\n")).toBe("");
  }, 900_000);
});
