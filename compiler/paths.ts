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

/**
 * What emails link their images under: the {{site_url}} placeholder, which the sender fills with
 * the stage's own address when it sends (so a build needs to know no address).
 */
export function defaultSiteUrl(): string {
  return "{{site_url}}";
}
