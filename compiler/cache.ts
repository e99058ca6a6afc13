/**
 * A small on-disk cache for compiled templates, email-client results and checked tips. Loading
 * and running mjml (with its minifier) costs about two seconds, while the templates rarely
 * change; a check or build whose templates and tips are the same as last time reuses the results
 * and never loads mjml, or the Markdown and YAML libraries.
 *
 * The key covers everything a result depends on: its input (a template's expanded text, a tip's
 * bytes and context), the versions of the libraries involved, and the source of every compiler
 * file. Entries live outside the repository, in the OS temp directory, and a broken or missing
 * entry is simply recomputed.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/** Where the entries live; CONTENT_CACHE_DIR overrides it (the tests use their own). */
export function cacheDir(): string {
  return process.env.CONTENT_CACHE_DIR || path.join(tmpdir(), "strength-tips-compiler-cache");
}

/** The packages whose output is cached: a new version of any of them means new entries. */
const PACKAGES = [
  "mjml",
  "mjml-core",
  "htmlnano",
  "cssnano",
  "html-to-text",
  "@jsx-email/doiuse-email",
  "marked",
  "gray-matter",
  "yaml",
  "zod",
  "colord",
  "entities",
];

let salt: string | undefined;

/** Versions and compiler sources that every key includes. */
function keySalt(): string {
  if (salt !== undefined) return salt;
  const hash = createHash("sha256");
  for (const pkg of PACKAGES) hash.update(readFileSync(packageJson(pkg)));
  // Every file of the compiler, and the placeholder rules it checks templates against.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sources = readdirSync(here)
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => path.join(here, f));
  for (const file of [...sources, path.join(here, "../functions/core/fill.ts")]) {
    hash.update(file).update(readFileSync(file));
  }
  salt = hash.digest("hex");
  return salt;
}

/** A package's own package.json (found from its entry point: "exports" may not list it). */
function packageJson(pkg: string): string {
  let dir = path.dirname(require.resolve(pkg));
  for (;;) {
    const file = path.join(dir, "package.json");
    if (
      existsSync(file) &&
      (JSON.parse(readFileSync(file, "utf8")) as { name?: string }).name === pkg
    ) {
      return file;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json for ${pkg}`);
    dir = parent;
  }
}

export function cacheKey(...parts: string[]): string {
  const hash = createHash("sha256").update(keySalt());
  for (const part of parts) hash.update("\0").update(part);
  return hash.digest("hex");
}

export function readCache<T>(key: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path.join(cacheDir(), `${key}.json`), "utf8")) as T;
  } catch {
    return undefined;
  }
}

export function writeCache(key: string, value: unknown): void {
  try {
    const dir = cacheDir();
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${key}.json`);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(value));
    renameSync(temp, file);
  } catch {
    // A cache that cannot be written only costs time.
  }
}
