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
    // Named from the content folder, as the editor finds it (content/images/… in the repository).
    expect(messages(result)).toContain(
      'image not found: "../images/squat.svg" (no file missing/images/squat.svg)',
    );
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
    // Noise (one filter, well under the complexity limits) does not compress.
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 536 300" width="536" height="300"><filter id="n"><feTurbulence type="fractalNoise" baseFrequency="0.9" numOctaves="4" seed="7"/><feColorMatrix type="saturate" values="4"/></filter><rect width="536" height="300" filter="url(#n)"/></svg>`;
    const result = await content("noisy", "![Coloured static](../images/noise.svg)", {
      "noise.svg": svg,
    });
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

  it("a photo (JPEG) is sent as a JPEG at 2×, within its own limit; one that weighs too much is refused", async () => {
    // A photo-like scene: a sky, a hill, a runner's blurred shape, a little grain.
    const scene = sharp(
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1067"><defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#7fb3e0"/><stop offset="1" stop-color="#e8d9b5"/></linearGradient><filter id="b"><feGaussianBlur stdDeviation="12"/></filter><filter id="g"><feTurbulence type="fractalNoise" baseFrequency="0.9" numOctaves="3" seed="3"/><feColorMatrix type="saturate" values="0"/><feComponentTransfer><feFuncA type="linear" slope="0.3"/></feComponentTransfer></filter></defs><rect width="1600" height="1067" fill="url(#s)"/><ellipse cx="800" cy="1100" rx="1200" ry="420" fill="#5b7f3a"/><g filter="url(#b)"><circle cx="760" cy="520" r="60" fill="#3b2a20"/><rect x="700" y="580" width="120" height="260" rx="40" fill="#c2410c"/></g><rect width="1600" height="1067" filter="url(#g)"/></svg>`,
      ),
    )
      .jpeg({ quality: 90 })
      .toBuffer();
    // Coloured static, which no JPEG compresses.
    const static_ = sharp(
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="1100" height="733"><filter id="g"><feTurbulence type="fractalNoise" baseFrequency="0.5" numOctaves="4" seed="3"/><feColorMatrix type="saturate" values="4"/></filter><rect width="1100" height="733" filter="url(#g)"/></svg>`,
      ),
    )
      .jpeg({ quality: 95 })
      .toBuffer();
    const calm = await content("photo", "![A runner on a hill at dawn](../images/runner.jpg)", {
      "runner.jpg": await scene,
    });
    expect(calm.problems).toEqual([]);
    const src = /<img src="([^"]+)"/.exec(calm.bundle?.tips[0]?.html ?? "")?.[1] ?? "";
    expect(src).toMatch(/\/assets\/runner\.[0-9a-f]{10}\.jpg$/);
    const drawn = calm.assets?.find((a) => src.endsWith(`/${a.name}`));
    expect(drawn?.contentType).toBe("image/jpeg");
    const meta = await sharp(drawn?.bytes).metadata();
    expect(meta).toMatchObject({ format: "jpeg", width: 1072, height: 714 });
    expect(drawn?.bytes.length).toBeLessThanOrEqual(150 * 1024);

    const grainy = await content("grainy", "![Coloured static on a screen](../images/runner.jpg)", {
      "runner.jpg": await static_,
    });
    expect(grainy.bundle).toBeUndefined();
    expect(grainy.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^runner\.jpg: image is [\d.]+ KB as a JPEG at 2× \(limit 150 KB\)$/),
    ]);
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

describe("an image that is not a file of the repository is refused (no tracking pixels)", () => {
  it.each([
    ["a remote image in Markdown", "![A runner doing a squat](https://tracker.example/pixel.png)"],
    ["a protocol-relative image", "![A runner doing a squat](//tracker.example/pixel.png)"],
    ["a plain-http image", "![A runner doing a squat](http://tracker.example/pixel.png)"],
  ])("%s", async (_case, markdown) => {
    const result = await content(`remote-${_case.length}`, markdown, {});
    expect(result.bundle).toBeUndefined();
    const found = result.problems.find((p) => p.message.includes("not a file of the repository"));
    expect(found?.fix).toContain("content/images/");
  });

  it.each([
    ["block HTML", '<img src="https://tracker.example/pixel.png" alt="">'],
    ["inline HTML", 'Look: <img src="https://tracker.example/pixel.png" width="1" height="1">'],
    ["HTML in a table", '| a | b |\n|---|---|\n| <img src="https://tracker.example/p.png"> | x |'],
  ])("an <img> in %s", async (_case, markdown) => {
    const result = await content(`raw-${_case.replace(/\W/g, "")}`, markdown, {});
    expect(result.bundle).toBeUndefined();
    expect(messages(result).some((m) => m.startsWith("an image in raw HTML"))).toBe(true);
  });

  it("and nothing of tracker.example reaches the email or the web page of a tip that passes", async () => {
    const result = await content("local-only", "![A squat, side view](../images/squat.svg)", {
      "squat.svg": figure("#c2410c"),
    });
    expect(result.problems).toEqual([]);
    const tip = result.bundle?.tips[0];
    expect(JSON.stringify(result.bundle)).not.toContain("tracker.example");
    expect(tip?.html).toMatch(
      /<img src="https:\/\/tips\.example\.com\/assets\/squat\.[0-9a-f]{10}\.png"/,
    );
  });
});

