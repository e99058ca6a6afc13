/**
 * /privacy is linked wherever data is collected or a reader is written to: next to the consent
 * text of the signup form, in every page's footer, and in the footer of every email as it goes
 * out (HTML and text part), as an absolute address on the site.
 */
import { describe, expect, it } from "vitest";
import { bundle as content } from "../../functions/generated/content.js";
import { createApi } from "../../functions/http/router.js";
import { memoryDeps, TestClock } from "../support/lifecycle.js";
import { emailsAsSent, SITE } from "../support/outgoing.js";

const clock = new TestClock(new Date("2026-06-01T00:00:00.000Z"));
const { deps } = memoryDeps({
  clock,
  site: { baseUrl: SITE.baseUrl, postalAddress: "1 Example St" },
});
const api = createApi(() => ({ ...deps, content }));

async function get(p: string): Promise<{ statusCode: number; body: string }> {
  const [rawPath, rawQueryString = ""] = p.split("?");
  const event = {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    ...(rawQueryString
      ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) }
      : {}),
    headers: {},
    requestContext: { http: { method: "GET", path: rawPath, sourceIp: "192.0.2.1" } },
    isBase64Encoded: false,
  };
  // biome-ignore lint/suspicious/noExplicitAny: a hand-built API Gateway event
  return (await api(event as any)) as { statusCode: number; body: string };
}

const footer = (html: string) =>
  /<footer class="site-footer">([\s\S]*?)<\/footer>/.exec(html)?.[1] ?? "";

describe("/privacy is linked where data is collected", () => {
  it("next to the signup form's consent text", async () => {
    const home = await get("/");
    expect(home.statusCode).toBe(200);
    const consent = /<p class="consent" id="consent">([\s\S]*?)<\/p>/.exec(home.body)?.[1] ?? "";
    expect(consent).toMatch(/<a href="\/privacy">[^<]+<\/a>/);
    // The link sits inside the form, before its button.
    const form =
      /<form method="post" action="\/subscribe">([\s\S]*?)<\/form>/.exec(home.body)?.[1] ?? "";
    expect(form.indexOf('href="/privacy"')).toBeLessThan(form.indexOf("<button"));
  });

  it("in every page's footer", async () => {
    const slug = content.archive[0]?.slug ?? "";
    const unsubscribe = deps.signer.issue("unsubscribe", "5f0c3c8e9a1b2d4e6f708192a3b4c5d6");
    for (const p of [
      "/",
      "/tips",
      `/tips/${slug}`,
      "/privacy",
      "/tips/no-such-tip",
      `/unsubscribe?token=${unsubscribe}`,
    ]) {
      const answer = await get(p);
      expect(footer(answer.body), `${p} (${answer.statusCode})`).toContain('<a href="/privacy">');
    }
  });

  it("in the footer of every email, HTML and text, as an absolute address", () => {
    const privacy = `${SITE.baseUrl}/privacy`;
    const emails = emailsAsSent(content);
    expect(emails.length).toBeGreaterThan(4);
    for (const { name, email } of emails) {
      expect(email.html, name).toContain(`href="${privacy}"`);
      expect(email.text, name).toContain(privacy);
    }
  });
});
