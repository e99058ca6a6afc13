/**
 * Email-client compatibility, from the caniemail.com data through @jsx-email/doiuse-email: which
 * HTML and CSS features of an email the main clients do not support. Reported as warnings.
 *
 * A tip's body is rendered from a fixed set of elements and inline styles (render.ts), so its
 * result depends only on which of those appear: results are cached by that shape, and a
 * thousand tips cost a handful of checks, and the results are kept in the compiler's cache
 * (cache.ts), so a check on unchanged content does not even load doiuse-email. A template is
 * checked once, when it is compiled.
 */
import { createRequire } from "node:module";
import { cacheKey, readCache, writeCache } from "./cache.js";
import { type Problem, problem } from "./problems.js";

const require = createRequire(import.meta.url);
type DoIUseEmail = typeof import("@jsx-email/doiuse-email").doIUseEmail;
let doIUseEmail: DoIUseEmail | undefined;

/** The clients that most subscribers read mail in. */
export const EMAIL_CLIENTS = ["gmail.*", "apple-mail.*", "outlook.*", "yahoo.*"];

/** `feature` → the clients that do not support it, from doiuse-email's messages. */
export function unsupported(html: string): Map<string, string[]> {
  // Loaded on first use only: with the results cached, a check never loads it.
  doIUseEmail ??= (require("@jsx-email/doiuse-email") as { doIUseEmail: DoIUseEmail }).doIUseEmail;
  const result = doIUseEmail(html, { emailClients: EMAIL_CLIENTS });
  const features = new Map<string, string[]>();
  for (const message of result.success ? [] : result.errors) {
    const match = /^`(.+)` is not supported by `(.+)`$/.exec(message);
    if (!match) continue;
    const [, feature, client] = match as unknown as [string, string, string];
    const clients = features.get(feature) ?? [];
    if (!clients.includes(client)) clients.push(client);
    features.set(feature, clients);
  }
  return features;
}

const cache = new Map<string, Map<string, string[]>>();

/** The body's elements with their attributes, minus the values that differ from tip to tip. */
function shape(html: string): string {
  const tags = new Set<string>();
  for (const m of html.matchAll(/<[a-z][a-z0-9]*\b[^>]*>/gi)) {
    tags.add(m[0].replace(/\s(href|src|alt|title)="[^"]*"/g, ""));
  }
  return [...tags].sort().join("");
}

function toWarnings(file: string, features: Map<string, string[]>, where: string): Problem[] {
  return [...features].map(([feature, clients]) =>
    problem(
      file,
      `email clients: ${feature} in ${where} is not supported by ${clients.join(", ")}`,
      "check how it looks there (caniemail.com), or use a simpler alternative",
    ),
  );
}

const page = (body: string) => `<!doctype html><html><body>${body}</body></html>`;
let empty: Map<string, string[]> | undefined;

/** Warnings for a tip's rendered body HTML (not the page around it: that is the template's). */
export function compatWarnings(file: string, bodyHtml: string): Problem[] {
  const key = shape(bodyHtml);
  let features = cache.get(key);
  if (!features) {
    // Also on disk: the same shapes come back run after run.
    const diskKey = cacheKey("compat", key);
    const stored = readCache<[string, string[]][]>(diskKey);
    if (stored) features = new Map(stored);
    else {
      empty ??= unsupported(page(""));
      features = unsupported(page(bodyHtml));
      for (const feature of empty.keys()) features.delete(feature);
      writeCache(diskKey, [...features]);
    }
    cache.set(key, features);
  }
  return toWarnings(file, features, "the tip");
}

/** Warnings for a whole compiled template. */
export function templateCompatWarnings(file: string, html: string): Problem[] {
  return toWarnings(file, unsupported(html), "the template");
}
