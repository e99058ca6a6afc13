/**
 * `npm run bench:content [-- --count 1000 --runs 5]`: the editor-facing speed figures, each with
 * what it is compared against in the same run (so a busy machine skews both sides alike):
 *
 * 1. the content build (check + compile + bundle) of N synthetic tips in a temp dir, per tip,
 *    every tip checked afresh (no cached results); beside it, the two costs it no longer pays:
 *    Brotli at quality 11 for the bundle, and the text part converted from each whole email
 *    instead of made from the tip's own Markdown;
 * 2. `npm run check` on the shipped tips, wall time of the whole command, with the compiled
 *    templates cached (as after any earlier check or build) and cold (a fresh cache);
 * 3. the studio re-rendering one edited tip, and a save reaching an open page's event stream.
 *
 * Nothing in the repository is touched: tips are copied or generated into temp dirs.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { compressBodies, writeBundle } from "../compiler/bundle.js";
import { checkContent, listTipFiles } from "../compiler/check.js";
import { DEFAULT_EMAILS_DIR, DEFAULT_TIPS_DIR, REPO_ROOT } from "../compiler/paths.js";
import { formatProblems } from "../compiler/problems.js";
import { htmlToText, markdownText } from "../compiler/text.js";
import { startStudio } from "../studio/server.js";
import { runWhenExecuted } from "./cli.js";

const MOVES = ["squats", "lunges", "step-ups", "glute bridges", "calf raises", "planks", "hops"];

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
const time = <T>(f: () => T): [T, number] => {
  const start = performance.now();
  const value = f();
  return [value, performance.now() - start];
};

async function contentBuild(dir: string, count: number): Promise<string[]> {
  const tipsDir = path.join(dir, "tips");
  mkdirSync(tipsDir);
  for (let i = 1; i <= count; i++) {
    const tip = syntheticTip(i);
    writeFileSync(path.join(tipsDir, tip.name), tip.source);
  }
  // Templates compiled (and cached) first, as any earlier build leaves them; every tip is
  // checked afresh, not taken from the cache of checked tips.
  await checkContent({ tipsDir, emailsDir: DEFAULT_EMAILS_DIR, only: [] });
  const saved = process.env.CONTENT_REPORT_CACHE;
  process.env.CONTENT_REPORT_CACHE = "off";
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await checkContent({ tipsDir, emailsDir: DEFAULT_EMAILS_DIR }).finally(() => {
    if (saved === undefined) delete process.env.CONTENT_REPORT_CACHE;
    else process.env.CONTENT_REPORT_CACHE = saved;
  });
  if (result.problems.length > 0 || !result.bundle) {
    throw new Error(formatProblems(result.problems.slice(0, 20)));
  }
  const out = writeBundle(result.bundle, path.join(dir, "generated", "content.ts"));
  const total = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;

  // Beside it, in the same run: what quality 11 and whole-email text conversion would add.
  const bodies = result.bundle.tips.flatMap((t) => [t.html, t.text]);
  const [, q5] = time(() => compressBodies(bodies));
  const [q11Out, q11] = time(() => compressBodies(bodies, 11));
  const [, bodyText] = time(() => {
    for (const r of result.reports) {
      if (r.tokens && r.email) markdownText(r.tokens) ?? htmlToText(r.email.bodyHtml);
    }
  });
  const [, wholeText] = time(() => {
    for (const r of result.reports) if (r.email) htmlToText(r.email.html);
  });
  const largest = Math.max(...result.bundle.tips.map((t) => Buffer.byteLength(t.html)));
  return [
    `content build, ${count} tips: ${(total / 1000).toFixed(2)} s wall = ${ms(total / count)} per tip (aim ≤ 1.5 ms), ${ms(cpuMs / count)} of CPU per tip; bundle ${(out.bytes / 1024).toFixed(0)} KB, largest tip HTML ${(largest / 1024).toFixed(1)} KB`,
    `  same run: brotli quality 5 ${ms(q5)} vs quality 11 ${ms(q11)} (${(q11 / q5).toFixed(0)}× slower, bodies ${(Buffer.byteLength(q11Out) / 1024).toFixed(0)} KB instead of ${(Buffer.byteLength(compressBodies(bodies)) / 1024).toFixed(0)} KB)`,
    `  same run: text part from the tip's Markdown ${ms(bodyText / count)} per tip vs html-to-text on the whole email ${ms(wholeText / count)} per tip (${(wholeText / bodyText).toFixed(0)}×)`,
  ];
}

function checkWall(runs: number): string[] {
  const run = (env: Record<string, string>) => {
    const start = performance.now();
    const result = spawnSync("npm", ["run", "--silent", "check"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      // Nothing listens on port 9: the runway report skips at once.
      env: {
        ...process.env,
        CONTENT_REPORT_CACHE: "on",
        DYNAMODB_ENDPOINT: "http://127.0.0.1:9",
        ...env,
      },
    });
    const wall = performance.now() - start;
    if (result.status !== 0) throw new Error(`npm run check failed:\n${result.stderr}`);
    return wall;
  };
  run({}); // fills the template cache, as any earlier check or build does
  const warm = Array.from({ length: runs }, () => run({}));
  const cache = mkdtempSync(path.join(tmpdir(), "bench-cache-"));
  try {
    const cold = run({ CONTENT_CACHE_DIR: cache });
    return [
      `npm run check, ${listTipFiles(DEFAULT_TIPS_DIR).length} shipped tips: ${ms(median(warm))} wall (median of ${runs}, fastest ${ms(Math.min(...warm))}; aim < 1.5 s); with an empty cache (templates compiled, every tip checked) ${ms(cold)}`,
    ];
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

async function studioRerender(dir: string, runs: number): Promise<string[]> {
  const tipsDir = path.join(dir, "studio-tips");
  mkdirSync(tipsDir);
  for (const file of listTipFiles(DEFAULT_TIPS_DIR)) {
    copyFileSync(file, path.join(tipsDir, path.basename(file)));
  }
  const studio = await startStudio({
    tipsDir,
    emailsDir: DEFAULT_EMAILS_DIR,
    port: 0,
    root: dir,
    log: () => {},
  });
  try {
    const file = path.join(tipsDir, "squats.md");
    const source = readFileSync(file, "utf8");
    const rerender: number[] = [];
    const latency: number[] = [];
    for (let i = 0; i < runs; i++) {
      const edited = source.replace("the squat would be", `the squat (edit ${i}) would be`);
      // In-process: re-check, re-compile and re-assemble after one tip is saved.
      writeFileSync(file, edited);
      const start = performance.now();
      await studio.state.update([file]);
      rerender.push(performance.now() - start);
      // Let the watcher's own re-check of that write pass first.
      await new Promise((resolve) => setTimeout(resolve, 200));
      // End to end: save → file watcher → re-render → event on an open page's stream.
      const next = studio.nextChange();
      const saved = performance.now();
      writeFileSync(file, source);
      await next;
      latency.push(performance.now() - saved);
    }
    return [
      `studio, one edited tip re-rendered: ${ms(median(rerender))} (median of ${runs}; aim < 200 ms); save → open page told: ${ms(median(latency))} (aim < 1 s)`,
    ];
  } finally {
    await studio.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: "string", default: "1000" },
      runs: { type: "string", default: "5" },
    },
    strict: true,
  });
  const count = Number.parseInt(values.count, 10);
  const runs = Number.parseInt(values.runs, 10);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(runs) || runs < 1) {
    console.error("--count and --runs must be positive whole numbers");
    return 1;
  }
  const dir = mkdtempSync(path.join(tmpdir(), "bench-content-"));
  const load = () => loadavg()[0]?.toFixed(1);
  console.log(`${cpus().length} CPUs, load average ${load()} at the start`);
  try {
    for (const line of await contentBuild(dir, count)) console.log(line);
    for (const line of checkWall(runs)) console.log(line);
    for (const line of await studioRerender(dir, runs)) console.log(line);
    console.log(`load average ${load()} at the end`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runWhenExecuted(import.meta.url, main);
