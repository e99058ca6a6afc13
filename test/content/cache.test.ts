/**
 * The compiler's cache of checked tips (compiler/cache.ts, used by check.ts): a second check of
 * unchanged content gives the same result, and any change a tip's result depends on (its bytes,
 * the tips beside it, the template) gives a fresh one.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkContent } from "../../compiler/check.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EMAILS = path.join(ROOT, "emails");
let dir: string;
let cache: string;
const saved = {
  on: process.env.CONTENT_REPORT_CACHE,
  dir: process.env.CONTENT_CACHE_DIR,
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "cache-tips-"));
  cache = mkdtempSync(path.join(tmpdir(), "cache-dir-"));
  for (const name of ["linking.md", "target.md"]) {
    copyFileSync(path.join(ROOT, "test/fixtures/tips/valid-links", name), path.join(dir, name));
  }
  process.env.CONTENT_REPORT_CACHE = "on";
  process.env.CONTENT_CACHE_DIR = cache;
});

afterAll(() => {
  for (const [key, value] of [
    ["CONTENT_REPORT_CACHE", saved.on],
    ["CONTENT_CACHE_DIR", saved.dir],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

const check = () => checkContent({ tipsDir: dir, emailsDir: EMAILS });
const entries = () => readdirSync(cache).filter((f) => f.endsWith(".json")).length;

describe("the cache of checked tips", () => {
  it("gives the same result for unchanged content, from the entries it wrote", async () => {
    const first = await check();
    const written = entries();
    expect(written).toBeGreaterThanOrEqual(2);
    const second = await check();
    expect(entries()).toBe(written);
    expect(second.problems).toEqual(first.problems);
    expect(second.warnings).toEqual(first.warnings);
    expect(second.bundle).toEqual(first.bundle);
  });

  it("re-checks a tip whose bytes changed", async () => {
    const file = path.join(dir, "target.md");
    writeFileSync(
      file,
      "---\ntitle: Fixture target\nslug: target\norder: 2\nsummary: A fixture tip.\ntags: [fixture]\n---\n\nTODO: target body.\n",
    );
    const { problems } = await check();
    expect(problems).toContainEqual(
      expect.objectContaining({ file, line: 9, message: 'placeholder "TODO" left in the tip' }),
    );
  });

  it("re-checks a tip when the tips beside it change (its links)", async () => {
    rmSync(path.join(dir, "target.md"));
    const { problems } = await check();
    expect(problems.map((p) => p.message)).toContainEqual(
      expect.stringContaining('broken link "./target.md"'),
    );
  });
});
