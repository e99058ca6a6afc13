/** A studio on a random loopback port over a temporary copy of two fixture tips. */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Studio, startStudio } from "../../studio/server.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const TIPS = ["why-runners-should-lift.md", "every-step-lands-hard.md"];

export interface StudioFixture {
  studio: Studio;
  dir: string;
  log: string[];
  stop(): Promise<void>;
}

export async function startFixtureStudio(): Promise<StudioFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), "studio-"));
  for (const name of TIPS) {
    copyFileSync(path.join(ROOT, "test/fixtures/tips/studio", name), path.join(dir, name));
  }
  const log: string[] = [];
  const studio = await startStudio({
    tipsDir: dir,
    emailsDir: path.join(ROOT, "emails"),
    port: 0,
    root: dir,
    log: (line) => log.push(line),
  });
  return {
    studio,
    dir,
    log,
    stop: async () => {
      await studio.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every file name and content in a folder, to compare before and after. */
export function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((name) => statSync(path.join(dir, name)).isFile())
      .sort()
      .map((name) => [name, readFileSync(path.join(dir, name), "utf8")]),
  );
}
