/**
 * Bundle: writes the compiled content as a TypeScript module (functions/generated/content.ts) that the
 * Lambda code imports. The output is a pure function of the content: no timestamps, stable key
 * order, fixed compression settings, so rebuilding unchanged content leaves the file untouched.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as zlib } from "node:zlib";
import type { CompiledTemplate, ContentBundle } from "../functions/core/types.js";
import type { CreditedTip } from "../functions/http/archive-pages.js";
import type { SiteAssets } from "../functions/http/site-assets.js";
import type { SiteBrand } from "../functions/http/site-brand.js";
import { DEFAULT_BUNDLE_FILE } from "./paths.js";
import { SYSTEM_EMAIL_NAMES } from "./templates.js";

const TYPES_FILE = fileURLToPath(new URL("../functions/core/types.js", import.meta.url));
const PAGES_FILE = fileURLToPath(new URL("../functions/http/archive-pages.js", import.meta.url));
const SITE_ASSETS_FILE = fileURLToPath(
  new URL("../functions/http/site-assets.js", import.meta.url),
);
const SITE_BRAND_FILE = fileURLToPath(new URL("../functions/http/site-brand.js", import.meta.url));

/** The import specifier of `target` from the module `outFile`. */
function specifier(outFile: string, target: string): string {
  const relative = path.relative(path.dirname(path.resolve(outFile)), target);
  return (relative.startsWith(".") ? relative : `./${relative}`).split(path.sep).join("/");
}

/**
 * Brotli settings for the bodies: fixed (quality 5, a 16 MB window, text mode, size hint), and
 * brotli writes no header with a time or an OS, so the same content always gives the same bytes
 * (with the same Node, i.e. the same brotli, version). Quality 5 is the level that pays for
 * itself: at 1,000 tips it compresses in about 0.1 s to ~66 KB, where quality 11 took about
 * 10 s for ~41 KB, and the shipped tips stay a few KB either way (`npm run bench:content`).
 */
export const BROTLI_QUALITY = 5;

