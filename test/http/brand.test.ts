/**
 * Renaming the newsletter in its brand file renames every page: the brand file is compiled as the
 * build compiles it (compiler/brand.ts) from a copy with another name, sender, tagline and topic
 * phrase, and stands in for the generated module the Lambdas import; then every page, the feed and
 * its stylesheet carry the new words and nothing of the repository's own.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { readBrand } from "../../compiler/brand.js";
import type { PlacedTip } from "../../functions/core/archive.js";
import { archivePage, tipPage } from "../../functions/http/archive-pages.js";
import { managePage } from "../../functions/http/manage-page.js";
import {
  checkInboxPage,
  confirmedPage,
  confirmPromptPage,
  errorPage,
  pauseInstead,
  signupPage,
  unsubscribedPage,
  unsubscribeHelpPage,
  unsubscribePromptPage,
} from "../../functions/http/pages.js";
import { createApi } from "../../functions/http/router.js";
import { memoryDeps, TEST_EMAILS } from "../support/lifecycle.js";

const OTHER = vi.hoisted(() => ({
  name: "Tuesday Mobility Notes",
  sender: "Mobility Notes",
  tagline: "One mobility drill for climbers, every week.",
  tip: "Mobility note",
  promise: "Move better on the wall, one drill a week",
}));

vi.mock("../../functions/generated/brand.js", async () => {
  const { cpSync, mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { checkBrand } = await import("../../compiler/brand.js");
  const { siteBrand } = await import("../../compiler/brand-base.js");
  const root = join(import.meta.dirname, "../..");
  const dir = mkdtempSync(join(tmpdir(), "brand-pages-"));
  cpSync(join(root, "content/brand"), join(dir, "brand"), { recursive: true });
  const file = join(dir, "newsletter.yml");
  writeFileSync(
    file,
    readFileSync(join(root, "content/newsletter.yml"), "utf8")
      .replace(/^name: .*$/m, `name: ${OTHER.name}`)
      .replace(/^sender: .*$/m, `sender: ${OTHER.sender}`)
      .replace(/^tagline: .*$/m, `tagline: ${OTHER.tagline}`)
      .replace(/^ {2}tip: .*$/m, `  tip: ${OTHER.tip}`)
      .replace(/^ {2}promise: .*$/m, `  promise: ${OTHER.promise}`),
  );
  const { brand, problems } = checkBrand(file);
  if (!brand) throw new Error(JSON.stringify(problems));
  return { brand: siteBrand(brand) };
});

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OWN = readBrand(ROOT);
const owns = (html: string) =>
  [OWN.name, OWN.sender, OWN.tagline, OWN.topic.tip, OWN.topic.promise].filter((s) =>
    html.includes(s),
  );

const TIP: PlacedTip = {
  place: 3,
  slug: "hangs",
  order: 3,
  title: "Dead hangs",
  summary: "Hang from a bar to open your shoulders.",
  tags: ["shoulders"],
  readingMinutes: 1,
  html: "<p>Hang for thirty seconds.</p>",
};
const token = "k1.unsubscribe.0123456789abcdef0123456789abcdef.0.sample";

describe("a renamed brand", () => {
  const pages: [string, string][] = [
    ["signup", signupPage(undefined, "https://tips.example.com")],
    ["check your inbox", checkInboxPage()],
    ["confirm prompt", confirmPromptPage(token)],
    [
      "you're in",
      confirmedPage({ when: "Monday", timeZone: "UTC", first: true, manageUrl: "/manage" }),
    ],
    ["unsubscribe", unsubscribePromptPage(token, pauseInstead(token, 12))],
    ["unsubscribe help", unsubscribeHelpPage()],
    ["unsubscribed", unsubscribedPage()],
    ["404", errorPage(404, "There is no tip at this address.")],
    ["archive", archivePage([TIP], "https://tips.example.com")],
    ["tip", tipPage(TIP, { baseUrl: "https://tips.example.com" })],
    [
      "preferences",
      managePage(token, {
        email: "pat@example.com",
        timeZone: "UTC",
        defaultZone: true,
        deliveryDay: 1,
        deliveryHour: 7,
        status: "active",
        nextDelivery: "Monday 30 November, 07:00",
      }),
    ],
  ];

  it.each(pages)("%s: the new name, none of the old", (_, html) => {
    expect(html).toContain(`<title>`);
    expect(html).toContain(OTHER.name);
    expect(owns(html)).toEqual([]);
  });

  it("the tip page labels the tip with the new topic phrase", () => {
    expect(pages.find(([n]) => n === "tip")?.[1]).toContain(`${OTHER.tip} #3`);
    expect(pages.find(([n]) => n === "signup")?.[1]).toContain(OTHER.promise);
  });

  it("the feed and its stylesheet carry the new name and tagline", async () => {
    const { deps } = memoryDeps();
    const api = createApi(() => ({
      ...deps,
      content: { tips: [], emails: TEST_EMAILS, archive: [TIP] },
    }));
    const get = async (rawPath: string) => {
      const event = { rawPath, requestContext: { http: { method: "GET", path: rawPath } } };
      return (await api(event as unknown as Parameters<typeof api>[0])) as { body: string };
    };
    const feed = (await get("/feed.xml")).body;
    expect(feed).toContain(`<title>${OTHER.name}</title>`);
    expect(feed).toContain(`<description>${OTHER.tagline}</description>`);
    expect(feed).toContain(`${OTHER.tip} #3: Dead hangs`);
    expect(owns(feed)).toEqual([]);
    expect(owns((await get("/feed.xsl")).body)).toEqual([]);
  });
});
