/**
 * The newsletter's brand as pages, the feed and the emails use it: its name, words and colours,
 * compiled by the build (compiler/brand.ts) from content/newsletter.yml into the generated module
 * the Lambdas import (functions/generated/brand.ts, `brand`). Nothing here holds a name of its
 * own, and nothing here imports the generated module: the compiler uses these types and helpers
 * before that module exists.
 */

/** The colours of one scheme (light or dark); every text colour is ≥ 4.5:1 on its backgrounds. */
export interface Palette {
  /** Behind everything. */
  page: string;
  /** Behind the text: the card a page's or an email's content sits on. */
  card: string;
  text: string;
  /** Small print, bylines, dates. */
  muted: string;
  /** Links, the name in headers, the tip numbers. */
  accent: string;
  button: string;
  buttonText: string;
  /** Lines and borders. */
  rule: string;
  /** Behind code and notices. */
  code: string;
}

export interface SiteBrand {
  /** The newsletter's name. */
  name: string;
  /** One sentence under the name (page footers, the feed's description). */
  tagline: string;
  /** The From display name of every email. */
  sender: string;
  /** YYYY-MM-DD: the day the first tip went out (the feed's date of a tip without its own). */
  launched: string;
  /** The short phrases pages and emails use. */
  topic: {
    /** One tip, before its number: "Mobility note" in "Mobility note #3". */
    tip: string;
    /** What the newsletter is about, in a few words (the home page's card). */
    subject: string;
    /** The signup page's heading. */
    promise: string;
    /** The sentence under it (also the home page's description). */
    pitch: string;
    /** Who the tips are for, plural: "climbers" (the consent wording, the welcome email). */
    audience: string;
    /** What the tips teach: "mobility work" (the consent wording, the welcome email). */
    practice: string;
  };
  colors: { light: Palette; dark: Palette };
}

/**
 * "Mobility note #3": a tip's label (the brand's topic.tip) and its number, which is the reader's
 * place in the series (1-based), never the editor's `order`.
 */
export function tipLabel(brand: Pick<SiteBrand, "topic">, place: number): string {
  return `${brand.topic.tip} #${place}`;
}
