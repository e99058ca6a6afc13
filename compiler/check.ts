/**
 * checkContent: the whole pipeline over the brand file, a tips folder and a templates folder. The
 * brand is read (brand.ts); the templates are compiled once with it (templates.ts); each tip is
 * checked and compiled on its own (tip.ts); then the checks across tips run (a slug or order used
 * twice), the system emails are checked as they ship (shipped.ts) and the bundle is put together.
 * Every problem in every file is collected in one pass. The build, `npm run check`, the studio,
 * preview and the tests all call this (the studio calls tip.ts's checkTip for a saved file).
 *
 * Each tip's result is cached (cache.ts), keyed by its bytes, the names of the tips beside it
 * (its links may point to them), the tip template and the compiler itself: a check of unchanged
 * content loads none of the Markdown, YAML, schema or HTML libraries.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { placeIn } from "../functions/core/archive.js";
import type { CompiledTip, ContentBundle, SystemEmails } from "../functions/core/types.js";
import type { CreditedTip } from "../functions/http/archive-pages.js";
import type { SiteAssets } from "../functions/http/site-assets.js";
import type { SiteBrand } from "../functions/http/site-brand.js";
import {
  brandAssets,
  figureAsset,
  type PlannedAsset,
  type RenderedAsset,
  renderAssets,
  tipCardAsset,
} from "./assets.js";
import { type Brand, STAND_IN_BRAND } from "./brand-base.js";
import { cacheKey, readCache, writeCache } from "./cache.js";
import type { CompiledTipEmail } from "./compile.js";
import { compileSystemEmails, sizeProblem } from "./email.js";
import { ASSET_PREFIX, contentRoot } from "./images.js";
import { DEFAULT_BRAND_FILE, defaultSiteUrl } from "./paths.js";
import { lineOfKey, type Problem, problem } from "./problems.js";
import { webHtml } from "./render.js";
import type { FrontMatter, Tip } from "./schema.js";
import { placeholderProblems } from "./shipped.js";
import {
  type CompiledMjml,
  compileTemplates,
  SYSTEM_EMAIL_NAMES,
  TEMPLATE_SPECS,
  type TemplateName,
} from "./templates.js";
import type { TipReport } from "./tip.js";

export type { TipReport } from "./tip.js";

export interface CheckOptions {
  tipsDir: string;
  emailsDir: string;
  /** Check only these tip slugs (file names without .md); links may still point to any tip. */
  only?: readonly string[];
  /** The site's base URL, under which emails link their images (default: defaultSiteUrl()). */
  siteUrl?: string;
  /** The brand file (default: content/newsletter.yml of this repository). */
  brandFile?: string;
}

export interface CheckResult {
  /** Errors, in every file. */
  problems: Problem[];
  /** Warnings, in every file (including the templates' email-client notes). */
  warnings: Problem[];
  /** Tips whose front matter is valid, sorted by order. */
  tips: Tip[];
  /** One report per tip file, in sequence order (files with broken front matter last). */
  reports: TipReport[];
  /** The compiled templates (the tip template and the system emails). */
  templates: Partial<Record<TemplateName, CompiledMjml>>;
  /** The system emails that compiled. */
  emails: Partial<SystemEmails>;
  /** The compiled content; present only when there are no problems. */
  bundle?: ContentBundle;
  /** The site's static files (figures, social cards, icons); drawn by checkContent only. */
  assets?: RenderedAsset[];
  /** The addresses of the brand's files (favicon, logo, home card). */
  site?: SiteAssets;
  /** The brand everything was compiled with (a plain stand-in when the brand file has problems). */
  brand: Brand;
}

/**
 * What sits in the tips directory without being a tip (a `drafts/` folder, `x.markdown`, `x.MD`,
 * `x.md.txt`): each a warning, so that a tip left out of the series by its name is seen.
 * Hidden files (.gitkeep, .DS_Store) are no one's tips.
 */
