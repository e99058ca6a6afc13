/**
 * Runs a script's `main(argv)` when the file is executed (not when a test imports it): its result
 * is the exit code; an error prints its message (not a stack) and exits 1.
 */
import { pathToFileURL } from "node:url";

export function runWhenExecuted(
  moduleUrl: string,
  main: (argv: string[]) => Promise<number>,
): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
