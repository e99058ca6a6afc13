/**
 * The site's static files (figures, social cards, icons: `npm run build` draws them into
 * dist/site/assets with content-hashed names) in a bucket, served at /assets/* on the site's own
 * domain through the HTTP API. Files are never deleted: sent emails keep linking the old ones.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { api } from "./api";

const ASSETS_DIR = path.join(process.cwd(), "dist", "site", "assets");
const CONTENT_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".svg": "image/svg+xml",
  ".xsl": "text/xsl",
};

export const assetsBucket = new sst.aws.Bucket("Assets", { access: "public" });

for (const file of readdirSync(ASSETS_DIR).sort()) {
  const type = CONTENT_TYPES[path.extname(file)];
  if (!type) continue;
  new aws.s3.BucketObjectv2(
    `Asset-${file}`,
    {
      bucket: assetsBucket.name,
      key: `assets/${file}`,
      source: new $util.asset.FileAsset(path.join(ASSETS_DIR, file)),
      contentType: type,
      // The name changes with the content, so a copy may be kept for good.
      cacheControl: "public, max-age=31536000, immutable",
    },
    { retainOnDelete: true },
  );
}

/** GET /assets/<file> on the site, from the bucket, with the site's nosniff header. */
export const assetsRoute = api.routeUrl(
  "GET /assets/{file}",
  $interpolate`https://${assetsBucket.domain}/assets/{file}`,
  {
    transform: {
      integration: (args) => {
        args.integrationMethod = "GET";
        args.responseParameters = [
          {
            statusCode: "200",
            mappings: { "overwrite:header.X-Content-Type-Options": "nosniff" },
          },
        ];
      },
    },
  },
);
