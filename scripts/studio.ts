/**
 * `npm run studio [-- --port 3801 --tips <dir> --emails <dir>]`: the editor's studio on
 * 127.0.0.1, a live preview of every tip and email that updates when a file is saved
 * (studio/server.ts). Ctrl-C stops it.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_EMAILS_DIR, DEFAULT_TIPS_DIR, REPO_ROOT } from "../compiler/paths.js";
import { isTemplateWarning } from "../compiler/report.js";
import { startStudio } from "../studio/server.js";
import { runWhenExecuted } from "./cli.js";

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", default: "3800" },
      tips: { type: "string", default: DEFAULT_TIPS_DIR },
      emails: { type: "string", default: DEFAULT_EMAILS_DIR },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("--port must be a port number, e.g. --port 3801");
    return 2;
  }
  let studio: Awaited<ReturnType<typeof startStudio>>;
  try {
    studio = await startStudio({
      tipsDir: path.resolve(values.tips),
      emailsDir: path.resolve(values.emails),
      port,
      root: REPO_ROOT,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      console.error(`port ${port} is taken: choose another with --port, e.g. --port ${port + 1}`);
      return 1;
    }
    throw error;
  }
  const { result } = studio.state;
  // As `npm run check` counts them: the templates' email-client notes are not the tips' warnings.
  const warnings = result.warnings.filter((w) => !isTemplateWarning(w)).length;
  console.log(
    `studio: ${studio.url}  (${result.reports.length} tips, ${result.problems.length} errors, ${warnings} warnings; Ctrl-C stops it)`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await studio.close();
  return 0;
}

runWhenExecuted(import.meta.url, main);
