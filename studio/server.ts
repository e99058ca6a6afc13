/**
 * The studio's HTTP server (node:http, 127.0.0.1 only): the pages of page.ts, each email as a
 * sample reader gets it, a server-sent event stream that tells open pages what changed, and the
 * one action that writes into the repository, "new tip". File watching (node:fs watch) drives
 * the updates; an error in a tip shows on its page and never stops the server.
 */

import { existsSync, type FSWatcher, watch } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import { contentRoot } from "../compiler/images.js";
import { createTip } from "../compiler/scaffold.js";
import { SYSTEM_EMAIL_NAMES } from "../compiler/templates.js";
import type { CompiledTemplate } from "../functions/core/types.js";
import { builtAssets, serveAsset } from "./assets.js";
import {
  checksList,
  emailMain,
  indexMain,
  LIVE_SCRIPT_HASH,
  layout,
  type ViewKind,
} from "./page.js";
import { templateEntry } from "./report.js";
import { darkVariant, lightVariant, sampleEmail } from "./sample.js";
import { type Change, StudioState } from "./state.js";

export const SYSTEM_EMAILS = SYSTEM_EMAIL_NAMES;
type SystemName = (typeof SYSTEM_EMAILS)[number];
const isSystem = (name: string): name is SystemName =>
  (SYSTEM_EMAILS as readonly string[]).includes(name);

export interface StudioOptions {
  tipsDir: string;
  emailsDir: string;
  /** The brand file (default: content/newsletter.yml of this repository). */
  brandFile?: string;
  port: number;
  /** Paths are shown relative to this (the repository root). */
  root: string;
  /** Wait this long after the last file event before re-checking (editors save in bursts). */
  debounceMs?: number;
  log?: (line: string) => void;
}

export interface Studio {
  url: string;
  state: StudioState;
  /** Resolves with the next change the studio publishes. */
  nextChange(): Promise<Change>;
  close(): Promise<void>;
}

/**
 * A studio page: its own live script (by hash), inline styles, frames and fetches of the studio
 * itself only; no other site may frame it.
 */
