/**
 * One evaluation of sst.config.ts in a process of its own (SST's components keep per-process
 * state): options as JSON in argv[2], the graph as JSON on file descriptor 3. Anything the
 * program prints (the content build, SST's logs) goes to this process's stdout.
 */
import { createWriteStream } from "node:fs";
import { evaluateStack } from "./evaluate.js";

const out = createWriteStream("", { fd: 3 });
try {
  const graph = await evaluateStack(JSON.parse(process.argv[2] ?? "{}"));
  out.end(JSON.stringify({ graph }));
} catch (error) {
  out.end(JSON.stringify({ error: (error as Error).stack ?? String(error) }));
}
out.on("finish", () => process.exit(0));
