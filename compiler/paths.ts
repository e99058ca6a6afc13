/** Where the content, the templates and the generated module live by default. */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (compiler/..). */
export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
export const DEFAULT_BUNDLE_FILE = path.join(REPO_ROOT, "functions/generated/content.ts");
export const DEFAULT_TIPS_DIR = path.join(REPO_ROOT, "content/tips");
export const DEFAULT_EMAILS_DIR = path.join(REPO_ROOT, "emails");
/** The brand file (compiler/brand.ts): the newsletter's name, words, pictures and colours. */
export const DEFAULT_BRAND_FILE = path.join(REPO_ROOT, "content/newsletter.yml");
/** Where the build writes the site's static files (hashed images, icons, social cards). */
export const DEFAULT_SITE_DIR = path.join(REPO_ROOT, "dist/site");

/** The address `npm start` serves on by default (its --port 3000). */
export const LOCAL_SITE_URL = "http://127.0.0.1:3000";

/**
 * The site's public base URL, which emails link their images under: SITE_URL, else the local one.
 * A deploy builds with the stage's address (e.g. SITE_URL=https://tips.example.com).
 */
export function defaultSiteUrl(): string {
  return (process.env.SITE_URL || LOCAL_SITE_URL).replace(/\/+$/, "");
}
