/**
 * Bundles a Lambda entry the way SST does (esbuild, ESM, node22, minified, AWS SDK included) and
 * reports its size and which build-time-only packages leaked into it.
 */
import path from "node:path";
import { build } from "esbuild";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Packages that belong to the content build only and must never reach a Lambda. */
export const BUILD_ONLY = /node_modules\/(mjml[^/]*|gray-matter|marked|html-to-text|js-yaml)\//;

export interface BundleInfo {
  entry: string;
  bytes: number;
  /** Input files matching BUILD_ONLY. */
  leaked: string[];
  /** Bytes per top-level package (or "own code"), largest first. */
  breakdown: [string, number][];
}

export async function bundleLambda(entry: string): Promise<BundleInfo> {
  const result = await build({
    entryPoints: [path.join(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
    // CommonJS dependencies (the SDK) need require() in an ESM bundle, as SST's banner provides.
    banner: {
      js: "import { createRequire as topLevelCreateRequire } from 'module'; const require = topLevelCreateRequire(import.meta.url);",
    },
  });
  const output = Object.values(result.metafile.outputs)[0];
  const bytes = result.outputFiles.reduce((n, f) => n + f.contents.byteLength, 0);
  const leaked = Object.keys(result.metafile.inputs).filter((file) => BUILD_ONLY.test(file));
  const byPackage = new Map<string, number>();
  for (const [file, info] of Object.entries(output?.inputs ?? {})) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m?.[1] ?? (file.includes("generated/") ? "generated content" : "own code");
    byPackage.set(key, (byPackage.get(key) ?? 0) + info.bytesInOutput);
  }
  const breakdown = [...byPackage].sort((a, b) => b[1] - a[1]);
  return { entry, bytes, leaked, breakdown };
}

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
