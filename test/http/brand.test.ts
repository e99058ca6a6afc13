/**
 * Renaming the newsletter in its brand file renames every page: the brand file is compiled as the
 * build compiles it (compiler/brand.ts) from a copy with another name, sender, tagline and topic
 * phrase, and stands in for the generated module the Lambdas import; then every page, the feed and
 * its stylesheet carry the new words and nothing of the repository's own.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { readBrand } from "../../compiler/brand.js";
import { checkContent } from "../../compiler/check.js";
import { DEFAULT_EMAILS_DIR } from "../../compiler/paths.js";
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
import { memoryDeps, TEST_EMAILS, tokenFromLink } from "../support/lifecycle.js";

const OTHER = vi.hoisted(() => ({
  name: "Tuesday Mobility Notes",
  sender: "Mobility Notes",
  tagline: "One mobility drill for climbers, every week.",
  tip: "Mobility note",
  promise: "Move better on the wall, one drill a week",
  audience: "climbers",
  practice: "mobility work",
  /** The brand file written for the test (set when the generated module is mocked). */
  file: "",
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
      .replace(/^ {2}promise: .*$/m, `  promise: ${OTHER.promise}`)
      .replace(/^ {2}audience: .*$/m, `  audience: ${OTHER.audience}`)
      .replace(/^ {2}practice: .*$/m, `  practice: ${OTHER.practice}`),
  );
  OTHER.file = file;
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
    ["confirm prompt", confirmPromptPage(token, { firstName: "Ann", day: 1, hour: 7 })],
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
    // The feed's only tip is the first one out, whatever its order.
    expect(feed).toContain(`${OTHER.tip} #1: Dead hangs`);
    expect(owns(feed)).toEqual([]);
    expect(owns((await get("/feed.xsl")).body)).toEqual([]);
  });
});

describe("the brand's words reach the consent text, the welcome email and the data download", () => {
  const OWN_WORDS = [OWN.topic.audience, OWN.topic.practice, "strength", "runner"];
  const ownWords = (text: string) => OWN_WORDS.filter((w) => text.toLowerCase().includes(w));

  it("the signup form's consent text", () => {
    const consent = /<p class="consent" id="consent">([\s\S]*?)<\/p>/.exec(signupPage())?.[1] ?? "";
    expect(consent).toContain(`${OTHER.practice} for ${OTHER.audience}`);
    expect(ownWords(consent)).toEqual([]);
  });

  it("the welcome email, compiled from the brand file", async () => {
    process.env.CONTENT_REPORT_CACHE = "off";
    const result = await checkContent({
      tipsDir: join(ROOT, "test/fixtures/tips/multiple"),
      emailsDir: DEFAULT_EMAILS_DIR,
      brandFile: OTHER.file,
    });
    const welcome = result.emails.welcome;
    expect(welcome?.html).toContain(`Built for ${OTHER.audience}.`);
    expect(welcome?.html).toContain(`why ${OTHER.practice} matters`);
    expect(welcome?.text).toContain(`Built for ${OTHER.audience}.`);
    expect(ownWords(`${welcome?.html}\n${welcome?.text}`)).toEqual([]);
  });

  it("the file name of a reader's data download", async () => {
    const { deps, signUp, mailer } = memoryDeps();
    await signUp({ email: "pat@example.com", ip: "203.0.113.7", userAgent: "t", source: "test" });
    const confirmation = mailer.sent.at(-1)?.text ?? "";
    const token = tokenFromLink(confirmation, "https://tips.example.com/manage");
    const api = createApi(() => ({
      ...deps,
      content: { tips: [], emails: TEST_EMAILS, archive: [] },
    }));
    const body = new URLSearchParams({ token, action: "export" }).toString();
    const event = {
      rawPath: "/manage",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      requestContext: { http: { method: "POST", path: "/manage", sourceIp: "203.0.113.7" } },
    };
    const answer = (await api(event as unknown as Parameters<typeof api>[0])) as {
      statusCode: number;
      headers: Record<string, string>;
    };
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-disposition"]).toBe(
      'attachment; filename="tuesday-mobility-notes-my-data.json"',
    );
  });
});
