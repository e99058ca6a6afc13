/**
 * Scaffold: a new tip file with valid front matter, the next free order (highest existing + 1)
 * and TODO markers where the writing goes. The checks reject the file, with the line of each
 * TODO, until every marker is replaced (quality.ts), so a placeholder tip can never go out.
 * `npm run new-tip` and the studio's "New tip" form both call createTip().
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { listTipFiles } from "./check.js";
import { decodeSource, splitSource } from "./parse.js";
import { frontMatterSchema, KEBAB } from "./schema.js";

export function slugify(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/g, "");
}

/** Highest `order` among the tips in `dir` that can be read, plus one. */
export function nextOrder(dir: string): number {
  let max = 0;
  if (!existsSync(dir)) return 1;
  for (const file of listTipFiles(dir)) {
    const decoded = decodeSource(file, readFileSync(file));
    if (!decoded.ok) continue;
    const split = splitSource(file, decoded.source);
    if (!split.ok) continue;
    const order = (split.value.data as { order?: unknown } | null)?.order;
    if (typeof order === "number" && Number.isInteger(order) && order > max) max = order;
  }
  return max + 1;
}

/** A new tip's file; `publishedAt` is the day it is written (the feed's date for it). */
export function scaffold(title: string, slug: string, order: number, today = new Date()): string {
  return `---
title: ${JSON.stringify(title)}
slug: ${slug}
order: ${order}
publishedAt: ${today.toISOString().slice(0, 10)}
summary: "TODO: one plain-text sentence for the inbox preview, at most 150 characters."
tags: [strength]
---

TODO: write the tip here in Markdown. Keep it friendly and practical, 250 to 600 words, with a
heading or two and a short list where it helps.

**This week:** TODO: one small action the reader can do in their next 20-minute session.
`;
}

/** Creates the scaffold for `title` in `dir`; an error says why nothing was written. */
export function createTip(
  dir: string,
  rawTitle: string,
): { file: string; slug: string; order: number } | { error: string } {
  const title = rawTitle.trim();
  if (title === "") return { error: "give the tip a title" };
  const titleCheck = frontMatterSchema.shape.title.safeParse(title);
  if (!titleCheck.success) {
    return { error: `invalid title: ${titleCheck.error.issues.map((i) => i.message).join("; ")}` };
  }
  const slug = slugify(title);
  if (!KEBAB.test(slug)) {
    return { error: `cannot make a file name from "${title}": use some letters or digits` };
  }
  const file = path.join(dir, `${slug}.md`);
  if (existsSync(file)) {
    return { error: `${path.relative(process.cwd(), file)} already exists: not overwriting it` };
  }
  const order = nextOrder(dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, scaffold(titleCheck.data, slug, order), { flag: "wx" });
  return { file, slug, order };
}
