import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkContent } from "../../compiler/check.js";
import { slugify } from "../../scripts/new-tip.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const run = (...args: string[]) =>
  spawnSync("npx", ["tsx", "scripts/new-tip.ts", ...args], { cwd: ROOT, encoding: "utf8" });

describe("new-tip", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "new-tip-"));
    // Two real tips without cross-links, so the directory is valid on its own.
    for (const name of ["why-runners-should-lift.md", "every-step-lands-hard.md"]) {
      copyFileSync(path.join(ROOT, "content/tips", name), path.join(dir, name));
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("scaffolds a tip with the next free order that passes the check", async () => {
    const result = run("Hip thrusts for hills", "--dir", dir);
    expect(result.status, result.stderr).toBe(0);
    const file = path.join(dir, "hip-thrusts-for-hills.md");
    const source = readFileSync(file, "utf8");
    expect(source).toContain("slug: hip-thrusts-for-hills\n");
    expect(source).toContain("order: 3\n");
    expect(source).toContain('title: "Hip thrusts for hills"\n');
    const check = await checkContent({ tipsDir: dir, emailsDir: path.join(ROOT, "emails") });
    expect(check.problems).toEqual([]);
    expect(check.bundle?.tips.map((t) => t.slug)).toContain("hip-thrusts-for-hills");
  });

  it("takes the highest order + 1, not the count", () => {
    writeFileSync(
      path.join(dir, "far-ahead.md"),
      "---\ntitle: Far ahead\nslug: far-ahead\norder: 40\nsummary: S.\ntags: [x]\n---\n\nBody.\n",
    );
    expect(run("Next one", "--dir", dir).status).toBe(0);
    expect(readFileSync(path.join(dir, "next-one.md"), "utf8")).toContain("order: 41\n");
  });

  it("refuses to overwrite an existing tip", () => {
    const file = path.join(dir, "why-runners-should-lift.md");
    const before = readFileSync(file, "utf8");
    const result = run("Why runners should lift", "--dir", dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("already exists");
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it.each([[""], ["   "], ["!!!"], ["A title with {{first_name}}"]])(
    "refuses the title %j",
    (title) => {
      const result = run(title, "--dir", dir);
      expect(result.status).toBe(1);
      expect(readdirSync(dir).sort()).toEqual([
        "every-step-lands-hard.md",
        "why-runners-should-lift.md",
      ]);
    },
  );
});

describe("slugify", () => {
  it.each([
    ["Squats: the foundation move", "squats-the-foundation-move"],
    ["Runner's guide to Ümlauts & more", "runners-guide-to-umlauts-more"],
    ["  --Hops!!  ", "hops"],
    ["Lift 2x heavier", "lift-2x-heavier"],
  ])("%s → %s", (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });
});
