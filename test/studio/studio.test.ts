/**
 * The editor's studio over HTTP: what its pages show, how a saved file reaches open pages (the
 * server-sent event stream), errors shown instead of the email, and that it writes nothing but
 * the "new tip" action's file.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as studioMain } from "../../scripts/studio.js";
import { startStudio } from "../../studio/server.js";
import { runMain } from "../support/cli.js";
import { ROOT, type StudioFixture, snapshot, startFixtureStudio } from "../support/studio.js";

let fx: StudioFixture;
let emailsBefore: Record<string, string>;

beforeAll(async () => {
  emailsBefore = snapshot(path.join(ROOT, "emails"));
  fx = await startFixtureStudio();
});
afterAll(() => fx?.stop());

const get = async (pathname: string) => {
  const res = await fetch(`${fx.studio.url}${pathname}`);
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
};

type Change = { names: string[]; ms: number; version: number };

/** Connects to the event stream; the promise it gives resolves with the next `change` event. */
async function listen(): Promise<{ next: Promise<Change> }> {
  const res = await fetch(`${fx.studio.url}/events`);
  if (!res.body) throw new Error("no event stream");
  return { next: firstChange(res.body.getReader()) };
}

async function firstChange(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Change> {
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const match = /event: change\ndata: (.*)\n\n/.exec(buffer);
    if (match) {
      await reader.cancel();
      return JSON.parse(match[1] as string);
    }
  }
  throw new Error("stream ended");
}

/** Saves a file and waits for the studio to publish the change, over its event stream. */
async function save(file: string, content: string) {
  // The stream is open before the save, so the change cannot be missed.
  const { next } = await listen();
  writeFileSync(file, content);
  return next;
}

describe("the studio's pages", () => {
  it("listens on 127.0.0.1 only", () => {
    expect(new URL(fx.studio.url).hostname).toBe("127.0.0.1");
  });

  it("lists every tip in sequence order with title, order, tags and status, and the templates", async () => {
    const { status, body } = await get("/");
    expect(status).toBe(200);
    const first = body.indexOf("Why runners should lift");
    const second = body.indexOf("Every step lands at about 3.5 times your bodyweight");
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    expect(body).toContain(">#1<");
    expect(body).toContain('<span class="tag">motivation</span>');
    expect(body).toMatch(/ok, 1 warning/);
    for (const name of ["tip", "confirm", "welcome", "goodbye"]) {
      expect(body).toContain(`href="/template/${name}"`);
    }
  });

  it("shows a tip as a reader gets it: inbox row, four views, text part, size, reading time, checks", async () => {
    const { body } = await get("/tip/every-step-lands-hard");
    expect(body).toContain(`${fx.studio.state.brand.sender}</div>`);
    expect(body).toContain(
      'class="subject">Strength tip #2: Every step lands at about 3.5 times your bodyweight<',
    );
    expect(body).toMatch(/class="pre">— [^<]+</);
    for (const [width, mode] of [
      [600, "light"],
      [375, "light"],
      [600, "dark"],
      [375, "dark"],
    ]) {
      expect(body).toContain(`src="/email/every-step-lands-hard?mode=${mode}" width="${width}"`);
    }
    expect(body).toMatch(/<pre class="text">[^<]*Hi Alex,/);
    // The text part's addresses are absolute, as a reader's are (never "/privacy" alone).
    const text = /<pre class="text">([^<]*)<\/pre>/.exec(body)?.[1] ?? "";
    expect(text).toContain("https://example.com/privacy");
    expect(text).not.toMatch(/^\/\w/m);
    expect(body).toMatch(/KB of 40\.0 KB/);
    expect(body).toMatch(/\d+ min \(\d+ words\)/);
    expect(body).toContain("subject is 68 characters");
  });

  it("serves the email with sample values, and a dark variant", async () => {
    const light = await get("/email/why-runners-should-lift?mode=light");
    expect(light.type).toMatch(/^text\/html/);
    expect(light.body).toContain("Hi Alex,");
    expect(light.body).not.toContain("{{");
    expect(light.body).not.toContain("invert(1)");
    const dark = await get("/email/why-runners-should-lift?mode=dark");
    expect(dark.body).toContain("filter:invert(1) hue-rotate(180deg)");
  });

  it("shows each system email", async () => {
    const { status, body } = await get("/template/confirm");
    expect(status).toBe(200);
    expect(body).toContain("Confirm your subscription to Weekly Strength Tips for Runners");
    expect(body).toContain('src="/email/confirm?mode=dark"');
  });

  it("shows the tip template's own checks, with the email-client notes", async () => {
    const { status, body } = await get("/template/tip");
    expect(status).toBe(200);
    expect(body).toContain("tip template (emails/tip.mjml)");
    expect(body).toMatch(/warning<\/span> <code>[^<]*emails\/tip\.mjml<\/code>: email clients: /);
  });

  it("counts the templates' email-client notes as notes, not as warnings of the tips", async () => {
    const { body } = await get("/");
    expect(body).toMatch(/emails\/tip\.mjml<\/td><td><span class="warn">ok, \d+ client notes</);
    expect(body).not.toMatch(/mjml<\/td><td><span class="warn">ok, \d+ warnings/);
  });

  it("answers 404 for an unknown tip", async () => {
    expect((await get("/tip/no-such-tip")).status).toBe(404);
  });
});