function strayFiles(tipsDir: string): Problem[] {
  return readdirSync(tipsDir, { withFileTypes: true })
    .filter(
      (entry) => !entry.name.startsWith(".") && !(entry.isFile() && entry.name.endsWith(".md")),
    )
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((entry) =>
      problem(
        path.join(tipsDir, entry.name),
        entry.isDirectory()
          ? "a folder in the tips directory: the tips in it are not in the series"
          : "not a tip: only files ending in .md are, so this one is not in the series",
        entry.isDirectory()
          ? "move each tip up into the tips directory (or the folder out of it)"
          : "rename it to end in .md (lower case) if it is a tip, or move it out of the tips directory",
      ),
    );
}

export function listTipFiles(tipsDir: string): string[] {
  return readdirSync(tipsDir)
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => path.join(tipsDir, name));
}

export async function checkContent(options: CheckOptions): Promise<CheckResult> {
  const { tipsDir, emailsDir, only } = options;
  const problems: Problem[] = [];
  let strays: Problem[] = [];
  let files: string[] = [];
  if (!existsSync(tipsDir) || !statSync(tipsDir).isDirectory()) {
    problems.push(
      problem(tipsDir, "tips directory not found", "pass an existing directory with --tips"),
    );
  } else {
    files = listTipFiles(tipsDir);
    if (only) files = files.filter((f) => only.includes(path.basename(f, ".md")));
    else strays = strayFiles(tipsDir);
    if (files.length === 0 && !only) {
      problems.push(
        problem(tipsDir, "no tips found (*.md)", 'add a tip with npm run new-tip -- "Title"'),
      );
    }
  }
  const siteUrl = options.siteUrl ?? defaultSiteUrl();
  const checked = await loadBrand(options.brandFile ?? DEFAULT_BRAND_FILE);
  const brand = checked.brand ?? STAND_IN_BRAND;
  const compiled = await compileTemplates(emailsDir, brand);
  const reports = await checkTips(files, tipsDir, compiled.templates.tip, siteUrl, brand);
  const own = checked.brand ? brandAssets(checked.brand) : undefined;
  const drawn = await drawAssets(reports, own?.plan ?? [], brand);
  const result = assemble({
    ...compiled,
    reports,
    emailsDir,
    siteUrl,
    brand,
    problems: [...problems, ...checked.problems, ...compiled.problems, ...drawn.brandProblems],
    warnings: [...strays, ...compiled.warnings],
  });
  if (own) result.site = own.site;
  result.assets = drawn.assets;
  return result;
}

/**
 * The brand file, checked (brand.ts), or the result of its last check when its bytes are the same
 * and its pictures are still there: then the YAML, schema and colour libraries are not loaded.
 */
async function loadBrand(file: string): Promise<{ brand?: Brand; problems: Problem[] }> {
  const bytes = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  const key = bytes === undefined ? undefined : cacheKey("brand", path.resolve(file), bytes);
  const cached = key ? readCache<{ brand: Brand }>(key) : undefined;
  if (cached && Object.values(cached.brand.files).every((f) => existsSync(f))) {
    return { brand: cached.brand, problems: [] };
  }
  const { checkBrand } = await import("./brand.js");
  const checked = checkBrand(file);
  if (key && checked.brand) writeCache(key, { brand: checked.brand });
  return checked;
}

/**
 * Draws every figure, tip card and brand file. A figure or card over its limit is a problem of
 * the tip that shows it (and that tip then has no email); a brand file's, of the file itself.
 */