describe("alt text must say what the image shows", () => {
  it.each([
    "img",
    "Image",
    "photo",
    "picture",
    "squat.svg",
    "squat",
    "IMG_1234",
    "DSC-0042.jpg",
    "x",
    "...",
    "—",
    "A 1",
  ])("%s is refused", async (alt) => {
    const result = await content(
      `alt-${alt.replace(/\W/g, "_")}`,
      `![${alt}](../images/squat.svg)`,
      {
        "squat.svg": figure("#c2410c"),
      },
    );
    expect(result.bundle).toBeUndefined();
    expect(messages(result).some((m) => m.includes("says nothing about the image"))).toBe(true);
  });

  it("a description passes", async () => {
    const result = await content(
      "alt-good",
      "![A squat seen from the side, thighs level](../images/squat.svg)",
      {
        "squat.svg": figure("#c2410c"),
      },
    );
    expect(result.problems).toEqual([]);
  });
});

describe("an SVG source that runs or fetches anything is refused", () => {
  const svg = (inner: string, attrs = "") =>
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 536 300"${attrs}>${inner}<rect width="10" height="10"/></svg>`;
  it.each([
    ["a script", svg("<script>alert(1)</script>"), "a <script>"],
    ["an event handler", svg("", ' onload="alert(1)"'), "event handler"],
    ["a foreignObject", svg("<foreignObject><p>hi</p></foreignObject>"), "<foreignObject>"],
    [
      "an external image",
      svg('<image href="https://tracker.example/p.png" width="1" height="1"/>'),
      "reference to another file",
    ],
    [
      "a file reference",
      svg('<image xlink:href="file:///etc/passwd" width="1" height="1"/>'),
      "reference to another file",
    ],
    ["a use of another file", svg('<use href="other.svg#shape"/>'), "reference to another file"],
    [
      "a CSS url()",
      svg("<style>rect{fill:url(https://tracker.example/x)}</style>"),
      "reference to another file",
    ],
    [
      "an entity",
      `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>${svg("<text>&x;</text>")}`,
      "entity",
    ],
  ])("%s", async (_case, source, message) => {
    const result = await content(
      `svg-${_case.replace(/\W/g, "_")}`,
      "![A squat seen from the side](../images/squat.svg)",
      {
        "squat.svg": source,
      },
    );
    expect(result.bundle).toBeUndefined();
    const found = result.problems.find((p) => p.message.includes(message));
    expect(found, JSON.stringify(result.problems)).toBeDefined();
  });

  it("an internal reference (a gradient, a reused shape) is fine", async () => {
    const source = svg(
      '<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient><circle id="c" r="5"/></defs><use href="#c"/><rect width="5" height="5" fill="url(#g)"/>',
    ).replace('viewBox="0 0 536 300"', 'viewBox="0 0 536 300" width="536" height="300"');
    const result = await content(
      "svg-internal",
      "![A squat seen from the side](../images/squat.svg)",
      {
        "squat.svg": source,
      },
    );
    expect(result.problems).toEqual([]);
  });
});

describe("an over-complex SVG is refused before it is drawn, in seconds", () => {
  const path40k = () => {
    let d = "M0 0";
    for (let i = 0; i < 40_000; i++) d += ` L${(i * 7) % 536} ${(i * 13) % 300}`;
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 536 300" width="536" height="300"><path d="${d}" stroke="#000" fill="none"/></svg>`;
  };

  it("a 336 KB, 40,000-segment path", async () => {
    const started = Date.now();
    const result = await content("svg-huge", "![A squat seen from the side](../images/squat.svg)", {
      "squat.svg": path40k(),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.bundle).toBeUndefined();
    expect(messages(result).some((m) => m.includes("KB (limit 64 KB for a drawing)"))).toBe(true);
  });

  it("a small file with too many coordinates or elements", async () => {
    let d = "M0 0";
    for (let i = 0; i < 6000; i++) d += `L${i % 500} ${i % 300}`;
    const dense = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 536 300" width="536" height="300"><path d="${d}"/></svg>`;
    const many = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 536 300" width="536" height="300">${"<g/>".repeat(1200)}</svg>`;
    for (const [name, source] of [
      ["dense", dense],
      ["many", many],
    ]) {
      const result = await content(
        `svg-${name}`,
        "![A squat seen from the side](../images/squat.svg)",
        {
          "squat.svg": source as string,
        },
      );
      expect(Buffer.byteLength(source as string)).toBeLessThan(64 * 1024);
      expect(result.bundle).toBeUndefined();
      expect(messages(result).some((m) => m.includes("too complex to draw"))).toBe(true);
    }
  });
});
