/**
 * `npm run new-tip -- "Title" [--dir <tips dir>]`: scaffolds content/tips/<slug>.md with valid
 * front matter, the next free order (highest existing + 1) and TODO markers where the writing
 * goes. The checks reject the file, with the line of each TODO, until every marker is replaced,
 * so a placeholder tip can never go out. The studio's "new tip" action calls createTip().
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { listTipFiles } from "../compiler/check.js";
import { splitSource } from "../compiler/parse.js";
import { DEFAULT_TIPS_DIR } from "../compiler/paths.js";
import { frontMatterSchema, KEBAB } from "../compiler/schema.js";
import { runWhenExecuted } from "./cli.js";

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
    const split = splitSource(file, readFileSync(file, "utf8"));
    if (!split.ok) continue;
    const order = (split.value.data as { order?: unknown } | null)?.order;
    if (typeof order === "number" && Number.isInteger(order) && order > max) max = order;
  }
  return max + 1;
}

export function scaffold(title: string, slug: string, order: number): string {
  return `---
title: ${JSON.stringify(title)}
slug: ${slug}
order: ${order}
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
