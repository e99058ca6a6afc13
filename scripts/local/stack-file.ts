/**
 * Where a running `npm start` is: it writes its endpoints to .data/local-stack.json (gitignored)
 * and removes the file when it stops, so `npm run send` and `npm run check` find it on whatever
 * ports it was given. A file left by a stack that died is ignored (its pid is gone).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const FILE = path.resolve(import.meta.dirname, "../../.data/local-stack.json");

export interface StackEndpoints {
  baseUrl: string;
  dynamoEndpoint: string;
  sesEndpoint: string;
  /** Fingerprints of the keys the stack signs links and hashes addresses with (never the keys). */
  keys?: StackKeys;
}

export interface StackKeys {
  token: string;
  id: string;
}

/** A key's fingerprint: enough to tell two keys apart, nothing to sign with. */
export const keyFingerprint = (key: string) =>
  createHash("sha256").update(key).digest("hex").slice(0, 16);

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Whether two endpoint URLs name the same server (loopback names alike, a trailing slash aside). */
function sameEndpoint(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  try {
    const [x, y] = [new URL(a), new URL(b)];
    const host = (url: URL) => (LOOPBACK.has(url.hostname) ? "loopback" : url.hostname);
    return host(x) === host(y) && x.port === y.port && x.protocol === y.protocol;
  } catch {
    return a === b;
  }
}

/**
 * Why a command with these keys must not work on the running stack, or undefined: links it signs
 * with another token keyring fail there, and addresses it hashes with another id key find nobody.
 */
export function keysMismatch(
  running: StackEndpoints | undefined,
  mine: { tokenKeys: string; idKey: string },
  /** The DynamoDB endpoint this command works on: another stack's keys are not its concern. */
  endpoint: string | undefined,
): string | undefined {
  if (!running?.keys || !sameEndpoint(running.dynamoEndpoint, endpoint)) return undefined;
  const differ = [
    ...(running.keys.token !== keyFingerprint(mine.tokenKeys) ? ["TOKEN_KEYS"] : []),
    ...(running.keys.id !== keyFingerprint(mine.idKey) ? ["ID_KEY"] : []),
  ];
  if (differ.length === 0) return undefined;
  return `The running \`npm start\` uses other keys than this command (${differ.join(" and ")}): run it with the same TOKEN_KEYS and ID_KEY as \`npm start\`, or neither.`;
}

export function writeStackFile(endpoints: StackEndpoints, file = FILE): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...endpoints, pid: process.pid }, null, 2)}\n`);
}

/** Removes the file if this process wrote it (another stack's record stays). */
export function removeStackFile(file = FILE): void {
  try {
    const found = JSON.parse(readFileSync(file, "utf8")) as { pid?: number };
    if (found.pid === process.pid) rmSync(file, { force: true });
  } catch {
    // No file, or not ours to judge: leave it.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The endpoints of the running `npm start`, or undefined when none is running. */
export function readStackFile(file = FILE): (StackEndpoints & { pid: number }) | undefined {
  try {
    const found = JSON.parse(readFileSync(file, "utf8")) as StackEndpoints & { pid: number };
    return Number.isInteger(found.pid) && alive(found.pid) ? found : undefined;
  } catch {
    return undefined;
  }
}
