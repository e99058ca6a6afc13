/**
 * The HTML of the studio and of the review report (`npm run preview -- --all`): the list of tips
 * and templates, and one email as a reader gets it (inbox row, desktop and mobile, light and dark,
 * the text part, its size, its checks). Plain HTML and CSS, no framework; every value escaped.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import type { TipReport } from "../compiler/check.js";
import { HTML_MAX_BYTES } from "../compiler/email.js";
import type { Problem } from "../compiler/problems.js";
import { escapeHtml as esc } from "../functions/core/fill.js";
import type { FilledEmail } from "./sample.js";

/** How an email's views are shown: live frames (studio) or screenshots (report); "" leaves one out. */
export type ViewKind = "desktop" | "mobile" | "desktop-dark" | "mobile-dark";
export type ViewRenderer = (kind: ViewKind) => string;

export const VIEWS: { kind: ViewKind; label: string; width: number }[] = [
  { kind: "desktop", label: "Desktop 600 px", width: 600 },
  { kind: "mobile", label: "Mobile 375 px", width: 375 },
  { kind: "desktop-dark", label: "Desktop, dark mode", width: 600 },
  { kind: "mobile-dark", label: "Mobile, dark mode", width: 375 },
];

/**
 * The studio's own look: light, and dark under `prefers-color-scheme: dark`; from 320 px up, the
 * wide things (the tables, the 600 px email) scroll sideways in their own box, never the page.
 * The email frames keep a light scheme of their own: the dark views are the inverting clients'.
 */
const CSS = `
:root{color-scheme:light;--ink:#1f2933;--muted:#5b6772;--line:#d3d8de;--bg:#f5f7fa;--surface:#ffffff;--accent:#c2410c;--on-accent:#ffffff;--bad:#b91c1c;--warn:#92400e;--good:#166534}
@media (prefers-color-scheme:dark){:root{color-scheme:dark;--ink:#eef0f2;--muted:#b7bfc8;--line:#3a3f47;--bg:#121417;--surface:#1d2025;--accent:#fb923c;--on-accent:#121417;--bad:#fca5a5;--warn:#fcd34d;--good:#86efac}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
header{display:flex;gap:8px 16px;align-items:center;padding:10px 24px;background:var(--surface);border-bottom:1px solid var(--line);flex-wrap:wrap}
header a{color:var(--ink);text-decoration:none;font-weight:700}
header form{margin-left:auto;display:flex;gap:6px;flex:1 1 260px;max-width:380px}
header input{font:inherit;padding:4px 8px;border:1px solid var(--muted);border-radius:4px;flex:1;min-width:0;background:var(--surface);color:var(--ink)}
button{font:inherit;padding:4px 12px;border:0;border-radius:4px;background:var(--accent);color:var(--on-accent);cursor:pointer}
a{color:var(--ink)}
.live{font-size:12px;color:var(--muted)}
main{padding:20px 24px 48px;max-width:1100px}
h1{font-size:22px;margin:0 0 4px;overflow-wrap:anywhere}
h2{font-size:16px;margin:28px 0 8px}
.scroll{overflow-x:auto;max-width:100%}
table.list{border-collapse:collapse;background:var(--surface);width:100%;border:1px solid var(--line)}
.list th,.list td{padding:8px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
.tag{display:inline-block;font-size:12px;padding:0 6px;margin:0 4px 2px 0;border-radius:3px;background:var(--bg);border:1px solid var(--line)}
.ok{color:var(--good);font-weight:700}.bad{color:var(--bad);font-weight:700}.warn{color:var(--warn);font-weight:700}
.inbox{display:grid;grid-template-columns:36px 1fr auto;gap:4px 12px;align-items:center;background:var(--surface);border:1px solid var(--line);border-radius:6px;padding:10px 14px;max-width:975px}
.avatar{width:36px;height:36px;border-radius:50%;background:var(--accent);color:var(--on-accent);display:flex;align-items:center;justify-content:center;font-weight:700;grid-row:span 2}
.inbox .from{font-weight:700}.inbox .when{color:var(--muted);font-size:13px}
.inbox .line{grid-column:2/4;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.inbox .pre{color:var(--muted)}
.views{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
figure{margin:0;max-width:100%;overflow-x:auto}
figcaption{font-size:13px;color:var(--muted);margin-bottom:4px}
iframe,.views img{display:block;border:1px solid var(--line);background:#fff;max-width:none;color-scheme:light}
.views img{max-width:100%;height:auto}
iframe{height:900px}
.facts{display:flex;gap:12px 24px;flex-wrap:wrap;margin:16px 0 0}
.facts div{background:var(--surface);border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.facts b{display:block;font-size:12px;color:var(--muted);font-weight:400}
ul.checks{list-style:none;padding:0;margin:0}
.checks li{background:var(--surface);border:1px solid var(--line);border-left:4px solid var(--warn);padding:8px 12px;margin:0 0 6px;border-radius:4px;overflow-wrap:anywhere}
.checks li.error{border-left-color:var(--bad)}
.checks code{font-weight:700}
.checks .fix{color:var(--muted)}
.draft{padding:10px 12px;border:1px solid var(--bad);border-radius:6px;background:var(--surface)}
pre.text{background:var(--surface);border:1px solid var(--line);padding:12px;white-space:pre-wrap;max-width:700px;font-size:13px;overflow-x:auto}
@media (max-width:600px){header{padding:10px 12px}header form{margin-left:0;max-width:none}main{padding:16px 12px 40px}.inbox{grid-template-columns:36px 1fr}.inbox .when{display:none}.inbox .line{grid-column:2/3}.list .tags{display:none}}
`;

