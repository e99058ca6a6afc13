/**
 * `npm run bench:content [-- --count 1000 --runs 5]`: what an editor waits for, printed, judged
 * nowhere: the content build of --count synthetic tips, per tip, and the studio re-rendering a
 * saved tip. The tips are written to a temporary folder. docs/performance.md has the figures.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { writeBundle } from "../compiler/bundle.js";
import { checkContent } from "../compiler/check.js";
import { DEFAULT_EMAILS_DIR } from "../compiler/paths.js";
import { startStudio } from "../studio/server.js";
import { runWhenExecuted } from "./cli.js";

const MOVES = ["squats", "lunges", "step-ups", "glute bridges", "calf raises", "planks", "hops"];

/** Tip number `i` of a synthetic set, about as long as a real tip, linking to the one before. */
export function syntheticTip(i: number): { name: string; source: string } {
  const slug = `synthetic-tip-${String(i).padStart(4, "0")}`;
  const move = MOVES[i % MOVES.length] as string;
  const prev = i > 1 ? `synthetic-tip-${String(i - 1).padStart(4, "0")}` : undefined;
  const paragraph = `Strength work builds tissue capacity so your bones, tendons and muscles cope with training. This paragraph about ${move} is synthetic filler for benchmark tip number ${i}, written to be about as long as a real tip's paragraph.`;
  const body = [
    `Welcome to synthetic tip ${i}. ${paragraph}`,
    `## How to do ${move}`,
    "1. Set up carefully and brace your middle.\n2. Lower slowly for a count of three.\n3. Drive back up with intent.",
    paragraph,
    `## Making it harder\n\n- **Add load** gradually.\n- **Go single-leg** when it gets easy.\n- Read more at [our site](https://example.com/tips/${slug}).`,
    prev ? `${paragraph} See also [the previous tip](./${prev}.md).` : paragraph,
    paragraph,
    `**This week:** do two sets of ${move} in your 20-minute session.`,
  ].join("\n\n");
  const source = `---
title: "Synthetic tip ${i}: ${move}"
slug: ${slug}
order: ${i}
summary: A synthetic summary for benchmark tip ${i} about ${move}.
tags: [benchmark, ${move.replace(/\s+/g, "-")}]
---

${body}
`;
  return { name: `${slug}.md`, source };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

function writeTips(dir: string, count: number): string {
  mkdirSync(dir);
  for (let i = 1; i <= count; i++) {
    const tip = syntheticTip(i);
    writeFileSync(path.join(dir, tip.name), tip.source);
  }
  return dir;
}

async function contentBuild(dir: string, count: number): Promise<string> {
  const tipsDir = writeTips(path.join(dir, "tips"), count);
  // The templates compiled first, as any earlier build leaves them; every tip checked afresh.
  await checkContent({ tipsDir, emailsDir: DEFAULT_EMAILS_DIR, only: [] });
  process.env.CONTENT_REPORT_CACHE = "off";
  const started = performance.now();
  const result = await checkContent({ tipsDir, emailsDir: DEFAULT_EMAILS_DIR });
  if (!result.bundle)
    throw new Error(`the synthetic tips do not build: ${result.problems[0]?.message}`);
  writeBundle(result.bundle, path.join(dir, "content.ts"));
  delete process.env.CONTENT_REPORT_CACHE;
  return `content build, ${count} tips: ${ms((performance.now() - started) / count)} per tip`;
}

async function studio(dir: string, runs: number): Promise<string> {
  const tipsDir = writeTips(path.join(dir, "studio"), 12);
  const studio = await startStudio({
    tipsDir,
    emailsDir: DEFAULT_EMAILS_DIR,
    port: 0,
    root: dir,
    log: () => {},
  });
  try {
    const { name, source } = syntheticTip(3);
    const file = path.join(tipsDir, name);
    const rerender: number[] = [];
    const told: number[] = [];
    for (let i = 0; i < runs; i++) {
      writeFileSync(file, source.replace("Welcome", `Welcome (edit ${i})`));
      const started = performance.now();
      await studio.state.update([file]);
      rerender.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the watcher's own pass
      const next = studio.nextChange();
      const saved = performance.now();
      writeFileSync(file, source);
      await next;
      told.push(performance.now() - saved);
    }
    return `studio: one saved tip re-rendered in ${ms(median(rerender))}, an open page told in ${ms(median(told))} (medians of ${runs})`;
  } finally {
    await studio.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { count: { type: "string", default: "1000" }, runs: { type: "string", default: "5" } },
  });
  const count = Number(values.count);
  const runs = Number(values.runs);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(runs) || runs < 1) {
    console.error("usage: npm run bench:content -- [--count 1000] [--runs 5]");
    return 2;
  }
  const dir = mkdtempSync(path.join(tmpdir(), "bench-content-"));
  try {
    console.log(await contentBuild(dir, count));
    console.log(await studio(dir, runs));
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runWhenExecuted(import.meta.url, main);
