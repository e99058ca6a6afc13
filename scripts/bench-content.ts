/**
 * `npm run bench:content [-- --count 1000]`: writes N synthetic valid tips into a temp dir, runs
 * the full check + compile + bundle there, and prints the time (total and per tip) and the
 * bundle size. Nothing in the repository is touched.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { writeBundle } from "../compiler/bundle.js";
import { checkContent } from "../compiler/check.js";
import { DEFAULT_EMAILS_DIR } from "../compiler/paths.js";
import { formatProblems } from "../compiler/problems.js";
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

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { count: { type: "string", default: "1000" } },
    strict: true,
  });
  const count = Number.parseInt(values.count, 10);
  if (!Number.isInteger(count) || count < 1) {
    console.error("--count must be a positive whole number");
    return 1;
  }
  const dir = mkdtempSync(path.join(tmpdir(), "bench-content-"));
  try {
    const tipsDir = path.join(dir, "tips");
    mkdirSync(tipsDir);
    for (let i = 1; i <= count; i++) {
      const tip = syntheticTip(i);
      writeFileSync(path.join(tipsDir, tip.name), tip.source);
    }
    const start = performance.now();
    const result = await checkContent({ tipsDir, emailsDir: DEFAULT_EMAILS_DIR });
    if (result.problems.length > 0 || !result.bundle) {
      console.error(formatProblems(result.problems.slice(0, 20)));
      return 1;
    }
    const out = writeBundle(result.bundle, path.join(dir, "generated", "content.ts"));
    const ms = performance.now() - start;
    const largest = Math.max(...result.bundle.tips.map((t) => Buffer.byteLength(t.html)));
    console.log(
      `${count} tips: check + compile + bundle in ${(ms / 1000).toFixed(2)} s (${(ms / count).toFixed(2)} ms per tip); bundle ${(out.bytes / 1024 / 1024).toFixed(2)} MB (${(out.bytes / count / 1024).toFixed(1)} KB per tip); largest tip HTML ${(largest / 1024).toFixed(1)} KB`,
    );
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runWhenExecuted(import.meta.url, main);
