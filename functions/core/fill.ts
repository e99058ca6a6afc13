/**
 * Fills the per-recipient `{{placeholders}}` of a template compiled at build time.
 * Values are HTML-escaped for the HTML part; a missing or unknown placeholder throws,
 * so a typo in a template can never reach a reader as literal braces.
 */
import type { CompiledTip } from "./types.js";

export const PLACEHOLDERS = [
  "first_name",
  "unsubscribe_url",
  "confirm_url",
  "view_url",
  "manage_url",
  "postal_address",
  "site_url",
  /** The reader's own place in the series: their third tip is 3. */
  "tip_number",
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type FillValues = Partial<Record<Placeholder, string>>;

/** What {{first_name}} becomes for a reader who gave no name ("Hi there,"). */
export const FIRST_NAME_FALLBACK = "there";

/** The {{first_name}} value for a reader: their trimmed name, or the fallback. */
export function firstNameValue(firstName: string | undefined): string {
  return firstName?.trim() || FIRST_NAME_FALLBACK;
}

/**
 * The placeholders a tip's email is filled with (core/sender.ts composeEmail): the
 * compiler allows a tip these and no other.
 */
export const TIP_PLACEHOLDERS = [
  "first_name",
  "view_url",
  "manage_url",
  "unsubscribe_url",
  "postal_address",
  "site_url",
  "tip_number",
] as const satisfies readonly Placeholder[];

export class TemplateFillError extends Error {
  override name = "TemplateFillError";
}

const PATTERN = /\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g;
const KNOWN = new Set<string>(PLACEHOLDERS);
const TIP_KNOWN: ReadonlySet<string> = new Set(TIP_PLACEHOLDERS);

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

/**
 * Why a tip cannot be made into anyone's email (a placeholder its email is not filled with), or
 * undefined: the same answer for every reader, so the planner asks it once a pass.
 */
export function unfillable(
  tip: Pick<CompiledTip, "subject" | "html" | "text">,
): string | undefined {
  const missing = outside(`${tip.subject}\n${tip.html}\n${tip.text}`, TIP_KNOWN);
  return missing && `no value for ${missing} in a tip's email`;
}

/** Throws TemplateFillError naming every placeholder that is not one of PLACEHOLDERS. */
export function assertKnownPlaceholders(template: string, where: string): void {
  const unknown = outside(template, KNOWN);
  if (unknown) {
    throw new TemplateFillError(
      `${where}: unknown placeholder ${unknown}; known: ${PLACEHOLDERS.join(", ")}`,
    );
  }
}

/** The placeholders of `template` not in `names`, as "{{a}}, {{b}}", or undefined for none. */
function outside(template: string, names: ReadonlySet<string>): string | undefined {
  const others = placeholdersIn(template).filter((name) => !names.has(name));
  return others.length > 0 ? others.map((name) => `{{${name}}}`).join(", ") : undefined;
}

/** A template cut at its placeholders once: parts[i], names[i], parts[i + 1], … */
interface CutTemplate {
  parts: string[];
  names: Placeholder[];
}

/** The templates a process fills (a few per tip), cut once each: a send fills them per email. */
const cut = new Map<string, CutTemplate>();
const CUT_CACHE_SIZE = 512;

function cutTemplate(template: string): CutTemplate {
  const known = cut.get(template);
  if (known) return known;
  const parts: string[] = [];
  const names: Placeholder[] = [];
  let last = 0;
  for (const match of template.matchAll(PATTERN)) {
    const name = match[1] as string;
    if (!KNOWN.has(name)) throw new TemplateFillError(`unknown placeholder {{${name}}}`);
    parts.push(template.slice(last, match.index));
    names.push(name as Placeholder);
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  if (cut.size >= CUT_CACHE_SIZE) cut.clear();
  const result = { parts, names };
  cut.set(template, result);
  return result;
}

export function fill(template: string, values: FillValues, mode: "html" | "text"): string {
  const { parts, names } = cutTemplate(template);
  let filled = parts[0] as string;
  for (let i = 0; i < names.length; i += 1) {
    const name = names[i] as Placeholder;
    const value = values[name];
    if (value === undefined) {
      throw new TemplateFillError(`missing value for placeholder {{${name}}}`);
    }
    filled += (mode === "html" ? escapeHtml(value) : value) + parts[i + 1];
  }
  return mode === "text" && hasLineToWrap(filled) ? rewrapLongLines(filled) : filled;
}

/** Text lines are at most this long (RFC 5322's advice; the compiler wraps at it too). */
export const TEXT_WIDTH = 78;

/** Whether a line is longer than TEXT_WIDTH and holds no URL (scanned without splitting). */
function hasLineToWrap(text: string): boolean {
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    if (end - start > TEXT_WIDTH) {
      const url = text.indexOf("://", start);
      if (url === -1 || url >= end) return true;
    }
    start = end + 1;
  }
  return false;
}

/**
 * A value filled into the text part can make its line too long (a long postal address): such a
 * line is wrapped again at word boundaries, keeping its indent. URLs, which stand on lines of
 * their own, are never broken.
 */
function rewrapLongLines(text: string): string {
  return text
    .split("\n")
    .map((line) => {
      if (line.length <= TEXT_WIDTH || line.includes("://")) return line;
      const indent = /^\s*/.exec(line)?.[0] ?? "";
      const out: string[] = [];
      let current = "";
      for (const word of line.trim().split(/\s+/)) {
        if (current !== "" && indent.length + current.length + 1 + word.length > TEXT_WIDTH) {
          out.push(indent + current);
          current = word;
        } else {
          current = current === "" ? word : `${current} ${word}`;
        }
      }
      out.push(indent + current);
      return out.join("\n");
    })
    .join("\n");
}
