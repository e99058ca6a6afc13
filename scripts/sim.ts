/**
 * `npm run sim`: bundles the simulation's command (scripts/sim/cli.ts) with esbuild and runs it.
 * Bundled, a seed costs a tenth to a fifth less CPU than through tsx's loader. The bundle is kept
 * under node_modules/.cache/sim, named by its content, so runs at once share it and never
 * half-read one.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(import.meta.dirname, "..");
const CACHE = path.join(ROOT, "node_modules/.cache/sim");

const { outputFiles } = await build({
  entryPoints: [path.join(ROOT, "scripts/sim/cli.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  packages: "external",
  write: false,
  outfile: path.join(CACHE, "cli.mjs"),
  logLevel: "warning",
});
const code = (outputFiles[0] as { contents: Uint8Array }).contents;
const name = `cli-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`;

/** The bundle's path, written if new; undefined when the cache cannot be written. */
async function cached(): Promise<string | undefined> {
  const file = path.join(CACHE, name);
  try {
    await mkdir(CACHE, { recursive: true });
    if (!(await stat(file).catch(() => undefined))) {
      await writeFile(`${file}.${process.pid}`, code);
      await rename(`${file}.${process.pid}`, file);
    }
    // Bundles of other versions of the code go once a day old.
    for (const other of await readdir(CACHE)) {
      const { mtimeMs } = await stat(path.join(CACHE, other)).catch(() => ({ mtimeMs: 0 }));
      if (other !== name && mtimeMs > 0 && Date.now() - mtimeMs > 86_400_000) {
        await rm(path.join(CACHE, other), { force: true });
      }
    }
    return file;
  } catch {
    return undefined;
  }
}

const file = await cached();
// A read-only node_modules: the command runs unbundled, through tsx.
await import(file ? pathToFileURL(file).href : "./sim/cli.js");