describe("saving a file", () => {
  it("tells open pages which tip changed, and the page shows the new text", async () => {
    const file = path.join(fx.dir, "why-runners-should-lift.md");
    const source = readFileSync(file, "utf8");
    const change = await save(
      file,
      source.replace(/^title: .*$/m, 'title: "Why runners should lift weights"'),
    );
    expect(change.names).toEqual(expect.arrayContaining(["index", "why-runners-should-lift"]));
    expect(change.names).not.toContain("every-step-lands-hard");
    const { body } = await get("/tip/why-runners-should-lift");
    expect(body).toContain("Strength tip #1: Why runners should lift weights");
  });

  it("shows a broken tip's file:line message instead of the email, and keeps serving", async () => {
    const file = path.join(fx.dir, "every-step-lands-hard.md");
    const source = readFileSync(file, "utf8");
    await save(file, source.replace(/^order: 2$/m, "order: two"));
    const broken = await get("/tip/every-step-lands-hard");
    expect(broken.status).toBe(200);
    expect(broken.body).toContain("This email cannot be built");
    expect(broken.body).toContain("<code>every-step-lands-hard.md:4</code>");
    expect(broken.body).not.toContain("<iframe");
    expect((await get("/")).body).toContain("1 error");
    expect((await get("/email/every-step-lands-hard")).status).toBe(404);
    // Fixed again: the email is back.
    await save(file, source);
    expect((await get("/tip/every-step-lands-hard")).body).toContain("<iframe");
  });

  it("notices a new tip file and a deleted one", async () => {
    const file = path.join(fx.dir, "extra.md");
    const added = await save(
      file,
      "---\ntitle: An extra tip\nslug: extra\norder: 9\nsummary: Extra.\ntags: [extra]\n---\n\nExtra body.\n",
    );
    expect(added.names).toContain("extra");
    expect((await get("/")).body).toContain("An extra tip");
    const { next } = await listen();
    rmSync(file);
    expect((await next).names).toContain("index");
    expect((await get("/")).body).not.toContain("An extra tip");
  });
});