async function drawAssets(
  reports: TipReport[],
  brandPlan: readonly PlannedAsset[],
  brand: Brand,
): Promise<{ assets: RenderedAsset[]; brandProblems: Problem[] }> {
  const users = new Map<string, TipReport[]>();
  const plan: PlannedAsset[] = [...brandPlan];
  const use = (asset: PlannedAsset, report: TipReport) => {
    plan.push(asset);
    users.set(asset.name, [...(users.get(asset.name) ?? []), report]);
  };
  const series = reports.flatMap((r) => (r.tip ? [r.tip] : []));
  for (const report of reports) {
    for (const image of report.images ?? []) use(figureAsset(image), report);
    if (report.tip && brand.files.card) {
      use(tipCardAsset(report.tip, placeIn(series, report.tip.order), brand), report);
    }
  }
  const { assets, problems } = await renderAssets(plan);
  const brandProblems: Problem[] = [];
  const bySource = new Map(plan.map((p) => [p.source, p.name]));
  for (const p of problems) {
    const tips = users.get(bySource.get(p.file) ?? "") ?? [];
    if (tips.length === 0) brandProblems.push(p);
    for (const report of tips) {
      report.problems.push({
        ...p,
        file: report.file,
        message: `${path.basename(p.file)}: ${p.message}`,
      });
    }
  }
  return { assets, brandProblems };
}

/** Whether tip results are cached; CONTENT_REPORT_CACHE=off turns it off (the tests do). */
const reportCacheOn = () => process.env.CONTENT_REPORT_CACHE !== "off";

async function checkTips(
  files: readonly string[],
  tipsDir: string,
  template: CompiledMjml | undefined,
  siteUrl: string,
  brand: SiteBrand,
): Promise<TipReport[]> {
  // What a tip's result depends on besides its own bytes: the tips beside it, the template, the
  // site's address, the brand and the images it may show.
  const context = [
    tipsDir,
    existsSync(tipsDir) ? listTipFiles(tipsDir).join("\n") : "",
    template ? `${template.file}\n${template.html}\n${template.text}` : "no template",
    siteUrl,
    JSON.stringify(brand),
    imagesFingerprint(contentRoot(tipsDir)),
  ].join("\0");
  let tip: typeof import("./tip.js") | undefined;
  const reports: TipReport[] = [];
  for (const file of files) {
    const key = reportCacheOn()
      ? cacheKey(
          "tip",
          context,
          file,
          createHash("sha256").update(readFileSync(file)).digest("hex"),
        )
      : undefined;
    const cached = key ? readCache<TipReport>(key) : undefined;
    if (cached) {
      reports.push(cached);
      continue;
    }
    tip ??= await import("./tip.js");
    const report = tip.checkTip(file, tipsDir, template, { siteUrl, brand });
    if (key) {
      const { tokens, ...stored } = report;
      void tokens;
      writeCache(key, stored);
    }
    reports.push(report);
  }
  return reports;
}

/** Names, sizes and times of the image files under the content folder: a cached tip's images. */
function imagesFingerprint(root: string): string {
  const hash = createHash("sha256");
  const visit = (dir: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      else if (/\.(svg|png|jpe?g|webp)$/i.test(entry.name)) {
        const stat = statSync(file);
        hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
      }
    }
  };
  visit(root);
  return hash.digest("hex");
}

/**
 * A slug or order used by more than one tip: an error on each of those tips, naming the others
 * (whichever was edited last, both show it).
 */
export function duplicates(
  tips: readonly (FrontMatter & { file: string; matter: string })[],
  key: "slug" | "order",
): Problem[] {
  const byValue = new Map<string | number, (FrontMatter & { file: string; matter: string })[]>();
  for (const tip of tips) byValue.set(tip[key], [...(byValue.get(tip[key]) ?? []), tip]);
  const problems: Problem[] = [];
  for (const [value, sharing] of byValue) {
    if (sharing.length < 2) continue;
    for (const tip of sharing) {
      const others = sharing
        .filter((other) => other !== tip)
        .map((other) => path.basename(other.file))
        .join(", ");
      problems.push(
        problem(
          tip.file,
          `duplicate ${key} ${JSON.stringify(value)}: also used by ${others}`,
          key === "order"
            ? `give each tip its own order number: change it here or in ${others} (the next free one is the highest + 1)`
            : "each tip needs a unique slug equal to its file name",
          lineOfKey(tip.matter, key),
        ),
      );
    }
  }
  return problems;
}

