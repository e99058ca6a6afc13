/**
 * Many seeds of the whole pipeline under faults (scripts/sim): every invariant holds for each.
 * SIM_SEEDS sets how many per fault level (the pre-release run is
 * `npm run sim -- --seeds 1000 --readers 100000`).
 */
import { describe, expect, it } from "vitest";
import { DEFAULTS, replayCommand, simulate } from "../../scripts/sim/run.js";

const SEEDS = Number(process.env.SIM_SEEDS ?? 4);

describe.each(["light", "heavy"] as const)("%s faults, 2,000 readers × 6 weeks", (faults) => {
  it.each(Array.from({ length: SEEDS }, (_, i) => 100 + i))(
    "seed %i holds every invariant",
    async (seed) => {
      const options = { ...DEFAULTS, faults, seed };
      const result = await simulate(options);
      const first = result.violations[0];
      const report = first
        ? `${first.invariant}: ${first.detail}\n${result.leadingTo(first).join("\n")}\n${replayCommand(options)}`
        : "";
      expect(report).toBe("");
    },
    120_000,
  );
});
