/**
 * Many seeds of the whole pipeline under faults (scripts/sim): every invariant holds for each.
 * SIM_SEEDS sets how many per fault level; they run in one `npm run sim` process per half, two at
 * a time, so both cores work. The pre-release run is `npm run sim -- --seeds 1000 --readers 100000`.
 */
import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import pLimit from "p-limit";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const SEEDS = Number(process.env.SIM_SEEDS ?? 40);
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
    const limit = pLimit(Math.max(2, availableParallelism()));
    const half = Math.ceil(SEEDS / 2);
    const parts = (["light", "heavy"] as const).flatMap((faults) =>
      [
        [FIRST, half],
        [FIRST + half, SEEDS - half],
      ]
        .filter(([, count]) => (count as number) > 0)
        .map(([first, count]) => limit(() => seeds(faults, first as number, count as number))),
    );
    expect((await Promise.all(parts)).filter(Boolean).join("\n")).toBe("");
  }, 900_000);
});
