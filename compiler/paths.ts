/** Where the content, the templates and the generated module live by default. */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (compiler/..). */
export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
export const DEFAULT_BUNDLE_FILE = path.join(REPO_ROOT, "functions/generated/content.ts");
export const DEFAULT_TIPS_DIR = path.join(REPO_ROOT, "content/tips");
export const DEFAULT_EMAILS_DIR = path.join(REPO_ROOT, "emails");
