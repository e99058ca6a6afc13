/**
 * A signup form with a problem comes back as the form again: filled in as the reader left it, the
 * problem said above it in words a reader knows, and tied to its one field (aria-invalid,
 * aria-describedby). API clients keep their JSON 400.
 */
import { describe, expect, it } from "vitest";
import { bundle } from "../../functions/generated/content.js";
import { createApi } from "../../functions/http/router.js";
import { memoryDeps } from "../support/lifecycle.js";

const { deps } = memoryDeps();
const api = createApi(() => ({ ...deps, content: bundle }));

function event(
  method: string,
  path: string,
  body: string,
  contentType = "application/x-www-form-urlencoded",
) {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { "content-type": contentType, "sec-fetch-site": "same-origin" },
    requestContext: { http: { method, path, sourceIp: "192.0.2.7" } },
    body,
    isBase64Encoded: false,
  };
}

async function post(body: string, contentType = "application/x-www-form-urlencoded") {
  // biome-ignore lint/suspicious/noExplicitAny: a hand-built API Gateway event
  return (await api(event("POST", "/subscribe", body, contentType) as any)) as {
    statusCode: number;
    body: string;
    headers: Record<string, string>;
  };
}

/** The attributes of the element with this id (a crude reader, enough for our own markup). */
function element(html: string, id: string): string {
  return new RegExp(`<(?:input|select)[^>]*\\bid="${id}"[^>]*>`).exec(html)?.[0] ?? "";
}

// [what, form body, the field at fault, the message shown, values the form keeps]
const problems: Array<[string, string, string, string, Record<string, string>]> = [
  ["no email", "firstName=Ann", "email", "An email address is required.", { firstName: "Ann" }],
  [
    "an address that is not one",
    "email=ann%40example&firstName=Ann&timeZone=Europe%2FLondon",
    "email",
    "That doesn't look like a valid email address.",
    { email: "ann@example", firstName: "Ann" },
  ],
  [
    "a name that is a link",
    "email=ann%40example.com&firstName=www.win.example",
    "firstName",
    "The first name may have letters of any script, spaces, hyphens, apostrophes and periods after initials and short titles (as in “J. R.” or “St. John”), at most 40 characters and 4 words: no digits, web addresses or email addresses.",
    { email: "ann@example.com", firstName: "www.win.example" },
  ],
  [
    "an offset for a zone",
    "email=ann%40example.com&timeZone=UTC%2B3",
    "timeZone",
    "The time zone must be an IANA time zone such as Europe/London or America/New_York.",
    { email: "ann@example.com" },
  ],
];

describe("POST /subscribe from the signup form, with a problem", () => {
  it.each(problems)(
    "%s: the form again, filled in, the problem tied to its field",
    async (...row) => {
      const [, body, field, message, values] = row;
      const answer = await post(body);
      expect(answer.statusCode).toBe(400);
      expect(answer.body).toContain('<form method="post" action="/subscribe">');
      expect(answer.body).toContain(
        `<p class="form-problem" id="signup-problem" role="alert">${message.replace(/'/g, "&#39;")}</p>`,
      );
      for (const id of ["email", "firstName", "timeZone"]) {
        const marked = element(answer.body, id).includes('aria-invalid="true"');
        expect(marked, id).toBe(id === field);
      }
      for (const [id, value] of Object.entries(values)) {
        expect(element(answer.body, id)).toContain(`value="${value}"`);
      }
      // The page with the zone select carries its script's hash, as the signup page does.
      expect(answer.headers["content-security-policy"]).toContain("script-src 'sha256-");
    },
  );

  it("keeps a chosen zone selected, and escapes what it gives back", async () => {
    const answer = await post(
      `email=${encodeURIComponent('"><script>alert(1)</script>')}&timeZone=Asia%2FKolkata`,
    );
    expect(answer.statusCode).toBe(400);
    expect(answer.body).not.toContain("<script>alert(1)");
    expect(element(answer.body, "email")).toContain(
      'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"',
    );
    expect(answer.body).toContain('<option value="Asia/Kolkata" selected>');
  });

  it("offers the stage's own zone, day and hour to a reader who is not sure, on the page and when it comes back", async () => {
    const schedule = { defaultTimeZone: "Europe/London", slot: { weekday: 3, hour: 18 } } as const;
    const london = createApi(() => ({ ...memoryDeps({ schedule }).deps, content: bundle }));
    const get = { ...event("GET", "/", ""), headers: {} };
    const bad = event("POST", "/subscribe", "firstName=Ann");
    for (const request of [get, bad]) {
      // biome-ignore lint/suspicious/noExplicitAny: a hand-built API Gateway event
      const { body } = (await london(request as any)) as { body: string };
      expect(body).toContain('<option value="">Not sure: Europe/London</option>');
      expect(body).toMatch(/<option value="3" selected>Wednesday<\/option>/);
      expect(body).toMatch(/<option value="18" selected>18:00<\/option>/);
    }
  });

  it("an API client still gets JSON with the error's code", async () => {
    const answer = await post(JSON.stringify({ firstName: "Ann" }), "application/json");
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "missing_email" } });
  });
});
