/**
 * The site's built static files (`npm run build` writes them to dist/site/assets/), served under
 * /assets/ as the AWS side serves them: by exact hashed name only, with their content type, and
 * cached for a year as immutable (a changed file gets a new name).
 */
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";

export const ASSET_PATH = /^\/assets\/([a-z0-9-]+\.[0-9a-f]{10}\.(png|svg))$/;

export const ASSET_HEADERS = {
  "cache-control": "public, max-age=31536000, immutable",
  "x-content-type-options": "nosniff",
} as const;

const TYPES: Record<string, string> = { png: "image/png", svg: "image/svg+xml" };

/**
 * Answers a GET or HEAD of /assets/<name> from `dir`; returns false for any other request so the
 * API handles it. An unknown name is a 404.
 */
export async function serveAsset(
  dir: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<boolean> {
  const pathname = new URL(request.url ?? "/", "http://local").pathname;
  if (!pathname.startsWith("/assets/")) return false;
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { allow: "GET, HEAD" }).end();
    return true;
  }
  const match = ASSET_PATH.exec(pathname);
  let bytes: Buffer | undefined;
  if (match) {
    try {
      bytes = await readFile(path.join(dir, match[1] as string));
    } catch {
      bytes = undefined;
    }
  }
  if (!match || !bytes) {
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found\n");
    return true;
  }
  response.writeHead(200, {
    "content-type": TYPES[match[2] as string] as string,
    "content-length": bytes.length,
    ...ASSET_HEADERS,
  });
  response.end(request.method === "HEAD" ? undefined : bytes);
  return true;
}
