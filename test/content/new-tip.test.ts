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
import { slugify } from "../../compiler/scaffold.js";
import { main } from "../../scripts/new-tip.js";
import { runMain } from "../support/cli.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const run = (...args: string[]) => runMain(main, args);

describe("new-tip", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "new-tip-"));
    // Two fixture tips without cross-links, so the directory is valid on its own.
    for (const name of ["why-runners-should-lift.md", "every-step-lands-hard.md"]) {
      copyFileSync(path.join(ROOT, "test/fixtures/tips/studio", name), path.join(dir, name));
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("scaffolds a tip with the next free order, which the check rejects until its TODOs are written", async () => {
    const result = await run("Hip thrusts for hills", "--dir", dir);
    expect(result.status, result.stderr).toBe(0);
    const file = path.join(dir, "hip-thrusts-for-hills.md");
    const source = readFileSync(file, "utf8");
    expect(source).toContain("slug: hip-thrusts-for-hills\n");
    expect(source).toContain("order: 3\n");
    expect(source).toContain('title: "Hip thrusts for hills"\n');
    // Its own date, so the feed dates it to the day it was written, not the launch.
    expect(source).toContain(`publishedAt: ${new Date().toISOString().slice(0, 10)}\n`);
    const emailsDir = path.join(ROOT, "emails");
    const untouched = await checkContent({ tipsDir: dir, emailsDir });
    expect(untouched.bundle).toBeUndefined();
    const todoLines = source
      .split("\n")
      .flatMap((line, i) => (line.includes("TODO") ? [i + 1] : []));
    expect(todoLines.length).toBeGreaterThanOrEqual(2);
    expect(untouched.problems.map((p) => [p.file, p.line, p.message])).toEqual(
      todoLines.map((line) => [file, line, 'placeholder "TODO" left in the tip']),
    );
    // Once the editor has written the tip, it builds.
    writeFileSync(file, source.replace(/TODO:?/g, "Done."));
    const written = await checkContent({ tipsDir: dir, emailsDir });
    expect(written.problems).toEqual([]);
    expect(written.bundle?.tips.map((t) => t.slug)).toContain("hip-thrusts-for-hills");
    const inArchive = written.bundle?.archive.find((t) => t.slug === "hip-thrusts-for-hills");
    expect(inArchive?.publishedAt).toBe(new Date().toISOString().slice(0, 10));
  });

  it("takes the highest order + 1, not the count", async () => {
    writeFileSync(
      path.join(dir, "far-ahead.md"),
      "---\ntitle: Far ahead\nslug: far-ahead\norder: 40\nsummary: S.\ntags: [x]\n---\n\nBody.\n",
    );
    expect((await run("Next one", "--dir", dir)).status).toBe(0);
    expect(readFileSync(path.join(dir, "next-one.md"), "utf8")).toContain("order: 41\n");
  });

  it("refuses to overwrite an existing tip", async () => {
    const file = path.join(dir, "why-runners-should-lift.md");
    const before = readFileSync(file, "utf8");
    const result = await run("Why runners should lift", "--dir", dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("already exists");
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it.each([[""], ["   "], ["!!!"], ["A title with {{first_name}}"]])(
    "refuses the title %j",
    async (title) => {
      const result = await run(title, "--dir", dir);
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
