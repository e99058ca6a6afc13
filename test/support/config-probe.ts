/**
 * Runs in a child process with the environment under test (SST caches links once per process):
 * calls each config getter named on the command line and prints what it returned or threw.
 */
import * as config from "../../functions/config.js";

const results: Record<string, { value?: unknown; error?: string }> = {};
for (const name of process.argv.slice(2)) {
  try {
    results[name] = { value: (config as unknown as Record<string, () => unknown>)[name]?.() };
  } catch (error) {
    results[name] = { error: (error as Error).message };
  }
}
process.stdout.write(JSON.stringify(results));
