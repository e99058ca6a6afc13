/**
 * Every route the infrastructure declares (infra/wiring.ts API_ROUTES, what API Gateway sends to
 * the Lambda) is one the router answers, and the public GET routes answer without a token.
 */
import { describe, expect, it } from "vitest";
import { bundle } from "../../functions/generated/content.js";
import { createApi } from "../../functions/http/router.js";
import { API_ROUTES } from "../../infra/wiring.js";
import { memoryDeps } from "../support/lifecycle.js";

const { deps } = memoryDeps();
const api = createApi(() => ({ ...deps, content: bundle }));
const slug = bundle.archive.find((t) => t.publishedAt === undefined)?.slug ?? "";

async function call(method: string, path: string) {
  const event = {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    requestContext: { http: { method, path, sourceIp: "192.0.2.1" } },
    body: "",
    isBase64Encoded: false,
  };
  // biome-ignore lint/suspicious/noExplicitAny: a hand-built API Gateway event
  return (await api(event as any)) as { statusCode: number; body: string };
}

describe("API routes", () => {
  const routes = API_ROUTES.filter((route) => route !== "$default");
  it.each(routes.map((route) => route.split(" ") as [string, string]))(
    "%s %s is routed",
    async (method, pattern) => {
      const answer = await call(method, pattern.replace("{slug}", slug));
      expect(answer.body).not.toContain("No such route.");
      expect(answer.statusCode).not.toBe(405);
    },
  );

  it.each([
    ["/subscribe", 200],
    ["/tips", 200],
    [`/tips/${slug}`, 200],
    ["/feed.xml", 200],
    [`/view/${slug}`, 301],
  ])("GET %s answers %i without a token", async (path, status) => {
    expect((await call("GET", path)).statusCode).toBe(status);
  });

  it("answers any other address with the site's 404 page, and a known path's other method 405", async () => {
    for (const path of ["/wp-login.php", "/feed", "/tips/x/y", "//evil.example/"]) {
      const page = await call("GET", path);
      expect(page.statusCode).toBe(404);
      expect(page.body).toContain("<h1>Page not found</h1>");
      expect(page.body).toContain('href="/tips"');
      expect(await call("HEAD", path)).toMatchObject({ statusCode: 404, body: "" });
    }
    expect(JSON.parse((await call("POST", "/nowhere")).body)).toMatchObject({
      error: { code: "not_found" },
    });
    expect((await call("DELETE", "/subscribe")).statusCode).toBe(405);
  });

  it.each([
    ["/tips/", "/tips"],
    ["/TIPS", "/tips"],
    ["/Privacy/", "/privacy"],
    [`/tips/${slug}/`, `/tips/${slug}`],
    ["/subscribe/", "/subscribe"],
  ])("sends %s to the page's own address, %s", async (path, location) => {
    const answer = (await call("GET", path)) as {
      statusCode: number;
      headers?: Record<string, string>;
    };
    expect(answer.statusCode).toBe(301);
    expect(answer.headers?.location).toBe(location);
  });
});
