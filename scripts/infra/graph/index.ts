/**
 * The evaluated infrastructure graph of a stage (see ./evaluate.ts), each evaluation in a child
 * process. Used by `npm run infra:graph` and test/infra.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import type { EvaluateOptions, Graph } from "./evaluate.js";

export type { EvaluateOptions, Graph, GraphResource } from "./evaluate.js";

const WORKER = path.join(import.meta.dirname, "worker.ts");
const TSX = path.resolve(import.meta.dirname, "../../../node_modules/tsx/dist/esm/index.mjs");

/** Evaluates the stage; the program's own output goes to `log` (stderr by default). */
export function evaluateGraph(
  options: EvaluateOptions,
  log: "inherit" | "ignore" = "inherit",
): Promise<Graph> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX, WORKER, JSON.stringify(options)], {
      stdio: ["ignore", log === "inherit" ? 2 : "ignore", log === "inherit" ? 2 : "ignore", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "--no-deprecation" },
    });
    let data = "";
    child.stdio[3]?.on("data", (chunk) => {
      data += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        const result = JSON.parse(data) as { graph?: Graph; error?: string };
        if (result.graph) resolve(result.graph);
        else reject(new Error(result.error ?? `evaluation failed (exit ${code})`));
      } catch {
        reject(
          new Error(`evaluation of stage ${options.stage} ended without a graph (exit ${code})`),
        );
      }
    });
  });
}
