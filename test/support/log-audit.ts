/**
 * Every test file's log lines, read: the Lambdas' structured log (Powertools' JSON lines) is
 * taken off stdout and stderr as it is written, and after the file's tests each line is checked
 * for an email address, a link token, and any text a test forbade (a reader's name). A line that
 * carries one fails the file. Loaded for every file (vitest.config.ts setupFiles); the integration
 * and browser stacks log at DEBUG, so every line they can write is read.
 */
import { afterAll, expect } from "vitest";
import { redact } from "../../functions/core/redact.js";

/** One record per process, however often this file is loaded (the fast config shares workers). */
type AuditState = { lines: string[]; forbidden: Set<string>; tapped: boolean };
const shared = globalThis as { __logAudit?: AuditState };
shared.__logAudit ??= { lines: [], forbidden: new Set(), tapped: false };
const state = shared.__logAudit;
const { lines, forbidden } = state;

/** Text no log line may hold (a reader's first name, say). */
export function forbidInLogs(...texts: string[]): void {
  for (const text of texts) forbidden.add(text);
}

/** Every structured log line of this file so far. */
export const loggedLines = (): readonly string[] => lines;

function tap(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : "";
    const ours = text.split("\n").filter((line) => line.startsWith('{"level":'));
    if (ours.length === 0) return write(chunk, ...rest);
    lines.push(...ours);
    const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof stream.write;
}

if (!state.tapped) {
  state.tapped = true;
  tap(process.stdout);
  tap(process.stderr);
}

afterAll(() => {
  const leaks = lines.filter(
    (line) => redact(line) !== line || [...forbidden].some((text) => line.includes(text)),
  );
  lines.length = 0;
  forbidden.clear();
  expect(leaks, "log lines that carry an address, a token or a name").toEqual([]);
});
