/**
 * The studio with a draft and a brand of its own: a tip with TODOs left still shows its email,
 * its errors listed above it; a duplicate order shows on both tips; the brand file's sender is the
 * inbox's From and a saved brand file reaches the pages; no other site may frame a page (CSP
 * frame-ancestors 'none', X-Frame-Options DENY), while the studio frames its own email previews.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Studio, startStudio } from "../../studio/server.js";
import { ROOT } from "../support/studio.js";

let studio: Studio;
let dir: string;
let tips: string;
let brandFile: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "studio-drafts-"));
  tips = path.join(dir, "tips");
  cpSync(path.join(ROOT, "content/brand"), path.join(dir, "brand"), { recursive: true });
  brandFile = path.join(dir, "newsletter.yml");
  writeFileSync(
    brandFile,
    readFileSync(path.join(ROOT, "content/newsletter.yml"), "utf8").replace(
      /^sender: .*$/m,
      "sender: Mobility Notes",
    ),
  );
  cpSync(path.join(ROOT, "test/fixtures/tips/valid-links"), tips, { recursive: true });
  // A draft: a TODO left, an order of its own.
  const draft = readFileSync(
    path.join(ROOT, "test/fixtures/tips/placeholder-todo/placeholder-todo.md"),
    "utf8",
  );
  writeFileSync(path.join(tips, "placeholder-todo.md"), draft.replace(/^order: .*$/m, "order: 9"));
  studio = await startStudio({
    tipsDir: tips,
    emailsDir: path.join(ROOT, "emails"),
    brandFile,
    port: 0,
    root: dir,
    log: () => {},
  });
});
afterAll(async () => {
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (pathname: string) => {
  const res = await fetch(`${studio.url}${pathname}`);
  return { status: res.status, headers: res.headers, body: await res.text() };
};

describe("a draft in the studio", () => {
  it("with a TODO left: its errors above the email, and the email itself below", async () => {
    const { status, body } = await get("/tip/placeholder-todo");
    expect(status).toBe(200);
    const errors = body.indexOf("placeholder &quot;TODO&quot; left in the tip");
    const email = body.indexOf("<h2>The email</h2>");
    expect(errors).toBeGreaterThan(0);
    expect(email).toBeGreaterThan(errors);
    expect(body).toContain("A draft: 1 error to fix before it can ship");
    expect(body).toContain('src="/email/placeholder-todo?mode=light"');
    const preview = await get("/email/placeholder-todo?mode=light");
    expect(preview.status).toBe(200);
    expect(preview.body).toContain("TODO");
  });

  it("with an order another tip has: the error on both tips, each naming the other", async () => {
    const file = path.join(tips, "placeholder-todo.md");
    const next = studio.nextChange();
    writeFileSync(file, readFileSync(file, "utf8").replace(/^order: .*$/m, "order: 1"));
    await next;
    const mine = await get("/tip/placeholder-todo");
    const theirs = await get("/tip/linking");
    expect(mine.body).toMatch(/duplicate order 1: also used by linking\.md/);
    expect(theirs.body).toMatch(/duplicate order 1: also used by placeholder-todo\.md/);
  });
});

describe("the brand in the studio", () => {
  it("the inbox shows the brand's sender, and a saved brand file reaches the pages", async () => {
    expect((await get("/tip/target")).body).toContain("Mobility Notes</div>");
    const next = studio.nextChange();
    writeFileSync(
      brandFile,
      readFileSync(brandFile, "utf8").replace(/^sender: .*$/m, "sender: Climbing Notes"),
    );
    await next;
    expect((await get("/tip/target")).body).toContain("Climbing Notes</div>");
  });
});

describe("framing", () => {
  it("no other site may frame a studio page", async () => {
    for (const pathname of ["/", "/tip/target", "/template/confirm", "/no-such-page"]) {
      const { headers } = await get(pathname);
      expect(headers.get("content-security-policy"), pathname).toMatch(/frame-ancestors 'none'/);
      expect(headers.get("x-frame-options"), pathname).toBe("DENY");
    }
  });

  it("the email previews may be framed by the studio's own pages only", async () => {
    const { headers } = await get("/email/target?mode=light");
    expect(headers.get("content-security-policy")).toMatch(/frame-ancestors 'self'/);
    expect(headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });
});
