/**
 * Images from the repository: a tip shows one with a relative path, `![Alt](../images/squat.svg)`.
 *
 * Checked when the tip is checked (sync, no image library loaded): the file exists under the
 * content folder, is SVG, PNG, JPEG or WebP, has alt text, is not too big a file, and has usable
 * dimensions. Each image becomes one file at twice the width it is shown at (Gmail and Outlook
 * show no SVG; 2× stays sharp on phones), optimised by sharp: a drawing (SVG, PNG) a palette PNG,
 * a photo (JPEG, WebP) a JPEG, at a content-hashed address such as `/assets/squat.3f9a1c2b7d.png`:
 * the hash covers the source's bytes and the rendering settings, so an edited image gets a new
 * address and an unchanged one keeps it. Rendering (async) happens in assets.ts, which also holds
 * each file to IMAGE_MAX_BYTES (PNG) or PHOTO_MAX_BYTES (JPEG).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { imageSize } from "image-size";
import type { Token, Tokens } from "marked";
import { classifyHref, linkTokens, locator } from "./links.js";
import { type Problem, problem } from "./problems.js";
import { svgProblem } from "./svg.js";

/** The width of the email's text column, in CSS pixels: an image is shown at most this wide. */
export const IMAGE_DISPLAY_WIDTH = 536;
/** Pixels per CSS pixel of every rendered image. */
export const IMAGE_SCALE = 2;
/** The most a rendered PNG may weigh (an email loads every image on open). */
export const IMAGE_MAX_BYTES = 60 * 1024;
/** The most a rendered photo (JPEG) may weigh: a photo at 2× is larger than a drawing. */
export const PHOTO_MAX_BYTES = 150 * 1024;
/** The most a source file may weigh. */
export const IMAGE_SOURCE_MAX_BYTES = 1024 * 1024;
/** A photo must be this wide to be sharp at 2× (a drawing, SVG, scales to any width). */
export const RASTER_MIN_WIDTH = IMAGE_DISPLAY_WIDTH * IMAGE_SCALE;
/** Largest side of a source, in pixels. */
export const IMAGE_MAX_SIDE = 6000;
/** An image may be at most this many times as tall as it is wide (a tall one fills a phone). */
export const IMAGE_MAX_ASPECT = 1.5;
/** The URL path under which every built asset is served. */
export const ASSET_PREFIX = "/assets/";

const TYPES: Record<string, "svg" | "png" | "jpg" | "webp"> = {
  ".svg": "svg",
  ".png": "png",
  ".jpg": "jpg",
  ".jpeg": "jpg",
  ".webp": "webp",
};

/**
 * Bumped when the rendering changes (settings, library major version): every address changes
 * with it, so no cache anywhere keeps an old rendering under a new one's name.
 */
export const RENDER_VERSION = "png-2x-palette-1";

/** An image of the repository, checked, with the address and size it is shown at. */
export interface LocalImage {
  /** The href as written in the tip. */
  href: string;
  /** Absolute path of the source file. */
  source: string;
  /** File name under ASSET_PREFIX, e.g. `squat.3f9a1c2b7d.png`. */
  name: string;
  /** CSS pixels it is shown at (the PNG is IMAGE_SCALE times as large). */
  width: number;
  height: number;
  type: "svg" | "png" | "jpg" | "webp";
}

/** A photo (JPEG, WebP) is sent as a JPEG; a drawing (SVG, PNG) as a palette PNG. */
export const photo = (type: LocalImage["type"]) => type === "jpg" || type === "webp";

/** The folder images may come from: the content folder (the parent of the tips folder). */
export function contentRoot(tipsDir: string): string {
  return path.dirname(path.resolve(tipsDir));
}

/** `<stem>.<hash>.png`, the hash over the rendering version and the given parts. */
export function hashedName(stem: string, ...parts: (string | Buffer)[]): string {
  const hash = createHash("sha256").update(RENDER_VERSION);
  for (const part of parts) hash.update("\0").update(part);
  const clean =
    stem
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "image";
  return `${clean}.${hash.digest("hex").slice(0, 10)}.png`;
}

/** The absolute URL of an asset for emails: the site's base URL and its hashed path. */
export function assetUrl(siteUrl: string, name: string): string {
  return `${siteUrl.replace(/\/+$/, "")}${ASSET_PREFIX}${name}`;
}

type Inspected = { ok: true; value: LocalImage } | { ok: false; message: string; fix: string };

