/**
 * The brand file, content/newsletter.yml: the newsletter's name, tagline, sender name, launch day,
 * topic phrases, pictures and colours. Read with yaml.ts and checked with a strict zod schema:
 * every problem is said in plain words with its line and a fix, and each text colour must reach
 * 4.5:1 contrast (WCAG AA) on the backgrounds it is used on, in light and in dark mode.
 *
 * The build compiles it into the generated module the Lambdas import (bundle.ts), the templates
 * and the social cards are filled from it, and the studio shows it. `readBrand(root)` is the plain
 * entry point for code outside the compiler (infra: the From name).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { colord, extend } from "colord";
import a11yPlugin from "colord/plugins/a11y";
import namesPlugin from "colord/plugins/names";
import { z } from "zod";
import type { Palette } from "../functions/http/site-brand.js";
import type { Brand } from "./brand-base.js";
import { formatProblems, type Problem, problem } from "./problems.js";
import { svgProblem } from "./svg.js";
import { parseYaml } from "./yaml.js";

extend([a11yPlugin, namesPlugin]);

export { type Brand, STAND_IN_BRAND, siteBrand } from "./brand-base.js";

/** Where the brand file is, under a repository root. */
export const BRAND_FILE = "content/newsletter.yml";

/** Text needs this contrast on its background (WCAG 2 AA, normal size). */
export const MIN_CONTRAST = 4.5;

/** Characters a value may never hold: placeholder and build-token syntax, line breaks. */
const RESERVED = /\{\{|\}\}|%%|[\r\n]/;

const text = (max: number) =>
  z
    .string("must be text")
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !RESERVED.test(s), "must be one line without {{, }} or %%");

