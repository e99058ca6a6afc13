/**
 * `npm run new-tip -- "Title" [--dir <tips dir>]`: scaffolds content/tips/<slug>.md
 * (compiler/scaffold.ts) and says what to do next.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_TIPS_DIR } from "../compiler/paths.js";
import { createTip } from "../compiler/scaffold.js";
import { runWhenExecuted } from "./cli.js";

export function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { dir: { type: "string", default: DEFAULT_TIPS_DIR } },
    strict: true,
  });
  const title = positionals.join(" ").trim();
  if (title === "") {
    console.error('usage: npm run new-tip -- "Title of the tip" [--dir <tips dir>]');
    return 1;
  }
  const created = createTip(path.resolve(values.dir), title);
  if ("error" in created) {
    console.error(created.error);
    return 1;
  }
  const shown = path.relative(process.cwd(), created.file) || created.file;
  console.log(`created ${shown} (order ${created.order})`);
  console.log(
    `next: replace its TODOs, then npm run studio (live preview) or npm run preview -- ${created.slug}, and npm run check`,
  );
  return 0;
}

runWhenExecuted(import.meta.url, async (argv) => main(argv));
