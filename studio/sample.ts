/**
 * An email as one sample reader gets it: placeholders filled with sample values, and the dark
 * variant that colour-inverting clients (the Gmail and Outlook apps among them) show to readers
 * in dark mode. The templates have dark styles of their own (prefers-color-scheme) for the clients
 * that honour them; these clients ignore them and invert, which the templates are made to survive.
 */

import { pathToFileURL } from "node:url";
import { checkBrand } from "../compiler/brand.js";
import { DEFAULT_BRAND_FILE, DEFAULT_SITE_DIR } from "../compiler/paths.js";
import { escapeHtml, type FillValues, fill, TemplateFillError } from "../functions/core/fill.js";
import type { CompiledTemplate } from "../functions/core/types.js";

/** Where the review report's and preview's files load the emails' images from: the build's. */
export const BUILT_SITE_URL = pathToFileURL(DEFAULT_SITE_DIR).href.replace(/\/+$/, "");

/** The site of the sample links (unsubscribe, manage, the web view, the text part's addresses). */
const SAMPLE_SITE = "https://example.com";

/** The sample postal address: the studio's and preview's, and the local stack's too. */
export const LOCAL_POSTAL_ADDRESS = "123 Example Street, Springfield, OR 97477, USA";

/** The brand's sender name, or a plain one while the brand file has problems (`npm run check` says). */
export function localSender(): string {
  return checkBrand(DEFAULT_BRAND_FILE).brand?.sender ?? "Newsletter";
}

/**
 * Sample values for every placeholder. `siteUrl` is where the email's images are loaded from:
 * the studio serves them itself ("", its own origin); the review report points at the built files.
 */
export function sampleValues(slug: string, siteUrl = "", tipNumber = 1): Required<FillValues> {
  return {
    first_name: "Alex",
    unsubscribe_url: `${SAMPLE_SITE}/unsubscribe?token=sample-token`,
    confirm_url: `${SAMPLE_SITE}/confirm?token=sample-token`,
    view_url: `${SAMPLE_SITE}/tips/${slug}`,
    manage_url: `${SAMPLE_SITE}/manage?token=sample-token`,
    site_url: siteUrl,
    postal_address: LOCAL_POSTAL_ADDRESS,
    tip_number: String(tipNumber),
  };
}

export interface FilledEmail {
  subject: string;
  preheader: string;
  html: string;
  text: string;
}

/** The email as a reader gets it; a tip as the reader whose tip number is its order. */
export function sampleEmail(
  email: CompiledTemplate & { order?: number },
  slug: string,
  siteUrl = "",
): FilledEmail {
  const values = sampleValues(slug, siteUrl, email.order ?? 1);
  return {
    subject: fillForPreview(email.subject, values, "text"),
    preheader: email.preheader,
    html: fillForPreview(email.html, values, "html"),
    // The text part loads nothing: its addresses are the sample site's, absolute as a reader's are.
    text: fillForPreview(email.text, { ...values, site_url: SAMPLE_SITE }, "text"),
  };
}

/**
 * fill(), or for a draft whose body has a placeholder fill() refuses (its error is listed above
 * the preview), the known ones filled and the rest left as written.
 */
function fillForPreview(template: string, values: Required<FillValues>, mode: "html" | "text") {
  try {
    return fill(template, values, mode);
  } catch (error) {
    if (!(error instanceof TemplateFillError)) throw error;
    return template.replace(/\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g, (match, name: string) => {
      const value = (values as Record<string, string | undefined>)[name];
      if (value === undefined) return match;
      return mode === "html" ? escapeHtml(value) : value;
    });
  }
}

/** Full colour inversion, with photos turned back, as inverting clients render dark mode. */
const DARK_STYLE =
  "<style>html{filter:invert(1) hue-rotate(180deg);background:#fff}img{filter:invert(1) hue-rotate(180deg)}</style>";

/**
 * The email in light mode whatever the scheme of the browser showing the preview (an editor in
 * dark mode still sees the light view as labelled): its own dark styles never apply.
 */
export function lightVariant(html: string): string {
  return html.replace(
    /prefers-color-scheme:\s*dark\)/g,
    "prefers-color-scheme:dark) and (max-width:0px)",
  );
}

export function darkVariant(html: string): string {
  // Those clients ignore the email's own dark styles: they never apply here (lightVariant).
  html = lightVariant(html);
  return html.includes("</head>")
    ? html.replace("</head>", `${DARK_STYLE}</head>`)
    : `${DARK_STYLE}${html}`;
}
