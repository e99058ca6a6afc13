/**
 * Fills the per-recipient `{{placeholders}}` of a template compiled at build time.
 * Values are HTML-escaped for the HTML part; a missing or unknown placeholder throws,
 * so a typo in a template can never reach a reader as literal braces.
 */

export const PLACEHOLDERS = [
  "first_name",
  "unsubscribe_url",
  "confirm_url",
  "view_url",
  "postal_address",
  "site_url",
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type FillValues = Partial<Record<Placeholder, string>>;

/** What {{first_name}} becomes for a reader who gave no name ("Hi there,"). */
export const FIRST_NAME_FALLBACK = "there";

/** The {{first_name}} value for a reader: their trimmed name, or the fallback. */
export function firstNameValue(firstName: string | undefined): string {
  return firstName?.trim() || FIRST_NAME_FALLBACK;
}

export class TemplateFillError extends Error {
  override name = "TemplateFillError";
}

const PATTERN = /\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g;
const KNOWN = new Set<string>(PLACEHOLDERS);

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Names of the placeholders a template uses, in order of first use. */
export function placeholdersIn(template: string): string[] {
  return [...new Set([...template.matchAll(PATTERN)].map((m) => m[1] as string))];
}

/** Throws TemplateFillError naming every placeholder that is not one of PLACEHOLDERS. */
export function assertKnownPlaceholders(template: string, where: string): void {
  const unknown = placeholdersIn(template).filter((name) => !KNOWN.has(name));
  if (unknown.length > 0) {
    throw new TemplateFillError(
      `${where}: unknown placeholder ${unknown.map((n) => `{{${n}}}`).join(", ")}; known: ${PLACEHOLDERS.join(", ")}`,
    );
  }
}

export function fill(template: string, values: FillValues, mode: "html" | "text"): string {
  return template.replace(PATTERN, (_match, name: string) => {
    if (!KNOWN.has(name)) {
      throw new TemplateFillError(`unknown placeholder {{${name}}}`);
    }
    const value = values[name as Placeholder];
    if (value === undefined) {
      throw new TemplateFillError(`missing value for placeholder {{${name}}}`);
    }
    return mode === "html" ? escapeHtml(value) : value;
  });
}
