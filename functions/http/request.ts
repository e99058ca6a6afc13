/**
 * Reading API Gateway HTTP API (payload v2) requests: headers, query, and a size-capped body that
 * may arrive base64-encoded. Header names arrive lowercased from API Gateway and the local adapter.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import {
  BadRequestError,
  CrossSiteRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from "../core/errors.js";

/** Bodies larger than this are refused before parsing. */
export const MAX_BODY_BYTES = 8 * 1024;

export type Event = APIGatewayProxyEventV2;

export function header(event: Event, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** "application/x-www-form-urlencoded; charset=UTF-8" → "application/x-www-form-urlencoded". */
export function mediaType(event: Event): string {
  return (header(event, "content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

export const FORM = "application/x-www-form-urlencoded";
export const JSON_TYPE = "application/json";

export function isFormPost(event: Event): boolean {
  return mediaType(event) === FORM;
}

export function query(event: Event, name: string): string | undefined {
  const fromParsed = event.queryStringParameters?.[name];
  if (fromParsed !== undefined) return fromParsed;
  return event.rawQueryString
    ? (new URLSearchParams(event.rawQueryString).get(name) ?? undefined)
    : undefined;
}

export function sourceIp(event: Event): string {
  return event.requestContext?.http?.sourceIp ?? "unknown";
}

export function userAgent(event: Event): string {
  return header(event, "user-agent") ?? event.requestContext?.http?.userAgent ?? "";
}

/** The raw body as text, decoded from base64 when API Gateway encoded it; capped at MAX_BODY_BYTES. */
export function bodyText(event: Event): string {
  const raw = event.body ?? "";
  // A base64 body is 4/3 the size of its bytes: refuse obviously oversize bodies before decoding.
  if (
    raw.length >
    (event.isBase64Encoded ? Math.ceil((MAX_BODY_BYTES * 4) / 3) + 4 : MAX_BODY_BYTES * 4)
  ) {
    throw new PayloadTooLargeError(`The request body must be at most ${MAX_BODY_BYTES} bytes.`);
  }
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.length > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`The request body must be at most ${MAX_BODY_BYTES} bytes.`);
  }
  return bytes.toString("utf8");
}

/**
 * A JSON object or form body as a plain record. Anything else is refused: 415 for another
 * content type, 400 for a body that does not parse or is not an object.
 */
export function formOrJsonBody(event: Event): Record<string, unknown> {
  const type = mediaType(event);
  if (type !== FORM && type !== JSON_TYPE) {
    throw new UnsupportedMediaTypeError(
      `Send the body as ${JSON_TYPE} or ${FORM}${type ? `, not ${type}` : ""}.`,
    );
  }
  const text = bodyText(event);
  if (type === FORM) return formBody(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError("The request body is not valid JSON.", "malformed_json");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BadRequestError("The request body must be a JSON object.", "malformed_json");
  }
  return value as Record<string, unknown>;
}

/** A form body; a field given twice keeps its first value. */
export function formBody(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (!(key in fields)) fields[key] = value;
  }
  return fields;
}

/** Sec-Fetch-Site values of a request a page of this site (or the user, typing) started. */
const OWN_FETCH_SITES = new Set(["same-origin", "none"]);

/**
 * Throws CrossSiteRequestError when a browser says the request comes from a page of another
 * origin. Fetch Metadata decides when present (`Sec-Fetch-Site` must be same-origin or none);
 * browsers without it are judged by `Origin`, which must be the site's (the opaque "null" is
 * refused). A request with neither header is not a browser's form post: mailbox providers send
 * RFC 8058 one-click POSTs without them, and so do API clients.
 */
export function refuseCrossSite(event: Event, siteUrl: string): void {
  const refuse = (): never => {
    throw new CrossSiteRequestError("Forms from other sites can't be posted here.");
  };
  const fetchSite = header(event, "sec-fetch-site")?.trim().toLowerCase();
  if (fetchSite !== undefined) {
    if (!OWN_FETCH_SITES.has(fetchSite)) refuse();
    return;
  }
  const origin = header(event, "origin")?.trim();
  if (origin === undefined) return;
  if (!URL.canParse(origin)) refuse();
  const given = new URL(origin).origin;
  if (given === "null" || given !== new URL(siteUrl).origin) refuse();
}
