/**
 * Responses and the error mapping. AppError subclasses become their status with a safe message
 * and code (JSON, or an HTML page for browser routes); anything else is a 500 with a generic
 * message, and the detail goes to the structured log only.
 */
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { AppError, BadRequestError, MethodNotAllowedError } from "../core/errors.js";
import { RateLimitedError } from "../core/subscriptions.js";
import { log } from "../runtime/log.js";
import { errorPage } from "./pages.js";
import { ZONE_SCRIPT_HASH, ZONE_SCRIPT_TAG } from "./time-zones.js";

export type Result = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

export const GENERIC_ERROR = "Something went wrong on our side. Please try again in a minute.";

/**
 * HSTS for two years on the site's host and its subdomains: once a browser has seen the site over
 * HTTPS, it never sends a signup or a token over plain HTTP.
 */
export const HSTS = "max-age=63072000; includeSubDomains";

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Every page shows the site's own images (logo, favicon, a tip's figures) from /assets/. */
const IMG_SRC = "img-src 'self'";

/** A page with the time zone field may run its one script, by its hash (time-zones.ts); no other. */
const ZONE_CSP = `${CSP}; script-src ${ZONE_SCRIPT_HASH}`;

export interface HtmlOptions {
  /** CSP sources for img-src besides the site's own (a tip may show images from elsewhere). */
  imgSrc?: string;
  headers?: Record<string, string>;
}

export function html(statusCode: number, body: string, options: HtmlOptions = {}): Result {
  const base = body.includes(ZONE_SCRIPT_TAG) ? ZONE_CSP : CSP;
  const csp = `${base}; ${IMG_SRC}${options.imgSrc ? ` ${options.imgSrc}` : ""}`;
  return {
    statusCode,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": csp,
      "x-content-type-options": "nosniff",
      // Not no-referrer: with it, browsers send `Origin: null` on our own form posts, which the
      // cross-site check (request.ts) can't tell from a sandboxed frame's. Links carry tokens, so
      // no referrer ever leaves for another origin.
      "referrer-policy": "same-origin",
      "x-frame-options": "DENY",
      "cache-control": "no-store",
      "strict-transport-security": HSTS,
      ...options.headers,
    },
    body,
  };
}

/** A redirect to `location`, never cached, HTTPS only; `headers` adds its referrer policy and the like. */
export function redirect(
  statusCode: 301 | 302 | 303,
  location: string,
  headers: Record<string, string>,
): Result {
  return {
    statusCode,
    headers: {
      location,
      "cache-control": "no-store",
      "strict-transport-security": HSTS,
      ...headers,
    },
    body: "",
  };
}

export function json(statusCode: number, value: unknown, headers: Record<string, string> = {}) {
  return {
    statusCode,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
      "strict-transport-security": HSTS,
      ...headers,
    },
    body: JSON.stringify(value),
  } satisfies Result;
}

function errorHeaders(error: AppError): Record<string, string> {
  if (error instanceof RateLimitedError) return { "retry-after": String(error.retryAfterSeconds) };
  if (error instanceof WrongMethodError) return { allow: error.allow };
  return {};
}

/** Maps any thrown value to a response. `as` picks a JSON body or an HTML page. */
export function fromError(
  error: unknown,
  as: "json" | "html",
  context: Record<string, unknown> = {},
): Result {
  if (error instanceof AppError) {
    log().info("request rejected", { status: error.status, code: error.code, ...context });
    const headers = errorHeaders(error);
    if (as === "html")
      return html(error.status, errorPage(error.status, error.message), { headers });
    const issues =
      error instanceof BadRequestError && error.issues.length > 0 ? { issues: error.issues } : {};
    return json(
      error.status,
      { error: { code: error.code, message: error.message, ...issues } },
      headers,
    );
  }
  log().error("unexpected error", { error: error as Error, ...context });
  return as === "html"
    ? html(500, errorPage(500, GENERIC_ERROR))
    : json(500, { error: { code: "internal_error", message: GENERIC_ERROR } });
}

/** 405 with the Allow header. */
export class WrongMethodError extends MethodNotAllowedError {
  constructor(readonly allow: string) {
    super(`This address accepts ${allow} only.`);
  }
}
