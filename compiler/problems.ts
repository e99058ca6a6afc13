/**
 * A problem found in the editor's content: which file, where, what is wrong and how to fix it.
 * Every check collects problems instead of throwing, so one run reports all of them at once.
 */
import path from "node:path";

export interface Problem {
  /** Path of the offending file, as given to the checker (usually relative to the repo). */
  file: string;
  /** 1-based line in that file, when known. */
  line?: number;
  message: string;
  /** What the editor should do about it. */
  fix: string;
}

export function problem(file: string, message: string, fix: string, line?: number): Problem {
  return line === undefined ? { file, message, fix } : { file, line, message, fix };
}

/** `path:line: message` + an indented `fix:` line, with paths shown relative to `cwd`. */
export function formatProblem(p: Problem, cwd: string = process.cwd()): string {
  const shown = path.isAbsolute(p.file) ? path.relative(cwd, p.file) || p.file : p.file;
  const where = p.line === undefined ? shown : `${shown}:${p.line}`;
  return `${where}: ${p.message}\n  fix: ${p.fix}`;
}

export function formatProblems(problems: readonly Problem[], cwd?: string): string {
  const sorted = [...problems].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0),
  );
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"} found`;
  return `${sorted.map((p) => formatProblem(p, cwd)).join("\n")}\n\n${count}.`;
}

/** 1-based line of character `index` in `text`. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) line++;
  }
  return line;
}

/** 1-based file line of a top-level key in the front matter, if it is written on its own line. */
export function lineOfKey(matterText: string, key: string): number | undefined {
  const lines = matterText.split("\n");
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^["']?${escaped}["']?\\s*:`);
  const index = lines.findIndex((l) => pattern.test(l));
  // matterText line 0 is the remainder of the opening --- line (file line 1).
  return index === -1 ? undefined : index + 1;
}