/** Checks one image file on its own: type, file size and dimensions. */
export function inspectImage(href: string, source: string, root: string): Inspected {
  // As the editor finds it: content/images/x.svg.
  const shown = path.join(path.basename(root), path.relative(root, source));
  const relative = path.relative(root, source);
  if (relative.startsWith("..") || path.isAbsolute(relative)) {
    return {
      ok: false,
      message: `image "${href}" is outside the content folder`,
      fix: "put the image in content/images/ and link it from the tip as ../images/<file>",
    };
  }
  if (!existsSync(source) || !statSync(source).isFile()) {
    return {
      ok: false,
      message: `image not found: "${href}" (no file ${shown})`,
      fix: "check the file name, or add the image to content/images/ and link it as ../images/<file>",
    };
  }
  const type = TYPES[path.extname(source).toLowerCase()];
  if (!type) {
    return {
      ok: false,
      message: `image "${href}" is not SVG, PNG, JPEG or WebP`,
      fix: "save it as .svg (drawings) or .png/.jpg (photos)",
    };
  }
  const bytes = readFileSync(source);
  if (bytes.length > IMAGE_SOURCE_MAX_BYTES) {
    return {
      ok: false,
      message: `image "${href}" is too big a file: ${(bytes.length / 1024).toFixed(0)} KB (limit ${IMAGE_SOURCE_MAX_BYTES / 1024} KB)`,
      fix: `export it smaller: ${RASTER_MIN_WIDTH} px wide is all an email shows`,
    };
  }
  if (type === "svg") {
    const refused = svgProblem(href, bytes);
    if (refused) return { ok: false, ...refused };
  }
  let size: { width?: number; height?: number };
  try {
    size = imageSize(bytes);
  } catch {
    size = {};
  }
  const { width, height } = size;
  if (!width || !height) {
    return {
      ok: false,
      message: `image "${href}" has no readable width and height`,
      fix:
        type === "svg"
          ? 'give the <svg> a viewBox, e.g. viewBox="0 0 536 300", or width and height'
          : "re-export the image; the file may be damaged",
    };
  }
  if (width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE) {
    return {
      ok: false,
      message: `image "${href}" is ${width}×${height} px (at most ${IMAGE_MAX_SIDE} px a side)`,
      fix: `resize it to ${RASTER_MIN_WIDTH} px wide`,
    };
  }
  if (type !== "svg" && width < RASTER_MIN_WIDTH) {
    return {
      ok: false,
      message: `image "${href}" is ${width} px wide; it needs at least ${RASTER_MIN_WIDTH} px to be sharp (${IMAGE_DISPLAY_WIDTH} px shown, at ${IMAGE_SCALE}×)`,
      fix: "use a larger original, or draw it as SVG",
    };
  }
  if (height > width * IMAGE_MAX_ASPECT) {
    return {
      ok: false,
      message: `image "${href}" is ${width}×${height}: taller than ${IMAGE_MAX_ASPECT} times its width`,
      fix: "crop it or lay it out wider (side by side rather than stacked)",
    };
  }
  const drawn = hashedName(path.basename(source, path.extname(source)), bytes);
  const displayWidth = IMAGE_DISPLAY_WIDTH;
  const displayHeight = Math.round((height / width) * displayWidth);
  return {
    ok: true,
    value: {
      href,
      source,
      name: photo(type) ? drawn.replace(/\.png$/, ".jpg") : drawn,
      width: displayWidth,
      height: displayHeight,
      type,
    },
  };
}

/** The repository images a tip shows (relative image hrefs), checked; problems carry lines. */
export function checkImages(
  file: string,
  body: string,
  bodyLine: number,
  tokens: Token[],
  tipsDir: string,
): { problems: Problem[]; images: LocalImage[] } {
  const problems: Problem[] = [];
  const images: LocalImage[] = [];
  const root = contentRoot(tipsDir);
  const lineOf = locator(body, bodyLine);
  for (const t of linkTokens(tokens)) {
    const line = lineOf(t.raw);
    if (t.type !== "image" || classifyHref(t.href) !== "relative") continue;
    const href = (t as Tokens.Image).href.trim();
    const source = path.resolve(path.dirname(file), decodeURI(href.replace(/[#?].*$/, "")));
    const inspected = inspectImage(href, source, root);
    if (!inspected.ok) {
      problems.push(problem(file, inspected.message, inspected.fix, line));
      continue;
    }
    if (!images.some((i) => i.href === href)) images.push(inspected.value);
  }
  return { problems, images };
}
