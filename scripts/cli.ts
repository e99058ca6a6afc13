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

/** How close together two Ctrl-C signals count as one. */
const SAME_SIGNAL_MS = 1000;

/**
 * Calls `stop` on Ctrl-C (SIGINT), once. One Ctrl-C in a terminal often arrives twice: the
 * terminal signals the whole foreground process group, and `tsx` (what `npm run` starts) relays
 * the signal to this process as well. A second one within a second is that echo and is ignored;
 * one later is the operator pressing again, and exits at once (130). Returns the unsubscribe.
 */
export function onInterrupt(stop: () => void): () => void {
  let first: number | undefined;
  const handler = () => {
    const now = Date.now();
    if (first === undefined) {
      first = now;
      stop();
    } else if (now - first > SAME_SIGNAL_MS) process.exit(130);
  };
  process.on("SIGINT", handler);
  return () => process.off("SIGINT", handler);
}

/** Whether `error` is a refused connection: nothing listens at the endpoint (no `npm start`). */
export function isRefused(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === "ECONNREFUSED" || /ECONNREFUSED/.test(String((error as Error)?.message));
}

/** What the operator's scripts say when the local stack's DynamoDB does not answer. */
export const NO_LOCAL_STACK =
  "Nothing answers at the local stack's DynamoDB endpoint: is `npm start` running?";
