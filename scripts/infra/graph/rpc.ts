/**
 * The calls SST's components make to its CLI (`SST_SERVER`, JSON-RPC over HTTP), answered here:
 * Runtime.Build bundles the handler with esbuild as a deploy does, so a handler that does not
 * exist fails the evaluation; Provider.Aws.Bootstrap names the asset bucket. Loopback only.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import * as esbuild from "esbuild";

interface BuildInput {
  functionID: string;
  handler: string;
  runtime: string;
  links?: Record<string, unknown>;
  properties?: {
    format?: "esm" | "cjs";
    minify?: boolean;
    esbuild?: { external?: string[] };
    architecture?: string;
  };
}

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

/** Runtime.Build: the handler's bundle, laid out as SST's node runtime lays it out. */
async function build(root: string, out: string, input: BuildInput) {
  const ext = path.extname(input.handler);
  const base = input.handler.slice(0, -ext.length);
  const file = EXTENSIONS.map((e) => path.join(root, base + e)).find((f) => existsSync(f));
  if (!file) throw new Error(`Handler not found: ${input.handler}`);
  const rel = path.relative(root, file);
  const name = path.join(
    path.dirname(rel),
    path.basename(rel, path.extname(rel)).replaceAll(".", "-"),
  );
  const cjs = input.properties?.format === "cjs";
  const dir = path.join(out, "artifacts", input.functionID);
  const result = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    platform: "node",
    format: cjs ? "cjs" : "esm",
    target: `node${input.runtime.replace(/^nodejs(\d+).*$/, "$1")}`,
    minify: input.properties?.minify ?? true,
    external: input.properties?.esbuild?.external ?? [],
    outfile: path.join(dir, name + (cjs ? ".cjs" : ".mjs")),
    logLevel: "silent",
    ...(cjs
      ? {}
      : {
          banner: {
            js: `import { createRequire as topLevelCreateRequire } from 'module';\nconst require = topLevelCreateRequire(import.meta.url);`,
          },
        }),
  });
  return {
    handler: name + ext,
    out: dir,
    errors: result.errors.map((e) => e.text),
    sourcemaps: [],
  };
}

/** A function as SST built it: its handler and the values of its links. */
export interface BuiltFunction {
  name: string;
  handler: string;
  runtime: string;
  links: Record<string, unknown>;
}

export async function startRpc({ root, out }: { root: string; out: string }) {
  const built: BuiltFunction[] = [];
  const methods: Record<string, (args: never) => Promise<unknown>> = {
    "Runtime.Build": async (args: BuildInput) => {
      const result = await build(root, out, args);
      built.push({
        name: args.functionID,
        handler: args.handler,
        runtime: args.runtime,
        links: args.links ?? {},
      });
      return result;
    },
    "Runtime.AddTarget": async () => ({}),
    "Provider.Aws.Bootstrap": async ({ region }: { region: string }) => ({
      asset: `sst-asset-graph-${region}`,
      assetEcrRegistryId: "123456789012",
      assetEcrUrl: `123456789012.dkr.ecr.${region}.amazonaws.com/sst-asset`,
      state: `sst-state-graph-${region}`,
      appsyncHttp: "",
      appsyncRealtime: "",
    }),
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", async () => {
      const { method, params } = JSON.parse(body) as { method: string; params: [never] };
      const handle = methods[method];
      let reply: { result?: unknown; error?: string };
      if (!handle) {
        reply = { error: `rpc: can't find method ${method}` };
      } else {
        try {
          reply = { result: await handle(params[0]) };
        } catch (error) {
          reply = { error: (error as Error).message };
        }
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    built,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
