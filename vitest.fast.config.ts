/**
 * `npm run test:fast`: the unit tests and the contract suites on the in-memory adapters, in a
 * few seconds. No stand-ins, no browser, no child processes: `npm test` runs those too.
 */
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  test: {
    ...base.test,
    include: [
      "test/core/**/*.test.ts",
      "test/http/**/*.test.ts",
      "test/studio/**/*.test.ts",
      "test/content/{cache,check,compile,new-tip,text}.test.ts",
      "test/adapters/{store.memory,queue,ses-answers,sending-switch}.test.ts",
    ],
    // One module graph per worker, not one per file: these files share no process state. A file
    // that replaces a module (vi.mock) would replace it for the others too: it runs in npm test.
    exclude: ["test/http/brand.test.ts"],
    isolate: false,
  },
});