export function compressBodies(bodies: readonly string[], quality = BROTLI_QUALITY): string {
  const json = Buffer.from(JSON.stringify(bodies), "utf8");
  return brotliCompressSync(json, {
    params: {
      [zlib.BROTLI_PARAM_QUALITY]: quality,
      [zlib.BROTLI_PARAM_LGWIN]: 24,
      [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
      [zlib.BROTLI_PARAM_SIZE_HINT]: json.byteLength,
    },
  }).toString("base64");
}

/** A JSON value, or a TypeScript expression written as is (`{ code }`). */
type Literal = { code: string } | string | number | readonly string[];

function objectSource(fields: Record<string, Literal>, indent: string): string {
  const inner = `${indent}  `;
  const lines = Object.entries(fields).map(([key, value]) => {
    const text =
      typeof value === "object" && "code" in value
        ? value.code
        : JSON.stringify(value, null, 2).split("\n").join(`\n${inner}`);
    return `${inner}${JSON.stringify(key)}: ${text}`;
  });
  return `{\n${lines.join(",\n")}\n${indent}}`;
}

/**
 * The module source: `export const bundle: ContentBundle = {...}`. The metadata of each tip and
 * email (slug, order, subject, …) is written as plain literals; the html and text bodies, ~95% of
 * the bytes and largely the same MJML markup over and over, go into one brotli-compressed,
 * base64-encoded JSON array that the module decompresses once when it is loaded (node:zlib, about
 * 1 ms for 13 tips), so a Lambda bundle carries ~20 KB instead of ~280 KB for them.
 */
export function bundleSource(bundle: ContentBundle, outFile: string): string {
  const bodies: string[] = [];
  /** Appends the html and text to `bodies`; returns the expressions that read them back. */
  const body = (t: CompiledTemplate) => {
    bodies.push(t.html, t.text);
    return {
      html: { code: `body(${bodies.length - 2})` },
      text: { code: `body(${bodies.length - 1})` },
    };
  };
  const tips = [...bundle.tips]
    .sort((a, b) => a.order - b.order)
    .map((t) => {
      const { html, text } = body(t);
      return objectSource(
        {
          slug: t.slug,
          order: t.order,
          title: t.title,
          tags: [...t.tags],
          subject: t.subject,
          preheader: t.preheader,
          html,
          text,
          hash: t.hash,
        },
        "    ",
      );
    });
  const archive = [...bundle.archive]
    .sort((a, b) => a.order - b.order)
    .map((tip) => {
      const t = tip as CreditedTip;
      bodies.push(t.html);
      return objectSource(
        {
          slug: t.slug,
          order: t.order,
          title: t.title,
          summary: t.summary,
          tags: [...t.tags],
          ...(t.publishedAt ? { publishedAt: t.publishedAt } : {}),
          readingMinutes: t.readingMinutes,
          html: { code: `body(${bodies.length - 1})` },
          ...(t.author ? { author: t.author } : {}),
          ...(t.expert ? { expert: t.expert } : {}),
          ...(t.card ? { card: t.card } : {}),
        },
        "  ",
      );
    });
  const email = (t: CompiledTemplate) =>
    objectSource({ subject: t.subject, preheader: t.preheader, ...body(t) }, "    ");
  const emails = SYSTEM_EMAIL_NAMES.map((name) => `    "${name}": ${email(bundle.emails[name])}`);
  return [
    "// Generated by `npm run build` (scripts/build.ts) from content/tips and emails. Do not edit.",
    'import { brotliDecompressSync } from "node:zlib";',
    `import type { ContentBundle } from "${specifier(outFile, TYPES_FILE)}";`,
    `import type { CreditedTip } from "${specifier(outFile, PAGES_FILE)}";`,
    "",
    "// The html and text of every tip and system email, in the order below: a JSON array of",
    "// strings, brotli-compressed, base64 (compiler/bundle.ts). Decompressed once, at load.",
    `const BODIES = ${JSON.stringify(compressBodies(bodies))};`,
    "const bodies = JSON.parse(",
    '  brotliDecompressSync(Buffer.from(BODIES, "base64")).toString("utf8"),',
    ") as readonly string[];",
    "",
    "function body(index: number): string {",
    "  const text = bodies[index];",
    '  if (typeof text !== "string") throw new Error("generated content: no body #" + index);',
    "  return text;",
    "}",
    "",
    "// The archive's tips carry who wrote them, their expert and their social card as well.",
    "const archive: readonly CreditedTip[] = [",
    archive.map((t) => `  ${t.trimStart()}`).join(",\n"),
    "];",
    "",
    "export const bundle: ContentBundle = {",
    '  "tips": [',
    tips.map((t) => `    ${t.trimStart()}`).join(",\n"),
    "  ],",
    '  "emails": {',
    emails.join(",\n"),
    "  },",
    '  "archive": archive',
    "};",
    "",
  ].join("\n");
}

/** Writes the module if its content changed. Returns the size and whether it was written. */
export function writeBundle(
  bundle: ContentBundle,
  outFile: string = DEFAULT_BUNDLE_FILE,
): { file: string; bytes: number; written: boolean } {
  const source = bundleSource(bundle, outFile);
  let current: string | undefined;
  try {
    current = readFileSync(outFile, "utf8");
  } catch {
    current = undefined;
  }
  const bytes = Buffer.byteLength(source, "utf8");
  if (current === source) return { file: outFile, bytes, written: false };
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, source);
  return { file: outFile, bytes, written: true };
}

/** The module of the brand's asset addresses (functions/generated/assets.ts). */
export function siteAssetsSource(site: SiteAssets, outFile: string): string {
  return [
    "// Generated by `npm run build` (compiler/assets.ts) from content/brand. Do not edit.",
    `import type { SiteAssets } from "${specifier(outFile, SITE_ASSETS_FILE)}";`,
    "",
    `export const siteAssets: SiteAssets = ${JSON.stringify(site, null, 2)};`,
    "",
  ].join("\n");
}

/** The module of the brand (functions/generated/brand.ts): name, words and colours. */
export function brandSource(brand: SiteBrand, outFile: string): string {
  return [
    "// Generated by `npm run build` (compiler/brand.ts) from content/newsletter.yml. Do not edit.",
    `import type { SiteBrand } from "${specifier(outFile, SITE_BRAND_FILE)}";`,
    "",
    `export const brand: SiteBrand = ${JSON.stringify(brand, null, 2)};`,
    "",
  ].join("\n");
}

/** Writes a generated module if its text changed. */
export function writeModule(source: string, outFile: string): boolean {
  let current: string | undefined;
  try {
    current = readFileSync(outFile, "utf8");
  } catch {
    current = undefined;
  }
  if (current === source) return false;
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, source);
  return true;
}