describe("what the studio writes", () => {
  it("nothing while pages are viewed and files re-checked", async () => {
    const before = snapshot(fx.dir);
    for (const p of ["/", "/tip/squats", "/tip/why-runners-should-lift", "/template/welcome"]) {
      await get(p);
    }
    expect(snapshot(fx.dir)).toEqual(before);
    expect(snapshot(path.join(ROOT, "emails"))).toEqual(emailsBefore);
  });

  it("one scaffold file through the new-tip action, then shows it with its TODO errors", async () => {
    const before = snapshot(fx.dir);
    const res = await fetch(`${fx.studio.url}/new-tip`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "title=Hip+thrusts+for+hills",
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/tip/hip-thrusts-for-hills");
    const after = snapshot(fx.dir);
    expect(Object.keys(after)).toEqual([...Object.keys(before), "hip-thrusts-for-hills.md"].sort());
    expect(after["hip-thrusts-for-hills.md"]).toContain("order: 3\n");
    const page = await get("/tip/hip-thrusts-for-hills");
    expect(page.body).toContain("<code>hip-thrusts-for-hills.md:6</code>: placeholder");
  });

  it("refuses a new-tip post from another site, and a title it cannot use", async () => {
    const before = snapshot(fx.dir);
    const cross = await fetch(`${fx.studio.url}/new-tip`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "http://evil.example",
      },
      body: "title=Sneaky",
    });
    expect(cross.status).toBe(403);
    const empty = await fetch(`${fx.studio.url}/new-tip`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "title=%21%21%21",
    });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain("cannot make a file name");
    expect(snapshot(fx.dir)).toEqual(before);
  });

  it.each([
    ["another host name pointed at 127.0.0.1 (DNS rebinding)", { host: "evil.example" }],
    ["a cross-site post without an Origin", { "sec-fetch-site": "cross-site" }],
    ["a same-site post from a sibling", { "sec-fetch-site": "same-site" }],
  ])("refuses %s and writes nothing", async (_what, headers) => {
    const before = snapshot(fx.dir);
    const { port } = new URL(fx.studio.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/new-tip",
          headers: {
            host: `127.0.0.1:${port}`,
            "content-type": "application/x-www-form-urlencoded",
            ...headers,
            ...("host" in headers ? { host: `${headers.host}:${port}` } : {}),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end("title=Rebound");
    });
    expect(status).toBe(403);
    expect(snapshot(fx.dir)).toEqual(before);
  });

  it("answers a malformed %-escape in a path with 400, not 500", async () => {
    expect((await fetch(`${fx.studio.url}/tip/%E0%A4`)).status).toBe(400);
  });
});

describe("npm run studio", () => {
  it("names the flag to change when the port is taken", async () => {
    const port = new URL(fx.studio.url).port;
    const result = await runMain(studioMain, ["--port", port, "--tips", fx.dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `port ${port} is taken: choose another with --port, e.g. --port ${Number(port) + 1}\n`,
    );
  });

  it("refuses a port that is not a number", async () => {
    const result = await runMain(studioMain, ["--port", "http"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--port must be a port number");
  });
});

describe("a tip's images, before any build", () => {
  let dir: string;
  let studio: Awaited<ReturnType<typeof startStudio>>;
  const squat = (fill: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 536 300" width="536" height="300"><title>t</title><rect x="1" y="1" width="534" height="298" fill="#fff" stroke="#ccc"/><circle cx="268" cy="150" r="80" fill="${fill}"/></svg>`;
  beforeAll(async () => {
    // A content folder of its own, with no dist/: nothing was built.
    dir = mkdtempSync(path.join(tmpdir(), "studio-images-"));
    mkdirSync(path.join(dir, "content/tips"), { recursive: true });
    mkdirSync(path.join(dir, "content/images"));
    writeFileSync(path.join(dir, "content/images/squat.svg"), squat("#c2410c"));
    writeFileSync(
      path.join(dir, "content/tips/squats.md"),
      "---\ntitle: Squats\nslug: squats\norder: 1\nsummary: The foundation move.\ntags: [squats]\n---\n\n![A squat, side view: hips back and down, heels down](../images/squat.svg)\n\nThis week: ten slow squats.\n",
    );
    studio = await startStudio({
      tipsDir: path.join(dir, "content/tips"),
      emailsDir: path.join(ROOT, "emails"),
      port: 0,
      root: dir,
      log: () => {},
    });
  });
  afterAll(async () => {
    await studio?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const figure = async () => {
    const html = await (await fetch(`${studio.url}/email/squats`)).text();
    const src = /src="[^"]*(\/assets\/squat\.[0-9a-f]{10}\.png)"/.exec(html)?.[1];
    if (!src) throw new Error("no figure in the email");
    const res = await fetch(`${studio.url}${src}`);
    return { src, status: res.status, type: res.headers.get("content-type") };
  };

  it("serves the figure the email shows, drawn from its source", async () => {
    expect(await figure()).toMatchObject({ status: 200, type: "image/png" });
  });

  it("an image saved while the studio runs: the email names the new file, which is served", async () => {
    const before = await figure();
    const next = studio.nextChange();
    writeFileSync(path.join(dir, "content/images/squat.svg"), squat("#1f2933"));
    await next;
    const after = await figure();
    expect(after.src).not.toBe(before.src);
    expect(after).toMatchObject({ status: 200, type: "image/png" });
  });
});
