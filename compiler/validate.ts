/**
 * Validate: the front matter of one tip against its schema (schema.ts) and the slug against the
 * file name. Every problem carries the field's line. (Uniqueness across tips: check.ts.)
 */
import path from "node:path";
import type { z } from "zod";
import type { ParsedSource } from "./parse.js";
import { lineOfKey, type Problem, problem } from "./problems.js";
import { FIELD_EXAMPLES, type FrontMatter, frontMatterSchema } from "./schema.js";

function describeIssue(
  issue: z.core.$ZodIssue,
  data: unknown,
): { key: string; message: string; fix: string } {
  const key = issue.path.length > 0 ? String(issue.path[0]) : "";
  const where = issue.path.map(String).join(".");
  const example = FIELD_EXAMPLES[key as keyof FrontMatter];
  const present = typeof data === "object" && data !== null && Object.hasOwn(data as object, key);
  if (issue.code === "invalid_type" && issue.path.length === 1 && !present) {
    return {
      key,
      message: `missing required field "${key}"`,
      fix: `add a line like: ${example ?? `${key}: ...`}`,
    };
  }
  if (issue.code === "invalid_type" && issue.path.length === 0) {
    return {
      key,
      message: "front matter must be a set of key: value fields",
      fix: "write one field per line, e.g. title: ..., slug: ..., order: ..., summary: ..., tags: [...]",
    };
  }
  if (issue.code === "invalid_type") {
    let value: unknown = data;
    for (const segment of issue.path) {
      value = (value as Record<PropertyKey, unknown> | undefined)?.[segment as PropertyKey];
    }
    const got = value === null ? "nothing" : Array.isArray(value) ? "a list" : typeof value;
    return {
      key,
      message: `field "${where}" must be ${issue.expected === "array" ? "a list" : `a ${issue.expected}`}, not ${got}`,
      fix: example ? `use a value like: ${example}` : "correct the value",
    };
  }
  return {
    key,
    message: `field "${where}" ${issue.message}`,
    fix: example ? `use a value like: ${example}` : "correct the value",
  };
}

/** Validates parsed front matter against the schema; problems carry the field's line. */
export function validateFrontMatter(
  file: string,
  parsed: ParsedSource,
): { ok: true; value: FrontMatter } | { ok: false; problems: Problem[] } {
  const result = frontMatterSchema.safeParse(parsed.data ?? {});
  if (result.success) return { ok: true, value: result.data };
  const problems: Problem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        problems.push(
          problem(
            file,
            `unknown field "${key}"`,
            `remove it or correct its spelling; allowed fields: ${Object.keys(FIELD_EXAMPLES).join(", ")}`,
            lineOfKey(parsed.matter, key),
          ),
        );
      }
      continue;
    }
    const { key, message, fix } = describeIssue(issue, parsed.data);
    problems.push(problem(file, message, fix, key ? lineOfKey(parsed.matter, key) : undefined));
  }
  return { ok: false, problems };
}

/**
 * The slug must equal the file name without .md. Checked on the front matter as written, so a
 * mismatch shows beside the other fields' problems (a slug that is not text is the schema's).
 */
export function checkSlug(file: string, data: unknown, matterText: string): Problem[] {
  const slug = (data as { slug?: unknown } | null | undefined)?.slug;
  const expected = path.basename(file, ".md");
  if (typeof slug !== "string" || slug === expected) return [];
  return [
    problem(
      file,
      `slug "${slug}" does not match the file name "${expected}.md"`,
      `set slug: ${expected}, or rename the file to ${slug}.md`,
      lineOfKey(matterText, "slug"),
    ),
  ];
}
