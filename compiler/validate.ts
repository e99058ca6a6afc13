/**
 * Validate: the front matter of one tip against its schema (schema.ts) and the slug against the
 * file name. Every problem carries the field's line. (Uniqueness across tips: check.ts.)
 */
import path from "node:path";
import type { z } from "zod";
import type { ParsedSource } from "./parse.js";
import { lineOfKey, type Problem, problem } from "./problems.js";
import { FIELD_EXAMPLES, type FrontMatter, frontMatterSchema } from "./schema.js";

/** A schema's expected type as an editor says it. */
const KINDS: Record<string, string> = {
  array: "a list",
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a set of fields",
};

/** What a YAML value is, as an editor says it. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return "text";
  if (typeof value === "object") return "a set of fields";
  return typeof value;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  data: unknown,
): { key: string; message: string; fix: string } {
  const key = issue.path.length > 0 ? String(issue.path[0]) : "";
  // "tags, item 2" rather than "tags.1".
  const where = issue.path
    .map((segment, i) =>
      i > 0 && typeof segment === "number" ? `item ${segment + 1}` : String(segment),
    )
    .join(", ");
  let value: unknown = data;
  for (const segment of issue.path) {
    value = (value as Record<PropertyKey, unknown> | undefined)?.[segment as PropertyKey];
  }
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
    return {
      key,
      message: `field "${where}" must be ${KINDS[issue.expected] ?? `a ${issue.expected}`}, not ${kindOf(value)}`,
      fix: example ? `use a value like: ${example}` : "correct the value",
    };
  }
  const length =
    issue.code === "too_big" && typeof value === "string" ? ` (it has ${value.length})` : "";
  return {
    key,
    message: `field "${where}" ${issue.message}${length}`,
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
