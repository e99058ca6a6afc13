/**
 * The site's static files, built from SVG sources in the repository: the figures tips show
 * (images.ts), a social card per tip and one for the home page (the brand's card template with
 * their text), and the brand's own files (logo, favicon), all named in content/newsletter.yml;
 * `%%name%%` in the logo and favicon (their <title>) becomes the newsletter's name.
 *
 * Every file gets a content-hashed name (images.ts hashedName), known without rendering, so a tip
 * is compiled with its addresses before anything is drawn. Rendering is sharp's (SVG through
 * librsvg), to palette PNG at maximum compression; each PNG is held to IMAGE_MAX_BYTES. Rendered
 * files are kept in the compiler's cache (cache.ts), so a check of unchanged content draws nothing.
 * The build writes them to dist/site/assets/, served at /assets/ (`npm start` locally).
 */
import { readFileSync } from "node:fs";
import { escapeHtml } from "../functions/core/fill.js";
import type { SiteAssets } from "../functions/http/site-assets.js";
import { tipLabel } from "../functions/http/site-brand.js";
import type { Brand } from "./brand-base.js";
import { cacheKey, readCache, writeCache } from "./cache.js";
import {
  ASSET_PREFIX,
  hashedName,
  IMAGE_MAX_BYTES,
  IMAGE_SCALE,
  type LocalImage,
  PHOTO_MAX_BYTES,
  photo,
} from "./images.js";
import { type Problem, problem } from "./problems.js";

/** Open Graph's recommended card size (1.91:1), in pixels. */
export const CARD_WIDTH = 1200;
export const CARD_HEIGHT = 630;

/** A file the build writes under /assets/: its name and how it is made. */
export interface PlannedAsset {
  name: string;
  /** The file it is drawn from (named in a problem). */
  source: string;
  /** SVG copied as is, or drawn to a PNG `width` pixels wide. */
  output:
    | { kind: "svg" }
    | { kind: "png"; width: number; height?: number }
    | { kind: "jpg"; width: number; height: number };
  /** The SVG (or raster) bytes to draw. */
  input: () => Buffer;
}

export interface RenderedAsset {
  name: string;
  bytes: Buffer;
  /** image/png or image/svg+xml. */
  contentType: string;
}

/**
 * A figure's source by the hashed name it was checked under (a file saved since has a new name):
 * drawn once per name, however many tips show it.
 */
const figures = new Map<string, Buffer>();
function figure(file: string, name: string): Buffer {
  let bytes = figures.get(name);
  if (!bytes) {
    bytes = readFileSync(file);
    figures.set(name, bytes);
  }
  return bytes;
}

/** A brand file as it is now (small; read again at each check, so the studio sees a save). */
const read = (file: string): Buffer => readFileSync(file);

/** `name.hash.svg` for an SVG served as is. */
function svgName(stem: string, bytes: Buffer): string {
  return hashedName(stem, bytes, "svg").replace(/\.png$/, ".svg");
}

/** A figure of a tip, drawn at 2× the width it is shown at. */
export function figureAsset(image: LocalImage): PlannedAsset {
  return {
    name: image.name,
    source: image.source,
    output: {
      kind: photo(image.type) ? "jpg" : "png",
      width: image.width * IMAGE_SCALE,
      height: image.height * IMAGE_SCALE,
    },
    input: () => figure(image.source, image.name),
  };
}

const xml = (text: string) => escapeHtml(text);

/**
 * Splits a title into lines of at most `max` characters at spaces (a word longer than that keeps
 * a line of its own). SVG does not wrap text; the card's type is sized so that 24 characters of
 * an average title fit its width.
 */
