/**
 * zod for the Lambdas: `zod/mini`, the functional, tree-shakable build of zod 4
 * (`z.string().check(z.minLength(1))`, `z.optional(…)`, `z.pipe(…)`), instead of the full `zod`
 * whose `import { z }` pulls every method and every locale into each bundle.
 *
 * zod/mini has no error messages of its own (every issue reads "Invalid input"), so this module
 * loads the English ones, the same messages the full `zod` gives, for the logs and config errors.
 * Import zod from here, never from "zod/mini" directly: `import * as z from "./zod.js"`.
 * Build-time code (scripts/) keeps the full zod.
 */
import { en } from "zod/locales";
import { config } from "zod/mini";

config(en());

export * from "zod/mini";
