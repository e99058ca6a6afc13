/**
 * A Lambda entry bundled the way SST 4 deploys it, for test/bundle.test.ts and bench:send: our
 * options from infra/wiring.ts NODEJS_BUNDLE, the rest what SST's Node runtime always sets
 * (pkg/runtime/node/build.go in the SST repository).
 */
import path from "node:path";
import { build } from "esbuild";
import { NODEJS_BUNDLE } from "../infra/wiring.js";

const ROOT = path.resolve(import.meta.dirname, "..");

/** Packages that belong to the content build only and must never reach a Lambda. */
export const BUILD_ONLY = /node_modules\/(mjml[^/]*|gray-matter|marked|html-to-text|js-yaml)\//;

/** The AWS SDK and the packages only it uses (bundled: infra/wiring.ts NODEJS_BUNDLE). */
export const RUNTIME_SDK = /node_modules\/(@aws-sdk|@smithy|@aws-crypto)\//;

/** Always external in SST's Node builds (native modules). */
const SST_FORCED_EXTERNAL = ["sharp", "pg-native"];

/** SST's banner for ES module output. */
const SST_ESM_BANNER = [
  "import { createRequire as topLevelCreateRequire } from 'module';",
  "const require = topLevelCreateRequire(import.meta.url);",
  'import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"',
  "const __filename = topLevelFileUrlToPath(import.meta.url)",
  'const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))',
  "",
].join("\n");

export interface BundleInfo {
  entry: string;
  bytes: number;
  /** Input files matching BUILD_ONLY. */
  leaked: string[];
  /** Input files matching RUNTIME_SDK (the SDK is bundled: infra/wiring.ts NODEJS_BUNDLE). */
  sdkFiles: string[];
  /** Bytes per top-level package (or "own code"), largest first. */
  breakdown: [string, number][];
  /** The bundled code, when asked for (`write`). */
  code?: string;
}

export async function bundleLambda(
  entry: string,
  options: { write?: boolean } = {},
): Promise<BundleInfo> {
  const result = await build({
    entryPoints: [path.join(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    format: NODEJS_BUNDLE.format,
    target: "esnext",
    minify: NODEJS_BUNDLE.minify,
    keepNames: true,
    mainFields: ["module", "main"],
    external: [...SST_FORCED_EXTERNAL, ...NODEJS_BUNDLE.external],
    write: false,
    metafile: true,
    logLevel: "silent",
    banner: { js: SST_ESM_BANNER },
  });
  const output = Object.values(result.metafile.outputs)[0];
  const bytes = result.outputFiles.reduce((n, f) => n + f.contents.byteLength, 0);
  const inputs = Object.keys(result.metafile.inputs);
  const leaked = inputs.filter((file) => BUILD_ONLY.test(file));
  const sdkFiles = inputs.filter((file) => RUNTIME_SDK.test(file));
  const byPackage = new Map<string, number>();
  for (const [file, info] of Object.entries(output?.inputs ?? {})) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m?.[1] ?? (file.includes("generated/") ? "generated content" : "own code");
    byPackage.set(key, (byPackage.get(key) ?? 0) + info.bytesInOutput);
  }
  const breakdown = [...byPackage].sort((a, b) => b[1] - a[1]);
  const code = options.write ? result.outputFiles[0]?.text : undefined;
  return { entry, bytes, leaked, sdkFiles, breakdown, ...(code !== undefined ? { code } : {}) };
}

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
