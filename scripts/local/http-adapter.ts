/**
 * Serves a Lambda handler for API Gateway HTTP API (payload v2) over node:http, so that the local
 * stack and the integration tests exercise the very handler that runs in AWS. Mirrors what API
 * Gateway does: lowercased headers, joined repeated headers, cookies split out, text bodies as
 * is and other bodies base64-encoded, a 10 MB cap on the request body.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { serveAsset } from "../../studio/assets.js";
import { LOCAL_HOST, listen } from "./aws.js";

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2 | string>;

/** API Gateway's own payload limit. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)\b)/i;

export interface AdapterOptions {
  /**
   * Take the client address from X-Forwarded-For (its first entry) instead of the socket. For tests
   * that play several clients from one machine; API Gateway itself never trusts the header.
   */
  trustForwardedFor?: boolean;
  onError?: (error: unknown) => void;
  /** The built site's folder (dist/site): its assets/ are served under /assets/. */
  siteDir?: string;
}

export function toEvent(
  request: IncomingMessage,
  body: Buffer,
  options: AdapterOptions = {},
): APIGatewayProxyEventV2 {
  // The request target as sent, as API Gateway passes it (new URL would read "//x/" as a host).
  const target = request.url ?? "/";
  const mark = target.indexOf("?");
  const rawPath = mark < 0 ? target : target.slice(0, mark);
  const rawQueryString = mark < 0 ? "" : target.slice(mark + 1);
  const host = request.headers.host ?? LOCAL_HOST;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === "cookie") continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  const cookies = request.headers.cookie?.split(/;\s*/).filter(Boolean);
  const contentType = headers["content-type"] ?? "";
  const text = body.length === 0 || TEXT_TYPES.test(contentType);
  const now = new Date();
  const forwarded = options.trustForwardedFor
    ? headers["x-forwarded-for"]?.split(",")[0]?.trim()
    : undefined;
  const sourceIp =
    forwarded || (request.socket.remoteAddress ?? LOCAL_HOST).replace(/^::ffff:/, "");
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: host,
      domainPrefix: host.replace(/:\d+$/, "").split(".")[0] ?? "local",
      http: {
        method: request.method ?? "GET",
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: text ? body.toString("utf8") : body.toString("base64") } : {}),
    isBase64Encoded: !text,
  };
}

function write(response: ServerResponse, result: APIGatewayProxyStructuredResultV2 | string) {
  const structured: APIGatewayProxyStructuredResultV2 =
    typeof result === "string"
      ? { statusCode: 200, headers: { "content-type": "application/json" }, body: result }
      : result;
  const body = structured.body ?? "";
  const bytes = structured.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body);
  for (const [name, value] of Object.entries(structured.headers ?? {})) {
    response.setHeader(name, String(value));
  }
  if (structured.cookies?.length) response.setHeader("set-cookie", structured.cookies);
  response.setHeader("content-length", bytes.length);
  response.writeHead(structured.statusCode ?? 200);
  response.end(bytes);
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A node:http server that turns each request into an event for `handler`. */
export function createHttpServer(handler: HttpHandler, options: AdapterOptions = {}): Server {
  return createServer((request, response) => {
    void (async () => {
      try {
        if (
          options.siteDir &&
          (await serveAsset(path.join(options.siteDir, "assets"), request, response))
        ) {
          return;
        }
        const body = await readBody(request);
        if (body === undefined) {
          write(response, {
            statusCode: 413,
            headers: { "content-type": "application/json", connection: "close" },
            body: JSON.stringify({ message: "Request Entity Too Large" }),
          });
          return;
        }
        write(response, await handler(toEvent(request, body, options)));
      } catch (error) {
        // What API Gateway answers when the integration fails.
        options.onError?.(error);
        if (!response.headersSent) {
          write(response, {
            statusCode: 500,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ message: "Internal Server Error" }),
          });
        } else {
          response.destroy();
        }
      }
    })();
  });
}

/** Listens on LOCAL_HOST:port (0 = any free port); a taken port is a PortInUseError. */
export function listenHttp(server: Server, port: number, flag = "--port"): Promise<number> {
  return listen(server, port, "The HTTP server", flag);
}

export function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