/** A display name in a From header: plain words (RFC 5322's specials would need quoting). */
const sender = text(60).refine(
  (s) => !/[()<>[\]:;@\\,."]/.test(s),
  'must be plain words, without ( ) < > [ ] : ; @ \\ , . or " (it becomes the From name of every email)',
);

const COLOR_HINT =
  'must be an opaque colour such as "#c2410c", in quotes (without them YAML reads # as the start of a comment)';

const color = z
  .string(COLOR_HINT)
  .refine((s) => colord(s).isValid() && colord(s).alpha() === 1, COLOR_HINT)
  .transform((s) => colord(s).toHex());

const palette = z.strictObject({
  page: color,
  card: color,
  text: color,
  muted: color,
  accent: color,
  button: color,
  buttonText: color,
  rule: color,
  code: color,
});

const picture = text(200).refine((s) => /\.svg$/i.test(s), "must be an .svg file");

export const brandSchema = z.strictObject({
  name: text(80),
  tagline: text(160),
  sender,
  launched: z.iso.date('must be a day written YYYY-MM-DD, e.g. "2026-11-30"'),
  topic: z.strictObject({
    tip: text(30),
    subject: text(60),
    promise: text(80),
    pitch: text(200),
    audience: text(40),
    practice: text(40),
  }),
  logo: picture,
  favicon: picture,
  card: picture,
  colors: z.strictObject({ light: palette, dark: palette }),
});

/** An example of each top-level field, for the fix of a missing or wrong one. */
const EXAMPLES: Record<string, string> = {
  name: "name: Weekly Mobility Notes for Climbers",
  tagline: "tagline: One mobility drill for climbers, every week.",
  sender: "sender: Weekly Mobility Notes",
  launched: "launched: 2026-11-30",
  topic:
    "topic: with tip, subject, promise, pitch, audience and practice under it (see docs/editorial-guide.md)",
  logo: "logo: brand/logo.svg",
  favicon: "favicon: brand/favicon.svg",
  card: "card: brand/card.svg",
  colors:
    "colors: with light and dark under it, each with page, card, text, muted, accent, button, buttonText, rule and code",
};

/**
 * The pairs of colours text is shown in: [text, background]. Links and the name are accent on the
 * card and on the page; small print is muted on both; buttons; code and notices.
 */
export const TEXT_PAIRS: readonly [keyof Palette, keyof Palette][] = [
  ["text", "page"],
  ["text", "card"],
  ["text", "code"],
  ["muted", "page"],
  ["muted", "card"],
  ["accent", "page"],
  ["accent", "card"],
  ["buttonText", "button"],
];

/** The contrast of two colours (WCAG 2), to two decimals. */
export function contrast(foreground: string, background: string): number {
  return colord(foreground).contrast(background);
}

function contrastProblems(
  file: string,
  colors: { light: Palette; dark: Palette },
  lineOf: (path: readonly PropertyKey[]) => number | undefined,
): Problem[] {
  const problems: Problem[] = [];
  for (const scheme of ["light", "dark"] as const) {
    const p = colors[scheme];
    for (const [fg, bg] of TEXT_PAIRS) {
      const ratio = contrast(p[fg], p[bg]);
      if (ratio >= MIN_CONTRAST) continue;
      const lighter = scheme === "dark" ? "lighter" : "darker";
      problems.push(
        problem(
          file,
          `in ${scheme} mode, ${fg} (${p[fg]}) on ${bg} (${p[bg]}) has a contrast of ${ratio.toFixed(2)}:1; text needs at least ${MIN_CONTRAST}:1 to be readable`,
          `choose a ${lighter} ${fg} colour for ${scheme} mode, or change ${bg} (a contrast checker such as webaim.org/resources/contrastchecker shows the ratio)`,
          lineOf(["colors", scheme, fg]),
        ),
      );
    }
  }
  return problems;
}

/** Reads and checks a brand file; every problem is collected. */
export function checkBrand(file: string): { brand?: Brand; problems: Problem[] } {
  if (!existsSync(file) || !statSync(file).isFile()) {
    return {
      problems: [
        problem(
          file,
          "the brand file is missing",
          "create it with the newsletter's name, tagline, sender, launched, topic, logo, favicon, card and colors (see docs/editorial-guide.md)",
        ),
      ],
    };
  }
  const parsed = parseYaml(readFileSync(file, "utf8"));
  if (!parsed.ok) {
    return {
      problems: parsed.problems.map((p) =>
        problem(file, `invalid YAML: ${p.message}`, p.fix, p.line),
      ),
    };
  }
  const data = parsed.value ?? {};
  const result = brandSchema.safeParse(data);
  const problems: Problem[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const where = issue.path.map(String).join(".");
      const top = String(issue.path[0] ?? "");
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          const shape =
            issue.path.length === 0
              ? Object.keys(EXAMPLES)
              : issue.path[0] === "topic"
                ? ["tip", "subject", "promise", "pitch"]
                : issue.path.length === 1
                  ? ["light", "dark"]
                  : Object.keys(palette.shape);
          problems.push(
            problem(
              file,
              `unknown field "${[...issue.path.map(String), key].join(".")}"`,
              `remove it or correct its spelling; allowed here: ${shape.join(", ")}`,
              parsed.lineOf([...issue.path, key]),
            ),
          );
        }
        continue;
      }
      const missing = issue.code === "invalid_type" && valueAt(data, issue.path) === undefined;
      if (issue.path.length === 0) {
        problems.push(
          problem(
            file,
            "the brand file must be a set of field: value lines",
            `start with ${EXAMPLES.name}`,
            1,
          ),
        );
        continue;
      }
      problems.push(
        problem(
          file,
          missing ? `missing field "${where}"` : `field "${where}" ${issue.message}`,
          missing
            ? `add it: ${issue.path.length === 1 ? EXAMPLES[top] : `${String(issue.path.at(-1))}: … under ${issue.path.slice(0, -1).join(".")}`}`
            : issue.path[0] === "colors"
              ? 'write the colour as a hex code in quotes, e.g. accent: "#c2410c"'
              : `correct the value${EXAMPLES[top] && issue.path.length === 1 ? `, e.g. ${EXAMPLES[top]}` : ""}`,
          parsed.lineOf(issue.path),
        ),
      );
    }
    return { problems };
  }
  const value = result.data;
  const dir = path.dirname(path.resolve(file));
  const files = { logo: "", favicon: "", card: "" };
  for (const key of ["logo", "favicon", "card"] as const) {
    const target = path.resolve(dir, value[key]);
    files[key] = target;
    if (!existsSync(target) || !statSync(target).isFile()) {
      problems.push(
        problem(
          file,
          `${key} "${value[key]}" not found (looked for ${path.relative(dir, target)} next to this file)`,
          `put the SVG there, or give its path from ${path.basename(dir)}/, e.g. ${EXAMPLES[key]}`,
          parsed.lineOf([key]),
        ),
      );
    } else {
      // Drawn into every page, email and card: the figures' rules (images.ts) hold for it too.
      const refused = svgProblem(value[key], readFileSync(target));
      if (refused) {
        problems.push(
          problem(file, `${key}: ${refused.message}`, refused.fix, parsed.lineOf([key])),
        );
      }
    }
  }
  problems.push(...contrastProblems(file, value.colors, parsed.lineOf));
  if (problems.length > 0) return { problems };
  return { brand: { ...value, file: path.resolve(file), files }, problems };
}

function valueAt(data: unknown, at: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of at) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * The brand of the repository at `root` (content/newsletter.yml), for code outside the compiler:
 * infra reads the From name here. Throws an Error that lists every problem, in plain words.
 */
export function readBrand(root: string): Brand {
  const file = path.join(root, BRAND_FILE);
  const { brand, problems } = checkBrand(file);
  if (!brand) throw new Error(`${BRAND_FILE}: ${formatProblems(problems, root)}`);
  return brand;
}