const PAGE_HEADERS = {
  "content-security-policy": `default-src 'self'; script-src ${LIVE_SCRIPT_HASH}; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  "x-frame-options": "DENY",
};

/** An email's preview: framed by the studio's own pages only (its images load from the site). */
const EMAIL_HEADERS = {
  "content-security-policy": "script-src 'none'; frame-ancestors 'self'",
  "x-frame-options": "SAMEORIGIN",
};

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = PAGE_HEADERS,
): void {
  res.writeHead(status, {
    "content-type": `${type}; charset=utf-8`,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(body);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) break;
  }
  return new URLSearchParams(body);
}

export async function startStudio(options: StudioOptions): Promise<Studio> {
  const log = options.log ?? ((line: string) => console.log(line));
  const state = new StudioState(options.tipsDir, options.emailsDir, options.brandFile);
  await state.load();
  const clients = new Set<ServerResponse>();
  let waiters: ((change: Change) => void)[] = [];

  const publish = (change: Change) => {
    const data = `event: change\ndata: ${JSON.stringify(change)}\n\n`;
    for (const client of clients) client.write(data);
    for (const waiter of waiters) waiter(change);
    waiters = [];
  };

  const email = (name: string): { email?: CompiledTemplate; slug: string } => {
    if (isSystem(name)) return { email: state.result.emails[name], slug: name };
    const report = state.report(name);
    return { email: report?.email, slug: report?.tip?.slug ?? name };
  };

  const frame = (name: string) => (kind: ViewKind) => {
    const width = kind.startsWith("mobile") ? 375 : 600;
    const mode = kind.endsWith("dark") ? "dark" : "light";
    return `<iframe src="/email/${encodeURIComponent(name)}?mode=${mode}" width="${width}" title="${kind}" sandbox="allow-same-origin" loading="lazy"></iframe>`;
  };

  const page = (name: string): string | undefined => {
    const { result, version } = state;
    const common = { view: frame(name), root: options.root, from: state.brand.sender };
    if (name === "index") {
      const templates = (["tip", ...SYSTEM_EMAILS] as const).map((t) => {
        const file = path.join(options.emailsDir, `${t}.mjml`);
        return {
          name: t,
          problems: result.problems.filter((p) => p.file === file).length,
          warnings: result.warnings.filter((p) => p.file === file).length,
        };
      });
      // Problems of no single tip: a missing folder, the tip template, a partial.
      const general = result.problems.filter((p) => !p.file.endsWith(".md"));
      const main = indexMain({
        reports: result.reports,
        templates,
        href: (n) =>
          isSystem(n) || n === "tip" ? `/template/${n}` : `/tip/${encodeURIComponent(n)}`,
        general,
        root: options.root,
      });
      return layout({ title: "Studio", page: "index", main, live: true, version });
    }
    if (name === "tip") {
      // The template every tip's email is made of: its own checks (each tip page shows the email).
      const file = path.join(options.emailsDir, "tip.mjml");
      const main = `<h1>tip template (emails/tip.mjml)</h1>
<p>Every tip's email is this template filled with the tip; open a tip to see one.</p>
<h2>Checks</h2>
${checksList(
  result.problems.filter((p) => p.file.endsWith(".mjml")),
  result.warnings.filter((p) => p.file === file),
  options.root,
)}`;
      return layout({ title: "tip template · Studio", page: "tip", main, live: true, version });
    }
    if (isSystem(name)) {
      const main = emailMain({ ...common, ...templateEntry(result, options.emailsDir, name) });
      return layout({ title: `${name} · Studio`, page: name, main, live: true, version });
    }
    const report = state.report(name);
    if (!report) return undefined;
    const templateProblems = result.problems.filter((p) => p.file.endsWith(".mjml"));
    const main = emailMain({
      ...common,
      heading: report.tip ? `#${report.tip.order} ${report.tip.title}` : `${name}.md`,
      email: report.email && sampleEmail(report.email, report.tip?.slug ?? name),
      problems: [...report.problems, ...templateProblems],
      warnings: report.warnings,
      reading: report.reading,
      size: report.size,
    });
    return layout({ title: `${name} · Studio`, page: name, main, live: true, version });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Only this machine's names for the studio: a page elsewhere that points its own host name at
    // 127.0.0.1 (DNS rebinding) is refused before anything is read or written.
    const own = [`127.0.0.1:${req.socket.localPort}`, `localhost:${req.socket.localPort}`];
    if (!own.includes(req.headers.host ?? "")) {
      return send(res, 403, "text/plain", "forbidden: open the studio at 127.0.0.1");
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    let parts: string[];
    try {
      parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      return send(res, 400, "text/plain", "bad request: malformed %-escape in the path");
    }
    if (req.method === "POST" && url.pathname === "/new-tip") {
      // Only a form on the studio's own page may create files (no cross-site posts).
      const origin = req.headers.origin;
      const site = req.headers["sec-fetch-site"];
      const foreignOrigin = origin !== undefined && !own.some((h) => origin === `http://${h}`);
      const foreignSite = site !== undefined && site !== "same-origin" && site !== "none";
      if (foreignOrigin || foreignSite) {
        return send(res, 403, "text/plain", "forbidden: the form must come from the studio");
      }
      const created = createTip(options.tipsDir, (await readForm(req)).get("title") ?? "");
      if ("error" in created) {
        return send(
          res,
          400,
          "text/html",
          layout({
            title: "New tip · Studio",
            page: "new-tip",
            main: `<h1>No tip created</h1><p class="bad">${created.error.replace(/[<>&"]/g, "")}</p><p><a href="/">Back</a></p>`,
            live: true,
          }),
        );
      }
      log(`created ${path.relative(options.root, created.file)} (order ${created.order})`);
      publish(await state.update([created.file]));
      res.writeHead(303, { location: `/tip/${encodeURIComponent(created.slug)}`, ...PAGE_HEADERS });
      return res.end();
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD, POST", ...PAGE_HEADERS });
      return res.end();
    }
    // The emails' images ({{site_url}} is the studio itself in its previews), drawn from the
    // sources as they are now; anything else the build wrote.
    const built = builtAssets(path.join(options.root, "dist", "site", "assets"));
    if (await serveAsset(async (name) => (await state.asset(name)) ?? built(name), req, res)) {
      return;
    }
    if (url.pathname === "/events") {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
        ...PAGE_HEADERS,
      });
      res.write(`retry: 500\n: studio version ${state.version}\n\n`);
      clients.add(res);
      req.on("close", () => clients.delete(res));
      return;
    }
    if (url.pathname === "/") return send(res, 200, "text/html", page("index") ?? "");
    const [kind, name] = parts;
    if (parts.length === 2 && name !== undefined) {
      const isTemplate = isSystem(name) || name === "tip";
      if ((kind === "tip" && !isTemplate) || (kind === "template" && isTemplate)) {
        const html = page(name);
        if (html) return send(res, 200, "text/html", html);
      }
    }
    if (parts.length === 2 && parts[0] === "email") {
      const { email: compiled, slug } = email(parts[1] as string);
      if (compiled) {
        const { html } = sampleEmail(compiled, slug);
        return send(
          res,
          200,
          "text/html",
          url.searchParams.get("mode") === "dark" ? darkVariant(html) : lightVariant(html),
          EMAIL_HEADERS,
        );
      }
    }
    send(res, 404, "text/plain", "not found");
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`studio: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!res.headersSent) send(res, 500, "text/plain", "studio error: see its terminal");
      else res.end();
    });
  });

  // Re-check after a burst of file events settles.
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const changed =
    (dir: string, only?: string) => (_event: string, name: string | Buffer | null) => {
      if (only !== undefined && name?.toString() !== only) return;
      if (name) pending.add(path.join(dir, name.toString()));
      clearTimeout(timer);
      timer = setTimeout(() => {
        const paths = [...pending];
        pending = new Set();
        running = running.then(async () => {
          try {
            const change = await state.update(paths);
            log(
              `updated ${change.names.filter((n) => n !== "index").join(", ") || "the list"} in ${change.ms} ms`,
            );
            publish(change);
          } catch (error) {
            log(`studio: could not re-check: ${error instanceof Error ? error.message : error}`);
          }
        });
      }, options.debounceMs ?? 20);
    };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  // Watched only once listening, so a taken port leaves nothing running.
  const imagesDir = path.join(contentRoot(options.tipsDir), "images");
  const watchers: FSWatcher[] = [
    watch(options.tipsDir, changed(options.tipsDir)),
    watch(options.emailsDir, { recursive: true }, changed(options.emailsDir)),
    // The brand file's folder (an editor may save by replacing the file): that file's events only.
    watch(
      path.dirname(state.brandFile),
      changed(path.dirname(state.brandFile), path.basename(state.brandFile)),
    ),
    // The tips' images.
    ...(existsSync(imagesDir) ? [watch(imagesDir, { recursive: true }, changed(imagesDir))] : []),
  ];
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    nextChange: () => new Promise((resolve) => waiters.push(resolve)),
    close: async () => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      for (const client of clients) client.end();
      await running;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
