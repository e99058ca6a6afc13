/**
 * Routes API Gateway HTTP API (payload v2) requests by method and path to the small per-route
 * modules, refuses POSTs from other sites (request.ts refuseCrossSite), and maps every error to
 * its status (respond.ts); the route modules themselves just throw:
 *
 *   GET  /                 signup page                          GET  /subscribe    the same
 *   POST /subscribe        JSON or form signup → 202
 *   GET  /confirm          confirm button (changes nothing)     POST /confirm      activate
 *   GET  /unsubscribe      unsubscribe button                   POST /unsubscribe  one-click
 *   GET  /manage           the reader's settings                POST /manage       change one
 *   GET  /tips             the public archive                   GET  /tips/{slug}  one tip
 *   GET  /feed.xml         RSS 2.0 of the archive               GET  /view/{slug}  301 to /tips/{slug}
 *   GET  /feed.xsl         the feed's stylesheet (the feed as a page in a browser)
 *   GET  /privacy          what is kept, why, for how long
 *   GET  /r/{token}        a tip's link: counts a human click, 302 to the link
 *   any other address      301 to a page's own address (/tips/, /Privacy), else 404 page
 *                          (GET, HEAD) or JSON; a known path, another method: 405
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { NotFoundError } from "../core/errors.js";
import { getFeed, getFeedStylesheet, getTip, getTips, getView } from "./archive.js";
import { getConfirm, postConfirm } from "./confirm.js";
import type { AppDeps } from "./deps.js";
import { getHome } from "./home.js";
import { getManage, postManage } from "./manage.js";
import { getPrivacy } from "./privacy.js";
import { getRedirect } from "./redirect.js";
import { isFormPost, refuseCrossSite } from "./request.js";
import { fromError, type Result, redirect, WrongMethodError } from "./respond.js";
import { postSubscribe } from "./subscribe.js";
import { getUnsubscribe, postUnsubscribe } from "./unsubscribe.js";

type Handler = (event: APIGatewayProxyEventV2, deps: AppDeps, param: string) => Promise<Result>;

interface Route {
  match: (path: string) => string | undefined;
  methods: Partial<Record<string, Handler>>;
  /** How the route's errors are shown: a JSON body or an HTML page. */
  as: "json" | "html" | ((event: APIGatewayProxyEventV2) => "json" | "html");
}

const exact = (want: string) => (path: string) => (path === want ? "" : undefined);

/** `/<prefix>/{slug}`: the decoded slug, or undefined. */
const slugUnder = (prefix: string) => (path: string) => {
  if (!path.startsWith(`/${prefix}/`)) return undefined;
  const slug = path.slice(prefix.length + 2);
  if (slug === "" || slug.includes("/")) return undefined;
  try {
    return decodeURIComponent(slug);
  } catch {
    return undefined;
  }
};

const ROUTES: readonly Route[] = [
  { match: exact("/"), methods: { GET: getHome }, as: "html" },
  {
    match: exact("/subscribe"),
    // A browser back at the "Check your inbox" page's address gets the signup page again.
    methods: { GET: getHome, POST: postSubscribe },
    // The signup page's form gets pages; API clients get JSON.
    as: (event) => (isFormPost(event) ? "html" : "json"),
  },
  { match: exact("/confirm"), methods: { GET: getConfirm, POST: postConfirm }, as: "html" },
  {
    match: exact("/unsubscribe"),
    methods: { GET: getUnsubscribe, POST: postUnsubscribe },
    as: "html",
  },
  { match: exact("/manage"), methods: { GET: getManage, POST: postManage }, as: "html" },
  { match: exact("/tips"), methods: { GET: getTips }, as: "html" },
  { match: slugUnder("tips"), methods: { GET: getTip }, as: "html" },
  { match: exact("/feed.xml"), methods: { GET: getFeed }, as: "html" },
  { match: exact("/feed.xsl"), methods: { GET: getFeedStylesheet }, as: "html" },
  { match: slugUnder("view"), methods: { GET: getView }, as: "html" },
  { match: exact("/privacy"), methods: { GET: getPrivacy }, as: "html" },
  { match: slugUnder("r"), methods: { GET: getRedirect }, as: "html" },
];

/** The address of a page `path` means but misspells: without its trailing slash, in lower case. */
function canonicalPath(path: string): string | undefined {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  return [trimmed, trimmed.toLowerCase()].find(
    (candidate) =>
      candidate !== path &&
      ROUTES.some((route) => route.methods.GET && route.match(candidate) !== undefined),
  );
}

/** Builds a handler over the given dependencies (tests may pass their own). */
export function createApi(deps: () => AppDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = (event.requestContext?.http?.method ?? "GET").toUpperCase();
    const path = event.rawPath || "/";
    for (const route of ROUTES) {
      const param = route.match(path);
      if (param === undefined) continue;
      const as = typeof route.as === "function" ? route.as(event) : route.as;
      try {
        const handle = route.methods[method === "HEAD" ? "GET" : method];
        if (!handle) {
          const allowed = Object.keys(route.methods).flatMap((m) =>
            m === "GET" ? [m, "HEAD"] : [m],
          );
          throw new WrongMethodError(allowed.join(", "));
        }
        const appDeps = deps();
        // Every route that changes state is a POST: none may be sent by another site's page.
        if (method === "POST") refuseCrossSite(event, appDeps.site.baseUrl);
        const result = await handle(event, appDeps, param);
        return method === "HEAD" ? { ...result, body: "" } : result;
      } catch (error) {
        return fromError(error, as, { method, path });
      }
    }
    // Any other address (API Gateway's $default route): a page for a browser, JSON otherwise.
    const page = method === "GET" || method === "HEAD";
    // A page's address with a slash after it or in other letters (/tips/, /Privacy): 301 to it.
    const canonical = page ? canonicalPath(path) : undefined;
    if (canonical !== undefined) {
      const query = event.rawQueryString ? `?${event.rawQueryString}` : "";
      return redirect(301, `${canonical}${query}`, {});
    }
    const notFound = fromError(
      new NotFoundError(page ? "There is no page at this address." : "No such route."),
      page ? "html" : "json",
      { method, path },
    );
    return method === "HEAD" ? { ...notFound, body: "" } : notFound;
  };
}
