/**
 * Routes API Gateway HTTP API (payload v2) requests by method and path to the small per-route
 * modules, and maps every error to its status (respond.ts):
 *
 *   GET  /                 signup page
 *   POST /subscribe        JSON or form signup → 202
 *   GET  /confirm          confirm button (changes nothing)     POST /confirm      activate
 *   GET  /unsubscribe      unsubscribe button                   POST /unsubscribe  one-click
 *   GET  /view/{slug}      a tip in the browser
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { NotFoundError } from "../core/errors.js";
import { getConfirm, postConfirm } from "./confirm.js";
import type { AppDeps } from "./deps.js";
import { getHome } from "./home.js";
import { fromError, type Result, WrongMethodError } from "./respond.js";
import { postSubscribe } from "./subscribe.js";
import { getUnsubscribe, postUnsubscribe } from "./unsubscribe.js";
import { getView } from "./view.js";

type Handler = (event: APIGatewayProxyEventV2, deps: AppDeps, param: string) => Promise<Result>;

interface Route {
  match: (path: string) => string | undefined;
  methods: Partial<Record<string, Handler>>;
  /** How errors that happen before a handler runs (405) are shown. */
  as: "json" | "html";
}

const exact = (want: string) => (path: string) => (path === want ? "" : undefined);

const ROUTES: readonly Route[] = [
  { match: exact("/"), methods: { GET: getHome }, as: "html" },
  { match: exact("/subscribe"), methods: { POST: postSubscribe }, as: "json" },
  { match: exact("/confirm"), methods: { GET: getConfirm, POST: postConfirm }, as: "html" },
  {
    match: exact("/unsubscribe"),
    methods: { GET: getUnsubscribe, POST: postUnsubscribe },
    as: "html",
  },
  {
    match: (path) => {
      const slug = /^\/view\/([^/]+)$/.exec(path)?.[1];
      if (slug === undefined) return undefined;
      try {
        return decodeURIComponent(slug);
      } catch {
        return undefined;
      }
    },
    methods: { GET: getView },
    as: "html",
  },
];

/** Builds a handler over the given dependencies (tests may pass their own). */
export function createApi(deps: () => AppDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = (event.requestContext?.http?.method ?? "GET").toUpperCase();
    const path = event.rawPath || "/";
    for (const route of ROUTES) {
      const param = route.match(path);
      if (param === undefined) continue;
      const handle = route.methods[method === "HEAD" ? "GET" : method];
      if (!handle) {
        const allow = Object.keys(route.methods).join(", ");
        return fromError(new WrongMethodError(allow), route.as, { method, path });
      }
      try {
        const result = await handle(event, deps(), param);
        return method === "HEAD" ? { ...result, body: "" } : result;
      } catch (error) {
        return fromError(error, route.as, { method, path });
      }
    }
    return fromError(new NotFoundError("No such route."), "json", { method, path });
  };
}
