/**
 * Every email as a reader gets it (test/support/outgoing.ts: the production functions, an https
 * site, long real tokens): its size, its inbox preview, and a text part written for reading.
 */

import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkContent } from "../../compiler/check.js";
import { DEFAULT_EMAILS_DIR } from "../../compiler/paths.js";
import { SYSTEM_EMAIL_NAMES } from "../../compiler/templates.js";
import type { ContentBundle } from "../../functions/core/types.js";
import { bundle } from "../../functions/generated/content.js";
import { emailsAsSent } from "../support/outgoing.js";

const EMAILS = emailsAsSent(bundle);
const TABLE = EMAILS.map(({ name, email }) => [name, email] as const);
const URL_LINE = /^\s*(https?:\/\/\S+)$/;
/** The characters that pad a preheader: invisible in every inbox's preview. */
const PADDING = /[\u034f\u200c\u00a0\s]/g;

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  nbsp: "\u00a0",
  zwnj: "\u200c",
};
/** HTML text → characters (named entities we write, and numeric ones). */
function decode(html: string): string {
  return html.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e.startsWith("#x") || e.startsWith("#X"))
      return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(Number(e.slice(1)));
    return NAMED[e.toLowerCase()] ?? m;
  });
}

describe.each(TABLE)("%s", (name, email) => {
  it("has at most 40 KB of HTML", () => {
    expect(Buffer.byteLength(email.html, "utf8")).toBeLessThanOrEqual(40 * 1024);
  });

  it("previews as its summary alone: the preheader first in the body, padded", () => {
    const compiled: [string, { preheader: string }][] = [
      ...bundle.tips.map((t) => [t.slug, t] as [string, { preheader: string }]),
      ...Object.entries(bundle.emails),
    ];
    const preheader = compiled.find(([n]) => n === name)?.[1].preheader;
    expect(preheader).toBeTruthy();
    const body = email.html.slice(email.html.indexOf("<body"));
    const hidden = /<div class="preheader"[^>]*>([^<]*)<\/div>/.exec(body);
    expect(hidden, "a hidden preheader div").not.toBeNull();
    // Nothing with text comes before it.
    expect(
      body
        .slice(0, hidden?.index)
        .replace(/<[^>]*>/g, "")
        .trim(),
    ).toBe("");
    const text = decode(hidden?.[1] ?? "");
    expect(text.startsWith(preheader ?? "")).toBe(true);
    // Enough invisible padding after it that no client's preview reaches the email's own text.
    const padding = text.slice((preheader ?? "").length);
    expect(padding.replace(PADDING, "")).toBe("");
    expect(padding.length).toBeGreaterThanOrEqual(150);
  });

  it("has dark mode: the meta tags, dark styles, and one surface for inverting clients", () => {
    expect(email.html).toContain('<meta name="color-scheme" content="light dark">');
    expect(email.html).toContain('<meta name="supported-color-schemes" content="light dark">');
    const dark = email.html.split(/@media \(prefers-color-scheme:\s*dark\)/)[1] ?? "";
    expect(dark).toMatch(/^\{[^@]*\.card[^{]*\{[^}]*background-color:#1d2025/);
    // A client that inverts every colour turns a card lighter than its page into one darker than
    // its page; with the card on the page's own colour (and a border), both stay one surface.
    const page = /<body[^>]*background-color:(#[0-9a-f]{3,6})/i.exec(email.html)?.[1];
    const cards = [...email.html.matchAll(/class="card"[^>]*background-color:(#[0-9a-f]{3,6})/gi)];
    expect(cards.length).toBeGreaterThan(0);
    for (const [, colour] of cards) expect(colour).toBe(page);
  });

  it("has a text part for reading: URLs on their own lines, others ≤ 78, no 'button'", () => {
    const lines = email.text.split("\n");
    for (const line of lines) {
      if (/https?:\/\//.test(line)) expect(line, "a URL alone on its line").toMatch(URL_LINE);
      else expect(line.length, line).toBeLessThanOrEqual(78);
    }
    // No UI words for a part with no buttons ("belly button" in a tip is anatomy, not UI).
    expect(email.text).not.toMatch(
      /\b(?:the|this|that) button\b|\bbutton (?:below|above|doesn|does not)\b/i,
    );
    expect(email.text).not.toMatch(/\{\{|%%/);
    // Each link once: no URL is repeated.
    const urls = lines.filter((l) => URL_LINE.test(l)).map((l) => l.trim());
    expect(new Set(urls).size).toBe(urls.length);
    // The first line is words, not a URL (clients that show the text part preview its start).
    expect(lines[0]).not.toMatch(/https?:/);
  });
});

describe.each(TABLE.filter(([name]) => !(SYSTEM_EMAIL_NAMES as readonly string[]).includes(name)))(
  "%s",
  (_name, email) => {
    it("ends its text part with the view-in-browser link", () => {
      const tail = email.text.trimEnd().split("\n").slice(-2);
      expect(tail[0]).toBe("View this email in your browser:");
      expect(tail[1]).toMatch(/^https:\/\/tips\.example\.com\/tips\/[a-z0-9-]+\?token=/);
    });
  },
);

describe("a tip with a photo, a long link and a mailto", () => {
  it("keeps the photo's alt text and puts the URL alone on its line", async () => {
    const result = await checkContent({
      tipsDir: path.join(import.meta.dirname, "../fixtures/tips/image-alt"),
      emailsDir: DEFAULT_EMAILS_DIR,
    });
    expect(result.problems).toEqual([]);
    const [email] = emailsAsSent(result.bundle as ContentBundle);
    const text = email?.email.text ?? "";
    expect(text).toContain("[Image: A runner doing a step-up onto a park bench]");
    expect(text).toContain(
      "Read the 2024 review of strength training for endurance runners:\nhttps://example.com/research/a-rather-long-path/strength-training-for-endurance-runners-systematic-review?utm_source=newsletter\nbefore you start",
    );
    expect(text).toContain("the coach (coach@example.com)");
    for (const line of text.split("\n")) {
      if (!/^https?:\/\/\S+$/.test(line)) expect(line.length, line).toBeLessThanOrEqual(78);
    }
  });
});

describe("sample values", () => {
  it("the studio and preview show the local stack's postal address", async () => {
    const { localEnvironment } = await import("../../scripts/local/aws.js");
    const { sampleValues } = await import("../../studio/sample.js");
    const env = localEnvironment(
      {
        dynamoEndpoint: "http://127.0.0.1:1",
        sesEndpoint: "http://127.0.0.1:2",
        tableName: "t",
      } as never,
      { baseUrl: "http://127.0.0.1:3" },
    );
    const settings = JSON.parse(env.SST_RESOURCE_Settings ?? "{}") as { postalAddress: string };
    expect(settings.postalAddress).toBe(sampleValues("x").postal_address);
  });
});