/** Reloads what changed when a file is saved (studio only): no manual reload. */
const LIVE_SCRIPT = `
const status = document.getElementById("live");
const source = new EventSource("/events");
source.addEventListener("open", () => { status.textContent = "● live"; });
source.addEventListener("error", () => { status.textContent = "○ reconnecting…"; });
source.addEventListener("change", async (event) => {
  const change = JSON.parse(event.data);
  const page = document.body.dataset.page;
  if (page !== "index" && !change.names.includes(page)) return;
  const response = await fetch(location.href, { cache: "no-store" });
  const html = await response.text();
  const next = new DOMParser().parseFromString(html, "text/html");
  document.querySelector("main").replaceWith(next.querySelector("main"));
  document.title = next.title;
  status.textContent = "● updated in " + change.ms + " ms";
  document.body.dataset.version = String(change.version);
});
for (const frame of document.querySelectorAll("iframe")) frame.addEventListener("load", fit);
document.addEventListener("load", (e) => { if (e.target.tagName === "IFRAME") fit.call(e.target); }, true);
function fit() {
  try { this.style.height = this.contentDocument.documentElement.scrollHeight + 2 + "px"; } catch {}
}
`;

/** The CSP source that allows exactly the live script, the one script a studio page runs. */
export const LIVE_SCRIPT_HASH = `'sha256-${createHash("sha256").update(LIVE_SCRIPT).digest("base64")}'`;

export function layout(options: {
  title: string;
  page: string;
  main: string;
  live: boolean;
  version?: number;
}): string {
  const header = options.live
    ? `<header><a href="/">Editor's studio</a><span class="live" id="live">○ connecting…</span>
<form method="post" action="/new-tip"><input name="title" required maxlength="100" placeholder="Title of a new tip" aria-label="Title of a new tip"><button>New tip</button></form></header>`
    : `<header><a href="index.html">Review report: what subscribers will get</a></header>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(options.title)}</title><style>${CSS}</style></head>
<body data-page="${esc(options.page)}" data-version="${options.version ?? 0}">
${header}
<main>${options.main}</main>
${options.live ? `<script type="module">${LIVE_SCRIPT}</script>` : ""}
</body></html>`;
}

const where = (p: Problem, root: string) => {
  const shown = path.isAbsolute(p.file) ? path.relative(root, p.file) || p.file : p.file;
  return p.line === undefined ? shown : `${shown}:${p.line}`;
};

export function checksList(
  problems: readonly Problem[],
  warnings: readonly Problem[],
  root: string,
): string {
  if (problems.length + warnings.length === 0) return `<p class="ok">✓ every check passed</p>`;
  const item = (p: Problem, kind: "error" | "warning") =>
    `<li class="${kind}"><span class="${kind === "error" ? "bad" : "warn"}">${kind}</span> <code>${esc(where(p, root))}</code>: ${esc(p.message)}<br><span class="fix">fix: ${esc(p.fix)}</span></li>`;
  return `<ul class="checks">${[
    ...problems.map((p) => item(p, "error")),
    ...warnings.map((p) => item(p, "warning")),
  ].join("")}</ul>`;
}

