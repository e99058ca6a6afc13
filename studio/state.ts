/**
 * What the studio knows: the brand, every tip checked and compiled, and the templates. A saved tip
 * is re-checked on its own against the compiled templates (no mjml run); adding or removing a tip
 * re-checks them all (another tip's links may now resolve, or break); a saved template or brand
 * file recompiles the templates and every tip.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { brandAssets, figureAsset, type PlannedAsset, renderAssets } from "../compiler/assets.js";
import { type Brand, checkBrand, STAND_IN_BRAND } from "../compiler/brand.js";
import { assemble, type CheckResult, listTipFiles, type TipReport } from "../compiler/check.js";
import { DEFAULT_BRAND_FILE } from "../compiler/paths.js";
import { type Problem, problem } from "../compiler/problems.js";
import { compileTemplates, SYSTEM_EMAIL_NAMES } from "../compiler/templates.js";
import { checkTip } from "../compiler/tip.js";

export interface Change {
  /** Names (tip file names without .md, or template names) whose page changed; "index" always. */
  names: string[];
  /** How long the re-check and re-render took. */
  ms: number;
  version: number;
}

export class StudioState {
  private reports = new Map<string, TipReport>();
  private compiled?: Awaited<ReturnType<typeof compileTemplates>>;
  private brandCheck: { brand?: Brand; problems: Problem[] } = { problems: [] };
  result!: CheckResult;
  version = 0;

  constructor(
    readonly tipsDir: string,
    readonly emailsDir: string,
    readonly brandFile: string = DEFAULT_BRAND_FILE,
  ) {}

  /** The brand in use (a plain stand-in while the brand file has problems). */
  get brand(): Brand {
    return this.brandCheck.brand ?? STAND_IN_BRAND;
  }

  private async compileAll(): Promise<void> {
    this.brandCheck = checkBrand(this.brandFile);
    this.compiled = await compileTemplates(this.emailsDir, this.brand);
  }

  private files(): string[] {
    return existsSync(this.tipsDir) ? listTipFiles(this.tipsDir) : [];
  }

  private general(): Problem[] {
    if (!existsSync(this.tipsDir)) {
      return [problem(this.tipsDir, "tips directory not found", "pass an existing --tips folder")];
    }
    return [];
  }

  private recheck(files: readonly string[]): void {
    for (const file of files) {
      this.reports.set(
        file,
        checkTip(file, this.tipsDir, this.compiled?.templates.tip, { brand: this.brand }),
      );
    }
  }

  private rebuild(): void {
    const compiled = this.compiled ?? { templates: {}, problems: [], warnings: [] };
    this.result = assemble({
      reports: [...this.reports.values()],
      templates: compiled.templates,
      problems: [...this.general(), ...this.brandCheck.problems, ...compiled.problems],
      warnings: compiled.warnings,
      emailsDir: this.emailsDir,
      brand: this.brand,
    });
    this.version++;
  }

  async load(): Promise<void> {
    await this.compileAll();
    this.reports.clear();
    this.recheck(this.files());
    this.rebuild();
  }

  /** Re-checks after the given paths changed on disk. */
  async update(changed: readonly string[]): Promise<Change> {
    const start = performance.now();
    const names = new Set<string>(["index"]);
    const templateChanged = changed.some(
      (p) => p.endsWith(".mjml") || path.resolve(p) === path.resolve(this.brandFile),
    );
    const files = this.files();
    const known = new Set(this.reports.keys());
    // A saved image (content/images) gets a new name in every tip that shows it, and may be
    // the one a tip was missing: every tip is checked again (a few milliseconds each).
    const imageChanged = changed.some(
      (p) =>
        !p.endsWith(".md") &&
        !p.endsWith(".mjml") &&
        path.resolve(p) !== path.resolve(this.brandFile),
    );
    const setChanged =
      imageChanged || files.length !== known.size || files.some((f) => !known.has(f));
    if (templateChanged) {
      await this.compileAll();
      for (const name of ["tip", ...SYSTEM_EMAIL_NAMES]) names.add(name);
    }
    if (templateChanged || setChanged) {
      this.reports.clear();
      this.recheck(files);
      for (const f of files) names.add(path.basename(f, ".md"));
    } else {
      const tips = changed.filter((p) => p.endsWith(".md") && files.includes(p));
      this.recheck(tips);
      for (const f of tips) names.add(path.basename(f, ".md"));
    }
    const before = this.signatures();
    this.rebuild();
    // A tip that was not saved can still change: another one now uses its order, for example.
    for (const [name, signature] of this.signatures()) {
      if (before.get(name) !== signature) names.add(name);
    }
    return { names: [...names], ms: Math.round(performance.now() - start), version: this.version };
  }

  private signatures(): Map<string, string> {
    return new Map(
      (this.result?.reports ?? []).map((r) => [
        r.name,
        r.problems.map((p) => p.message).join("\n"),
      ]),
    );
  }

  report(name: string): TipReport | undefined {
    return this.result.reports.find((r) => r.name === name);
  }

  /**
   * A file the previews show (a tip's figure, the brand's logo), drawn from its source as it is
   * now, so a draft's images show without a build; undefined for any other name.
   */
  async asset(name: string): Promise<Buffer | undefined> {
    const planned = this.plannedAssets().find((asset) => asset.name === name);
    if (!planned) return undefined;
    const { assets } = await renderAssets([planned]);
    return assets[0]?.bytes;
  }

  private plannedAssets(): PlannedAsset[] {
    const figures = [...this.reports.values()].flatMap((r) => (r.images ?? []).map(figureAsset));
    try {
      return [...figures, ...brandAssets(this.brand).plan];
    } catch {
      // A brand file missing or unreadable: its problem is on the index page already.
      return figures;
    }
  }
}