export function wrapTitle(title: string, max = 24, lines = 3): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of title.split(/\s+/).filter(Boolean)) {
    if (line !== "" && line.length + 1 + word.length > max) {
      out.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") out.push(line);
  if (out.length <= lines) return out;
  const kept = out.slice(0, lines);
  kept[lines - 1] = `${kept[lines - 1]}…`;
  return kept;
}

/** What a social card says: a small line above, the title in large type, a line below. */
export interface CardText {
  eyebrow: string;
  title: string;
  footer: string;
}

/** Fills the card template's %%tokens%%; `%%lines%%` becomes one <tspan> per line of the title. */
export function fillCard(template: string, values: CardText): string {
  const lines = wrapTitle(values.title);
  const tspans = lines
    .map((line, i) => `<tspan x="80" dy="${i === 0 ? 0 : 78}">${xml(line)}</tspan>`)
    .join("");
  // The title block sits higher when it is longer, so the card stays balanced.
  const y = 300 - (lines.length - 1) * 39;
  return template
    .replaceAll("%%eyebrow%%", xml(values.eyebrow.toUpperCase()))
    .replaceAll("%%footer%%", xml(values.footer))
    .replaceAll("%%title_y%%", String(y))
    .replaceAll("%%lines%%", tspans);
}

/** A social card drawn from the brand's card template with the given text. */
function cardAsset(stem: string, text: CardText, file: string): PlannedAsset {
  return {
    name: hashedName(stem, read(file), text.eyebrow, text.title, text.footer),
    source: file,
    output: { kind: "png", width: CARD_WIDTH, height: CARD_HEIGHT },
    input: () => Buffer.from(fillCard(read(file).toString("utf8"), text)),
  };
}

/**
 * A tip's social card: its number (`place`, its place in the series readers get, never the
 * editor's order) and title, and the newsletter's name.
 */
export function tipCardAsset(
  tip: { slug: string; title: string },
  place: number,
  brand: Pick<Brand, "name" | "topic" | "files">,
): PlannedAsset {
  return cardAsset(
    `card-${tip.slug}`,
    { eyebrow: tipLabel(brand, place), title: tip.title, footer: brand.name },
    brand.files.card,
  );
}

/** A brand SVG with the newsletter's name in place of `%%name%%` (its <title>). */
function named(file: string, name: string): Buffer {
  return Buffer.from(read(file).toString("utf8").replaceAll("%%name%%", xml(name)));
}

/** The brand's own files: favicon (SVG, and PNGs for browsers without SVG icons), logo, card. */
export function brandAssets(brand: Brand): { plan: PlannedAsset[]; site: SiteAssets } {
  const { favicon, logo } = brand.files;
  const faviconSvg = named(favicon, brand.name);
  const logoSvg = named(logo, brand.name);
  const plan: PlannedAsset[] = [
    {
      name: svgName("favicon", faviconSvg),
      source: favicon,
      output: { kind: "svg" },
      input: () => faviconSvg,
    },
    {
      name: hashedName("favicon-32", faviconSvg, "32"),
      source: favicon,
      output: { kind: "png", width: 32, height: 32 },
      input: () => faviconSvg,
    },
    {
      name: hashedName("apple-touch-icon", faviconSvg, "180"),
      source: favicon,
      output: { kind: "png", width: 180, height: 180 },
      input: () => faviconSvg,
    },
    {
      name: svgName("logo", logoSvg),
      source: logo,
      output: { kind: "svg" },
      input: () => logoSvg,
    },
    cardAsset(
      "card",
      {
        eyebrow: brand.topic.subject,
        title: brand.name,
        footer: "One short tip a week. Free, one click to leave.",
      },
      brand.files.card,
    ),
  ];
  const url = (i: number) => `${ASSET_PREFIX}${(plan[i] as PlannedAsset).name}`;
  return {
    plan,
    site: {
      favicon: url(0),
      faviconPng: url(1),
      appleTouchIcon: url(2),
      logo: url(3),
      card: url(4),
    },
  };
}

/** Draws one photo as a progressive JPEG (mozjpeg) of exactly `width` × `height` pixels. */
async function drawJpeg(input: Buffer, output: { width: number; height: number }) {
  const { default: sharp } = await import("sharp");
  return sharp(input)
    .rotate()
    .resize({ width: output.width, height: output.height, fit: "cover" })
    .flatten({ background: "#ffffff" })
    .jpeg({ quality: 72, mozjpeg: true, progressive: true })
    .toBuffer();
}

/** Draws one PNG with sharp: the SVG rasterised at the density that gives `width` pixels. */
async function drawPng(
  input: Buffer,
  output: { width: number; height?: number },
  svg: boolean,
): Promise<Buffer> {
  const { default: sharp } = await import("sharp");
  let density: number | undefined;
  if (svg) {
    const meta = await sharp(input).metadata();
    // librsvg draws an SVG at 72 dpi by default: scale the density to reach the target width.
    density = Math.min(2400, Math.max(1, (72 * output.width) / (meta.width || output.width)));
  }
  return sharp(input, density ? { density } : {})
    .resize({ width: output.width, height: output.height, fit: "contain", background: "#ffffff" })
    .png({ palette: true, quality: 90, effort: 10, compressionLevel: 9 })
    .toBuffer();
}

/** Draws (or takes from the cache) every planned file; a PNG over IMAGE_MAX_BYTES is a problem. */
export async function renderAssets(
  plan: readonly PlannedAsset[],
): Promise<{ assets: RenderedAsset[]; problems: Problem[] }> {
  const assets: RenderedAsset[] = [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const item of plan) {
    if (seen.has(item.name)) continue;
    seen.add(item.name);
    if (item.output.kind === "svg") {
      assets.push({ name: item.name, bytes: item.input(), contentType: "image/svg+xml" });
      continue;
    }
    const key = cacheKey("asset", item.name, JSON.stringify(item.output));
    const cached = readCache<string>(key);
    let bytes: Buffer;
    if (cached) bytes = Buffer.from(cached, "base64");
    else {
      try {
        bytes =
          item.output.kind === "jpg"
            ? await drawJpeg(item.input(), item.output)
            : await drawPng(item.input(), item.output, /\.svg$/i.test(item.source));
      } catch (error) {
        problems.push(
          problem(
            item.source,
            `image cannot be drawn: ${error instanceof Error ? error.message : String(error)}`,
            "open it in a browser or an editor and save it again as plain SVG, PNG or JPEG",
          ),
        );
        continue;
      }
      writeCache(key, bytes.toString("base64"));
    }
    const jpeg = item.output.kind === "jpg";
    const limit = jpeg ? PHOTO_MAX_BYTES : IMAGE_MAX_BYTES;
    if (bytes.length > limit) {
      problems.push(
        problem(
          item.source,
          `image is ${(bytes.length / 1024).toFixed(1)} KB as a ${jpeg ? "JPEG" : "PNG"} at ${IMAGE_SCALE}× (limit ${limit / 1024} KB)`,
          jpeg
            ? "crop it to the subject, or use a calmer photo (a busy background weighs most)"
            : "simplify it: fewer colours, no gradients or photos inside a drawing, or a smaller crop; a photo saved as PNG is better saved as .jpg",
        ),
      );
    }
    assets.push({ name: item.name, bytes, contentType: jpeg ? "image/jpeg" : "image/png" });
  }
  return { assets, problems };
}
