/**
 * Runs a script's `main(argv)` in this process, as its command line would (exit code, what it
 * prints to stdout and stderr), with some environment variables set for the call. Spawning
 * `npx tsx` per case cost about a second each.
 */
import { format } from "node:util";
import { vi } from "vitest";

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runMain(
  main: (argv: string[]) => number | Promise<number>,
  argv: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const spies = [
    vi.spyOn(console, "log").mockImplementation((...a) => void out.push(format(...a))),
    vi.spyOn(console, "info").mockImplementation((...a) => void out.push(format(...a))),
    vi.spyOn(console, "error").mockImplementation((...a) => void err.push(format(...a))),
    vi.spyOn(console, "warn").mockImplementation((...a) => void err.push(format(...a))),
  ];
  try {
    const status = await main(argv);
    return {
      status,
      stdout: out.map((l) => `${l}\n`).join(""),
      stderr: err.map((l) => `${l}\n`).join(""),
    };
  } finally {
    for (const spy of spies) spy.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