/** A row's checks; a template's warnings are notes on email clients, for whoever edits emails/. */
function status(problems: number, warnings: number, kind = "warning"): string {
  if (problems > 0) return `<span class="bad">${problems} error${problems === 1 ? "" : "s"}</span>`;
  if (warnings > 0)
    return `<span class="warn">ok, ${warnings} ${kind}${warnings === 1 ? "" : "s"}</span>`;
  return `<span class="ok">ok</span>`;
}

export function indexMain(options: {
  reports: readonly TipReport[];
  templates: readonly { name: string; problems: number; warnings: number }[];
  href: (name: string) => string;
  /** Problems that belong to no single tip (a missing folder, a broken template). */
  general: readonly Problem[];
  root: string;
}): string {
  const rows = options.reports
    .map(
      (r) =>
        `<tr><td>${r.tip ? `#${r.tip.order}` : "?"}</td><td><a href="${esc(options.href(r.name))}">${esc(r.tip?.title ?? r.name)}</a><br><small>${esc(r.name)}.md</small></td><td class="tags">${(r.tip?.tags ?? []).map((t) => `<span class="tag">${esc(t)}</span>`).join("")}</td><td>${r.reading.minutes} min</td><td>${status(r.problems.length, r.warnings.length)}</td></tr>`,
    )
    .join("");
  const templates = options.templates
    .map(
      (t) =>
        `<tr><td><a href="${esc(options.href(t.name))}">${esc(t.name)}</a></td><td>emails/${esc(t.name)}.mjml</td><td>${status(t.problems, t.warnings, "client note")}</td></tr>`,
    )
    .join("");
  return `<h1>Tips, in the order subscribers get them</h1>
${options.general.length > 0 ? checksList(options.general, [], options.root) : ""}
<div class="scroll"><table class="list"><thead><tr><th>Order</th><th>Title</th><th class="tags">Tags</th><th>Read</th><th>Checks</th></tr></thead><tbody>${rows}</tbody></table></div>
<h2>Templates</h2>
<div class="scroll"><table class="list"><thead><tr><th>Email</th><th>Template</th><th>Checks</th></tr></thead><tbody>${templates}</tbody></table></div>`;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * One email as a reader gets it, with its checks first. A draft with errors (TODOs left, a broken
 * link) is still shown, its errors listed above it: it does not ship until they are fixed. Only
 * an email that could not be made at all (broken front matter, a broken template) shows its
 * errors alone.
 */
export function emailMain(options: {
  heading: string;
  email?: FilledEmail;
  problems: readonly Problem[];
  warnings: readonly Problem[];
  reading?: { words: number; minutes: number };
  size?: { html: number; text: number };
  view: ViewRenderer;
  root: string;
  /** The sender's name, as the inbox shows it (the brand's sender). */
  from: string;
}): string {
  const { email } = options;
  const head = `<h1>${esc(options.heading)}</h1>`;
  if (!email) {
    return `${head}<p class="bad">This email cannot be built. Fix these first:</p>${checksList(options.problems, options.warnings, options.root)}`;
  }
  const errors = options.problems.length;
  const draft =
    errors > 0
      ? `<p class="bad draft" role="status">A draft: ${errors} error${errors === 1 ? "" : "s"} to fix before it can ship. The email below is a preview.</p>\n`
      : "";
  const facts = [
    options.size
      ? `<div><b>HTML</b>${kb(options.size.html)} of ${kb(HTML_MAX_BYTES)} (Gmail clips at ~102 KB)</div><div><b>Text part</b>${kb(options.size.text)}</div>`
      : "",
    options.reading
      ? `<div><b>Reading time</b>${options.reading.minutes} min (${options.reading.words} words)</div>`
      : "",
    `<div><b>Subject</b>${email.subject.length} characters</div>`,
  ].join("");
  return `${head}
${draft}<h2>Checks</h2>
${checksList(options.problems, options.warnings, options.root)}
<h2>In the inbox</h2>
<div class="inbox"><div class="avatar" aria-hidden="true">${esc(options.from.slice(0, 1).toUpperCase())}</div><div class="from">${esc(options.from)}</div><div class="when">Mon 07:00</div>
<div class="line"><span class="subject">${esc(email.subject)}</span> <span class="pre">— ${esc(email.preheader)}</span></div></div>
<div class="facts">${facts}</div>
<h2>The email</h2>
<div class="views">${VIEWS.flatMap((v) => {
    const content = options.view(v.kind);
    return content ? [`<figure><figcaption>${esc(v.label)}</figcaption>${content}</figure>`] : [];
  }).join("")}</div>
<h2>Text part</h2>
<pre class="text">${esc(email.text)}</pre>`;
}
