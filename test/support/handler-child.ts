/**
 * Runs one Lambda handler in a process of its own, as AWS would: only the links its function
 * was deployed with (from the evaluated graph), recording which of them the code reads. Input:
 * JSON in argv[2] ({ file, links, events, snsCertificate?, at? }); output: JSON on fd 3
 * ({ linksRead, results } or { error, linksRead }). With `at`, the process's clock starts at that
 * instant and runs on from it, as a Lambda invoked then would see it; with `remainingMs`, each
 * invocation's context says that much of its time limit is left.
 */
import { createWriteStream } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

interface Input {
  file: string;
  links: Record<string, unknown>;
  events: unknown[];
  /** Served for https://sns.… certificate URLs (nothing leaves loopback). */
  snsCertificate?: string;
  /** ISO instant the clock starts at (a scheduled invocation in the future). */
  at?: string;
  /** What each invocation's context says is left of its time limit (ms); unset: no context. */
  remainingMs?: number;
}

const input = JSON.parse(process.argv[2] ?? "{}") as Input;

if (input.at) {
  const RealDate = Date;
  const offset = RealDate.parse(input.at) - RealDate.now();
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...(args as [string]));
    }
    static override now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}
const read = new Set<string>();
const raw: Record<string, unknown> = {
  App: { name: "strength-tips", stage: "test" },
  ...input.links,
};
// sst/resource keeps its links in globalThis.__SST_RESOURCE_RAW__ (created on first import).
(globalThis as Record<string, unknown>).__SST_RESOURCE_RAW__ = new Proxy(raw, {
  get(target, prop) {
    if (typeof prop === "string" && prop !== "App" && prop in target) read.add(prop);
    return Reflect.get(target, prop);
  },
  has(target, prop) {
    if (typeof prop === "string" && prop !== "App" && prop in target) read.add(prop);
    return Reflect.has(target, prop);
  },
});

if (input.snsCertificate) {
  const realFetch = globalThis.fetch;
  const certificate = input.snsCertificate;
  globalThis.fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    const href = url instanceof Request ? url.url : String(url);
    if (/^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com\//.test(href)) {
      return new Response(certificate, { status: 200 });
    }
    return realFetch(url, init);
  }) as typeof fetch;
}

const out = createWriteStream("", { fd: 3 });
try {
  const module = (await import(pathToFileURL(path.resolve(input.file)).href)) as {
    handler: (event: unknown, context?: unknown) => Promise<unknown>;
  };
  const results: unknown[] = [];
  for (const event of input.events) {
    const { remainingMs } = input;
    const deadline = Date.now() + (remainingMs ?? 0);
    const context =
      remainingMs === undefined
        ? undefined
        : { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
    results.push(await module.handler(event, context));
  }
  out.end(JSON.stringify({ linksRead: [...read].sort(), results }));
} catch (error) {
  out.end(JSON.stringify({ linksRead: [...read].sort(), error: (error as Error).stack }));
}
out.on("finish", () => process.exit(0));
