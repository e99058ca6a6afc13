/** The CLI calls the graph harness answers for SST's components: a build fails as a deploy's would. */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRpc } from "../../scripts/infra/graph/rpc.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
let out: string;
let rpc: Awaited<ReturnType<typeof startRpc>>;

async function call(method: string, args: unknown) {
  const response = await fetch(`${rpc.url}/rpc`, {
    method: "POST",
    body: JSON.stringify({ jsonrpc: "1.0", method, params: [args] }),
  });
  return (await response.json()) as { result?: Record<string, unknown>; error?: string };
}

beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), "graph-rpc-"));
  rpc = await startRpc({ root: ROOT, out });
});
afterAll(async () => {
  await rpc.close();
  await rm(out, { recursive: true, force: true });
});

describe("Runtime.Build", () => {
  it("bundles an existing handler where SST's node runtime puts it", async () => {
    const { result, error } = await call("Runtime.Build", {
      functionID: "Pause",
      handler: "functions/events/pause-sending.handler",
      runtime: "nodejs24.x",
      properties: { format: "esm", minify: true },
    });
    expect(error).toBeUndefined();
    expect(result?.handler).toBe("functions/events/pause-sending.handler");
    expect(await readdir(path.join(String(result?.out), "functions/events"))).toContain(
      "pause-sending.mjs",
    );
    expect(rpc.built.map((b) => b.name)).toContain("Pause");
  });

  it("fails for a handler that does not exist, as a deploy would", async () => {
    const { error } = await call("Runtime.Build", {
      functionID: "Ghost",
      handler: "functions/events/ghost.handler",
      runtime: "nodejs24.x",
    });
    expect(error).toMatch(/Handler not found: functions\/events\/ghost\.handler/);
  });

  it("answers an unknown method as SST's CLI does", async () => {
    expect((await call("Provider.Nope", {})).error).toMatch(/^rpc: can't find/);
  });
});
