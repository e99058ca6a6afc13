import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Reads every structured log line each file's code writes (addresses, tokens, names).
    setupFiles: ["test/support/log-audit.ts"],
    // Each test checks tips afresh (compiler/cache.ts keeps the compiled templates only);
    // test/content/cache.test.ts turns the tip cache on where it tests it.
    env: { CONTENT_REPORT_CACHE: "off" },
  },
});
