/**
 * The brand as the compiler passes it around (brand.ts reads and checks content/newsletter.yml),
 * and a plain stand-in: a module without the YAML, schema and colour libraries, so a check whose
 * brand is cached (check.ts) never loads them.
 */
import type { SiteBrand } from "../functions/http/site-brand.js";

/** The compiled brand: what the site gets, and the absolute paths of its picture files. */
export interface Brand extends SiteBrand {
  /** The brand file itself. */
  file: string;
  files: { logo: string; favicon: string; card: string };
}

/**
 * A plain stand-in while the brand file has problems: the check goes on with it, so every other
 * problem is listed in the same run; nothing is built with it (the brand's problems stop the build).
 */
export const STAND_IN_BRAND: Brand = {
  name: "Newsletter",
  tagline: "A tip every week.",
  sender: "Newsletter",
  launched: "2026-01-01",
  topic: {
    tip: "Tip",
    subject: "Tips",
    promise: "A tip a week",
    pitch: "A tip a week.",
    audience: "readers",
    practice: "the practice",
  },
  colors: {
    light: {
      page: "#f3f4f6",
      card: "#ffffff",
      text: "#1f2933",
      muted: "#52606d",
      accent: "#1f2933",
      button: "#1f2933",
      buttonText: "#ffffff",
      rule: "#d3d8de",
      code: "#f1f3f5",
    },
    dark: {
      page: "#121417",
      card: "#1d2025",
      text: "#eef0f2",
      muted: "#b7bfc8",
      accent: "#eef0f2",
      button: "#eef0f2",
      buttonText: "#121417",
      rule: "#3a3f47",
      code: "#2a2e35",
    },
  },
  file: "",
  files: { logo: "", favicon: "", card: "" },
};

/** What the site gets: the brand without its file paths (functions/generated/brand.ts). */
export function siteBrand(brand: SiteBrand): SiteBrand {
  return {
    name: brand.name,
    tagline: brand.tagline,
    sender: brand.sender,
    launched: brand.launched,
    topic: { ...brand.topic },
    colors: { light: { ...brand.colors.light }, dark: { ...brand.colors.dark } },
  };
}
