/**
 * Many seeds of the whole pipeline under faults (scripts/sim): every invariant holds for each.
 * SIM_SEEDS sets how many per fault level (100: 200 in all); each level's seeds are split into one
 * `npm run sim` process per core, as many at a time as there are cores. The pre-release run is
 * `npm run sim -- --seeds 1000 --readers 100000`.
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

/** Seeds `first` … `first + count − 1` in one process: its failure report, or "" when all hold. */
async function seeds(faults: string, first: number, count: number): Promise<string> {
  const args = ["--import", "tsx", "scripts/sim.ts", "--quiet", "--faults", faults];
  const range = ["--seed", String(first), "--seeds", String(count)];
  return run(process.execPath, [...args, ...range], { maxBuffer: 16 * 1024 * 1024 }).then(
    () => "",
    (error: { code?: number; stdout?: string; stderr?: string }) => {
      const out = error.stdout ?? "";
      const violation = out.indexOf("VIOLATION seed");
      return `${faults} ${first}+${count}: exit ${error.code}\n${violation >= 0 ? out.slice(violation) : out.slice(-4000)}${error.stderr ?? ""}`;
    },
  );
}

describe("2,000 readers × 6 weeks under faults", () => {
  it(`seeds ${FIRST}…${FIRST + SEEDS - 1} hold every invariant, light faults and heavy`, async () => {
    const limit = pLimit(CORES);
    const share = Math.ceil(SEEDS / CORES);
    const parts = (["light", "heavy"] as const).flatMap((faults) =>
      Array.from({ length: CORES }, (_, i) => FIRST + i * share)
        .filter((first) => first < FIRST + SEEDS)
        .map((first) => limit(() => seeds(faults, first, Math.min(share, FIRST + SEEDS - first)))),
    );
    expect((await Promise.all(parts)).filter(Boolean).join("\n")).toBe("");
  }, 900_000);
});
