/**
 * The site's own static files, drawn by the build (compiler/assets.ts) from content/brand/ and
 * served under /assets/ with content-hashed names: what every page's <head> links to.
 */
export interface SiteAssets {
  /** The favicon, SVG. */
  favicon: string;
  /** The favicon as a 32 px PNG, for browsers without SVG icons. */
  faviconPng: string;
  /** 180 px PNG for iOS home screens. */
  appleTouchIcon: string;
  /** The logo mark, SVG (the page header shows it). */
  logo: string;
  /** The home page's social card (Open Graph image), 1200×630 PNG. */
  card: string;
}

export { siteAssets } from "../generated/assets.js";