/**
 * Puts independently checked tips together: the checks across tips (a slug or order used twice),
 * the system emails, and the bundle when nothing failed. `reports` are not changed (the studio
 * keeps them and re-checks only the file that was saved); the result holds copies.
 */
export function assemble(input: {
  reports: readonly TipReport[];
  templates: Partial<Record<TemplateName, CompiledMjml>>;
  /** Problems and warnings of the templates. */
  problems: readonly Problem[];
  warnings: readonly Problem[];
  emailsDir: string;
  /** The site's base URL the tips were compiled with (their images' addresses). */
  siteUrl?: string;
  /** The brand the templates and tips were compiled with. */
  brand: Brand;
}): CheckResult {
  const { templates, emailsDir, brand } = input;
  const siteUrl = input.siteUrl ?? defaultSiteUrl();
  const problems = [...input.problems];
  const reports = input.reports.map((r) => ({ ...r, problems: [...r.problems] }));
  const byOrder = (a: TipReport, b: TipReport) =>
    (a.tip?.order ?? Number.POSITIVE_INFINITY) - (b.tip?.order ?? Number.POSITIVE_INFINITY) ||
    a.name.localeCompare(b.name);
  reports.sort(byOrder);
  const tips = reports.flatMap((r) => (r.tip ? [r.tip] : []));
  const byFile = new Map(reports.map((r) => [r.file, r]));
  for (const p of [...duplicates(tips, "slug"), ...duplicates(tips, "order")]) {
    byFile.get(p.file)?.problems.push(p);
  }

  const emails = compileSystemEmails(templates, brand, tips);
  for (const name of SYSTEM_EMAIL_NAMES) {
    const email = emails[name];
    if (!email) continue;
    const file = path.join(emailsDir, `${name}.mjml`);
    const tooBig = sizeProblem(file, email.html);
    if (tooBig) problems.push(tooBig);
    problems.push(
      ...placeholderProblems({ file, email, allowed: TEMPLATE_SPECS[name].placeholders }),
    );
  }

  for (const report of reports) problems.push(...report.problems);
  const warnings = [...reports.flatMap((r) => r.warnings), ...input.warnings];
  const result: CheckResult = { problems, warnings, tips, reports, templates, emails, brand };
  const systemEmails = SYSTEM_EMAIL_NAMES.every((name) => emails[name])
    ? (emails as SystemEmails)
    : undefined;
  if (problems.length > 0 || !systemEmails) return result;
  const compiled = reports.flatMap((r) => (r.email ? [r.email] : []));
  result.bundle = {
    tips: compiled.map(withoutBodyHtml),
    emails: systemEmails,
    archive: reports.flatMap((r) =>
      r.tip && r.email ? [archiveTip(r, placeIn(tips, r.tip.order), siteUrl, brand)] : [],
    ),
  };
  return result;
}

/**
 * A tip for the public archive: its front matter, its body without the email's styles (its images
 * from the site itself), who wrote it and the expert it rests on, and its social card.
 */
function archiveTip(report: TipReport, place: number, siteUrl: string, brand: Brand): CreditedTip {
  const tip = report.tip as NonNullable<TipReport["tip"]>;
  const email = report.email as CompiledTipEmail;
  return {
    slug: tip.slug,
    order: tip.order,
    title: tip.title,
    summary: tip.summary,
    tags: [...tip.tags],
    ...(tip.publishedAt ? { publishedAt: String(tip.publishedAt) } : {}),
    readingMinutes: report.reading.minutes,
    html: webHtml(email.webBodyHtml, siteUrl),
    ...(tip.author ? { author: tip.author } : {}),
    ...(tip.expert ? { expert: tip.expert } : {}),
    card: `${ASSET_PREFIX}${tipCardAsset(tip, place, brand).name}`,
  };
}

function withoutBodyHtml(email: CompiledTipEmail): CompiledTip {
  const { bodyHtml, webBodyHtml, ...tip } = email;
  void bodyHtml;
  void webBodyHtml;
  return tip;
}
