/**
 * The front matter of a tip (content/tips/<slug>.md): a strict zod schema, so a misspelt or
 * unknown key is an error rather than silently ignored.
 */
import { z } from "zod";

export const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const TITLE_MAX = 100;
export const SUMMARY_MAX = 150;

const noPlaceholders = (s: string) => !s.includes("{{") && !s.includes("}}");
const PLACEHOLDER_MESSAGE = "must not contain {{ or }} (placeholder syntax is reserved)";

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !/[\r\n]/.test(s), "must be a single line")
    .refine(noPlaceholders, PLACEHOLDER_MESSAGE);

const kebab = z.string().regex(KEBAB, "must be kebab-case (lowercase letters, digits, hyphens)");

/** A YAML date (js-yaml gives a Date) or a quoted "YYYY-MM-DD" string; normalized to YYYY-MM-DD. */
const DATE_MESSAGE = "must be a date written as YYYY-MM-DD, e.g. 2026-03-02";
const date = z
  .union([z.date(), z.iso.date({ error: DATE_MESSAGE })], { error: DATE_MESSAGE })
  .refine((d) => !(d instanceof Date) || !Number.isNaN(d.getTime()), DATE_MESSAGE)
  .transform((d) => (d instanceof Date ? d.toISOString().slice(0, 10) : d));

export const frontMatterSchema = z.strictObject({
  title: text(TITLE_MAX),
  slug: kebab,
  order: z.number().int("must be a whole number").positive("must be 1 or more"),
  summary: text(SUMMARY_MAX).refine(
    (s) => !/[<>*_`[\]]/.test(s),
    "must be plain text (no Markdown or HTML: < > * _ ` [ ])",
  ),
  tags: z
    .array(kebab)
    .min(1, "must list at least one tag")
    .refine((tags) => new Set(tags).size === tags.length, "must not repeat a tag"),
  author: text(100).optional(),
  expert: text(100).optional(),
  publishedAt: date.optional(),
});

export type FrontMatter = z.output<typeof frontMatterSchema>;

export const FIELDS = Object.keys(frontMatterSchema.shape) as (keyof FrontMatter)[];
export const REQUIRED_FIELDS = ["title", "slug", "order", "summary", "tags"] as const;

/** An example value for each field, used in fix-it messages. */
export const FIELD_EXAMPLES: Record<keyof FrontMatter, string> = {
  title: 'title: "Squats: the king of runner strength"',
  slug: "slug: squats (the file name without .md)",
  order: "order: 4 (a whole number, unique across tips)",
  summary: `summary: One plain-text sentence, at most ${SUMMARY_MAX} characters`,
  tags: "tags: [squats, legs]",
  author: 'author: "Sam Runner"',
  expert: 'expert: "Dr. Jane Coach, physiotherapist"',
  publishedAt: "publishedAt: 2025-01-06",
};

/** A tip whose front matter is valid, with where it came from. */
export interface Tip extends FrontMatter {
  /** Path of the source file (as joined from tipsDir). */
  file: string;
  body: string;
  bodyLine: number;
  /** The raw YAML front matter (for locating fields). */
  matter: string;
  /** sha256 of the source file, hex. */
  hash: string;
}
