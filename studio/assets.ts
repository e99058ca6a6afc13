/**
 * The site's static files, served under /assets/ as the AWS side serves them: by exact hashed name
 * only, with their content type, and cached for a year as immutable (a changed file gets a new
 * name). `npm start` serves what the build wrote to dist/site/assets/; the studio draws them.
 */
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";

export const ASSET_PATH = /^\/assets\/([a-z0-9-]+\.[0-9a-f]{10}\.(png|jpg|svg))$/;

export const ASSET_HEADERS = {
  "cache-control": "public, max-age=31536000, immutable",
  "x-content-type-options": "nosniff",
} as const;

const TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  svg: "image/svg+xml",
};

/** The content type of a site file, by the extension of its hashed name. */
export const assetType = (name: string) => TYPES[name.slice(name.lastIndexOf(".") + 1)];

/** A file's bytes by its hashed name, or undefined when there is none. */
export type AssetSource = (name: string) => Promise<Buffer | undefined>;

/** The files a build wrote to `dir`. */
export const builtAssets =
  (dir: string): AssetSource =>
  (name) =>
    readFile(path.join(dir, name)).catch(() => undefined);

/**
 * Answers a GET or HEAD of /assets/<name> from `source` (a directory: the built files); returns
 * false for any other request so the API handles it. An unknown name is a 404.
 */
export async function serveAsset(
  source: string | AssetSource,
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
    bytes = await (typeof source === "string" ? builtAssets(source) : source)(match[1] as string);
  }
  if (!match || !bytes) {
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found\n");
    return true;
  }
  response.writeHead(200, {
    "content-type": assetType(match[1] as string) as string,
    "content-length": bytes.length,
    ...ASSET_HEADERS,
  });
  response.end(request.method === "HEAD" ? undefined : bytes);
  return true;
}
