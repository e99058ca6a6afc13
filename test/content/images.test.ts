/**
 * Images of the repository in a tip: what the checks refuse (a missing file, no alt text, a file or
 * a PNG too big, a photo too small), the hashed address that follows the image's content, and the
 * absolute address emails use where the web page uses the site's own path.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkContent } from "../../compiler/check.js";
import { DEFAULT_EMAILS_DIR } from "../../compiler/paths.js";

const SITE = "https://tips.example.com";
let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "tips-images-"));
  process.env.CONTENT_REPORT_CACHE = "off";
  process.env.CONTENT_CACHE_DIR = path.join(root, "cache");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const figure = (fill: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 536 300" width="536" height="300"><title>t</title><rect x="1" y="1" width="534" height="298" fill="#fff" stroke="#ccc"/><circle cx="268" cy="150" r="80" fill="${fill}"/></svg>`;

/** A content folder with one tip showing `markdown`, and the given image files. */
function content(name: string, markdown: string, images: Record<string, string | Buffer>) {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, "tips"), { recursive: true });
  mkdirSync(path.join(dir, "images"), { recursive: true });
  for (const [file, bytes] of Object.entries(images)) {
    writeFileSync(path.join(dir, "images", file), bytes);
  }
  writeFileSync(
    path.join(dir, "tips", "move.md"),
    `---\ntitle: A move\nslug: move\norder: 1\nsummary: A tip with a figure.\ntags: [fixture]\nauthor: The editors\nexpert: "Gabby Callagy, PT, CSCS, founder of The Run RX"\n---\n\n${markdown}\n\nThis week: do the move.\n`,
  );
  return checkContent({
    tipsDir: path.join(dir, "tips"),
    emailsDir: DEFAULT_EMAILS_DIR,
    siteUrl: SITE,
  });
}

const messages = (result: Awaited<ReturnType<typeof content>>) =>
  result.problems.map((p) => p.message);

describe("an image of the repository in a tip", () => {
  it("must exist", async () => {
    const result = await content("missing", "![A squat, side view](../images/squat.svg)", {});
    expect(result.bundle).toBeUndefined();
    expect(messages(result).some((m) => m.startsWith("image not found"))).toBe(true);
  });

  it("must have alt text", async () => {
    const result = await content("no-alt", "![](../images/squat.svg)", {
      "squat.svg": figure("#c2410c"),
    });
    expect(result.bundle).toBeUndefined();
    expect(messages(result).some((m) => m.startsWith("image without alt text"))).toBe(true);
  });

  it("must not be too big a file", async () => {
    const padding = `<!-- ${"x".repeat(1100 * 1024)} -->`;
    const result = await content("big-file", "![A squat](../images/squat.svg)", {
      "squat.svg": figure("#c2410c").replace("</svg>", `${padding}</svg>`),
    });
    expect(result.bundle).toBeUndefined();
    expect(messages(result).some((m) => m.includes("too big a file"))).toBe(true);
  });

  it("must not draw to a PNG over 60 KB", async () => {
    // Noise: thousands of differently coloured cells do not compress.
    let cells = "";
    for (let y = 0; y < 300; y += 4) {
      for (let x = 0; x < 536; x += 4) {
        const c = ((x * 7919 + y * 104729) % 0xffffff).toString(16).padStart(6, "0");
        cells += `<rect x="${x}" y="${y}" width="4" height="4" fill="#${c}"/>`;
      }
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 536 300" width="536" height="300">${cells}</svg>`;
    const result = await content("noisy", "![Noise](../images/noise.svg)", { "noise.svg": svg });
    expect(result.bundle).toBeUndefined();
    const problem = result.problems.find((p) => /KB as a PNG/.test(p.message));
    expect(problem?.file).toMatch(/move\.md$/);
  });

  it("must be wide enough when it is a photo", async () => {
    const small = await sharp({
      create: { width: 400, height: 300, channels: 3, background: "#888888" },
    })
      .png()
      .toBuffer();
    const result = await content("small", "![A grey photo](../images/photo.png)", {
      "photo.png": small,
    });
    expect(result.bundle).toBeUndefined();
    expect(messages(result).some((m) => m.includes("400 px wide"))).toBe(true);
  });

  it("gets a hashed address that changes with its content, and only then", async () => {
    const src = async (name: string, fill: string) => {
      const result = await content(name, "![A squat](../images/squat.svg)", {
        "squat.svg": figure(fill),
      });
      expect(result.problems).toEqual([]);
      const html = result.bundle?.tips[0]?.html ?? "";
      return /<img src="([^"]+)"/.exec(html)?.[1];
    };
    const first = await src("hash-a", "#c2410c");
    const same = await src("hash-b", "#c2410c");
    const changed = await src("hash-c", "#1f2933");
    expect(first).toMatch(/\/assets\/squat\.[0-9a-f]{10}\.png$/);
    expect(same).toBe(first);
    expect(changed).not.toBe(first);
  });

  it("is linked absolutely in the email, from the site itself on the web, and drawn at 2×", async () => {
    const result = await content("ok", "![A squat, side view](../images/squat.svg)", {
      "squat.svg": figure("#c2410c"),
    });
    expect(result.problems).toEqual([]);
    const email = result.bundle?.tips[0]?.html ?? "";
    const emailSrc = /<img src="([^"]+)"[^>]*alt="A squat, side view"/.exec(email)?.[1] ?? "";
    expect(emailSrc.startsWith(`${SITE}/assets/`)).toBe(true);
    const web = result.bundle?.archive[0]?.html ?? "";
    const webSrc = /<img src="([^"]+)"/.exec(web)?.[1] ?? "";
    expect(`${SITE}${webSrc}`).toBe(emailSrc);
    const drawn = result.assets?.find((a) => emailSrc.endsWith(`/${a.name}`));
    expect(drawn?.contentType).toBe("image/png");
    const meta = await sharp(drawn?.bytes).metadata();
    expect(meta.width).toBe(1072);
    expect(drawn?.bytes.length).toBeLessThanOrEqual(60 * 1024);
    // The text part names what the image shows.
    expect(result.bundle?.tips[0]?.text).toContain("[Image: A squat, side view]");
  });

  it("credits the tip's author and expert in the email's HTML and text", async () => {
    const result = await content("credits", "A tip.", {});
    const tip = result.bundle?.tips[0];
    for (const part of [tip?.html ?? "", tip?.text ?? ""]) {
      expect(part).toContain("The editors");
      expect(part).toContain("Gabby Callagy, PT, CSCS, founder of The Run RX");
    }
  });
});
