/**
 * What an SVG source may hold before anything draws it (tip figures, images.ts; the brand's own
 * pictures, brand.ts): shapes and text only, small and simple enough to draw in a moment.
 */

/**
 * Limits on an SVG source, so that drawing it takes a moment, not minutes: a drawing for an
 * email needs a few kilobytes (the project's figures are about 4 KB), while one path of tens of
 * thousands of segments keeps the renderer busy for minutes. Checked before anything is drawn.
 */
export const SVG_MAX_BYTES = 64 * 1024;
/** The most elements an SVG source may have. */
export const SVG_MAX_ELEMENTS = 1000;
/** The most numbers (coordinates, in `d` and `points`) an SVG source's shapes may have. */
export const SVG_MAX_COORDINATES = 10_000;

/**
 * Why an SVG source is refused, else undefined: anything that runs or fetches (a script, an event
 * handler, foreign HTML, a reference to another file or site, an entity declaration), and a
 * drawing too big or too complex to draw in a moment (the limits above).
 */
export function svgProblem(
  href: string,
  bytes: Buffer,
): { message: string; fix: string } | undefined {
  if (bytes.length > SVG_MAX_BYTES) {
    return {
      message: `SVG "${href}" is ${(bytes.length / 1024).toFixed(0)} KB (limit ${SVG_MAX_BYTES / 1024} KB for a drawing)`,
      fix: "simplify the drawing (fewer points, no embedded images) or export it with an SVG optimiser such as SVGO",
    };
  }
  const text = bytes.toString("utf8");
  const unsafe = (what: string) => ({
    message: `SVG "${href}" has ${what}`,
    fix: "remove it: a figure is shapes and text only (no scripts, event handlers, <foreignObject>, or links to other files or sites)",
  });
  if (/<\s*script\b/i.test(text)) return unsafe("a <script>");
  if (/\son[a-z]+\s*=/i.test(text)) return unsafe("an event handler (an on… attribute)");
  if (/<\s*foreignObject\b/i.test(text)) return unsafe("a <foreignObject>");
  if (/<!ENTITY|<!DOCTYPE[^>]*(\[|SYSTEM|PUBLIC)|<\?xml-stylesheet/i.test(text)) {
    return unsafe("a DOCTYPE, entity or stylesheet declaration that may read other files");
  }
  const reference = /(?:^|[\s"'])(?:xlink:)?href\s*=\s*["']\s*(?!#)([^"']*)["']/i.exec(text);
  if (reference) return unsafe(`a reference to another file or site (href="${reference[1]}")`);
  const url = /url\(\s*["']?\s*(?!#)([^)"']*)/i.exec(text);
  if (url) return unsafe(`a reference to another file or site (url(${url[1]}))`);
  if (/@import/i.test(text)) return unsafe("an @import");
  const elements = (text.match(/<[a-zA-Z]/g) ?? []).length;
  const shapes = [
    ...text.matchAll(/\s(?:d|points)\s*=\s*"([^"]*)"|\s(?:d|points)\s*=\s*'([^']*)'/g),
  ];
  const coordinates = shapes.reduce(
    (n, m) =>
      n + ((m[1] ?? m[2] ?? "").match(/[-+]?(?:\d*\.\d+|\d+)(?:e[-+]?\d+)?/gi) ?? []).length,
    0,
  );
  if (elements > SVG_MAX_ELEMENTS || coordinates > SVG_MAX_COORDINATES) {
    return {
      message: `SVG "${href}" is too complex to draw: ${elements} elements and ${coordinates} coordinates (limits ${SVG_MAX_ELEMENTS} and ${SVG_MAX_COORDINATES})`,
      fix: "simplify the drawing: fewer points per path (e.g. Simplify in Inkscape or Illustrator), or fewer shapes",
    };
  }
  return undefined;
}
