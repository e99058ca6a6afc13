/**
 * `npm run subscribers -- import` and `export` on dynalite and the SES stand-in, as an operator
 * runs them against `npm start`: real files, the exit codes, and what the table holds after.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EXPORT_COLUMNS } from "../../functions/core/export.js";
import { type LocalAws, localStore, startLocalAws } from "../../scripts/local/aws.js";
import { EXIT, main as subscribers } from "../../scripts/subscribers.js";
import { subscriberId } from "../support/ids.js";
import { sesEmails } from "../support/ses-local.js";

const dir = mkdtempSync(path.join(tmpdir(), "subscribers-csv-"));
const file = (name: string, text: string) => {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
};

function output() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  return { out, err };
}

const LIST = [
  "Email Address,First Name,Time Zone,Member Rating",
  "ann@example.org,Ann,Europe/London,5",
  "ANN+news@Example.org,Ann again,,3",
  "not-an-address,Bob,,1",
  'cy@example.org,"Cy, the tall",,2',
  "dee@example.org,Dee,Moon/Base,1",
  "eve@example.org,,America/New_York,4",
  "-2+3@example.org,Mallory,,1",
  "",
].join("\n");

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
  process.env.DYNAMODB_ENDPOINT = aws.dynamoEndpoint;
  process.env.SES_ENDPOINT = aws.sesEndpoint;
  // Vite sets BASE_URL to "/" in every test process; the links need the site's.
  process.env.BASE_URL = "http://127.0.0.1:3000";
});
afterAll(async () => {
  delete process.env.DYNAMODB_ENDPOINT;
  delete process.env.SES_ENDPOINT;
  await aws?.stop();
});

describe("npm run subscribers -- import --consented", () => {
  it("adds the valid rows as active, reports each bad row by line, and ignores other columns", async () => {
    const { out, err } = output();
    const list = file("list.csv", LIST);
    expect(await subscribers(["import", list, "--consented", "Old tool export, 2026-11"])).toBe(
      EXIT.badRows,
    );
    const errors = err.join("\n");
    expect(errors).toMatch(/Ignored columns: Member Rating/);
    expect(errors).toMatch(/line 4: not a valid email address/);
    expect(errors).toMatch(/line 5: first name refused/);
    expect(errors).toMatch(/line 6: not an IANA time zone/);
    expect(out.join("\n")).toMatch(/the same mailbox as an earlier row\s+1/);
    const store = localStore(aws.dynamoEndpoint, aws.tableName);
    expect(await store.get(subscriberId("ann@example.org"))).toMatchObject({
      status: "active",
      firstName: "Ann",
      timeZone: "Europe/London",
      consent: { source: "Old tool export, 2026-11" },
    });
    expect((await store.get(subscriberId("eve@example.org")))?.status).toBe("active");
    vi.restoreAllMocks();
  });

  it("changes nothing when run again, or as a dry run", async () => {
    const store = localStore(aws.dynamoEndpoint, aws.tableName);
    const before = await store.get(subscriberId("ann@example.org"));
    const { out } = output();
    const list = file("list.csv", LIST);
    expect(await subscribers(["import", list, "--consented", "Again"])).toBe(EXIT.badRows);
    expect(out.join("\n")).toMatch(/already on the list\s+3/);
    expect(await store.get(subscriberId("ann@example.org"))).toEqual(before);
    const fresh = file("fresh.csv", "email\nnew-one@example.org\n");
    expect(await subscribers(["import", fresh, "--consented", "x", "--dry-run"])).toBe(EXIT.done);
    expect(out.join("\n")).toMatch(/Dry run/);
    expect(await store.get(subscriberId("new-one@example.org"))).toBeUndefined();
    // Without consent it says whom it would invite, never that anyone was invited.
    out.length = 0;
    expect(await subscribers(["import", fresh, "--dry-run"])).toBe(EXIT.done);
    expect(out.join("\n")).toMatch(/to invite \(a confirmation each; nothing sent yet\)\s+1/);
    expect(out.join("\n")).not.toMatch(/invited \(confirmation sent\)/);
    expect(await store.get(subscriberId("new-one@example.org"))).toBeUndefined();
    vi.restoreAllMocks();
  });

  it("never re-adds an erased or unsubscribed reader", async () => {
    const store = localStore(aws.dynamoEndpoint, aws.tableName);
    await store.erase(subscriberId("eve@example.org"), new Date());
    await store.unsubscribe(subscriberId("ann@example.org"), new Date());
    const { out } = output();
    expect(await subscribers(["import", file("list.csv", LIST), "--consented", "Again"])).toBe(
      EXIT.badRows,
    );
    expect(out.join("\n")).toMatch(/erased: not added\s+1/);
    expect(out.join("\n")).toMatch(/left, bounced or complained: not added\s+1/);
    expect(await store.get(subscriberId("eve@example.org"))).toBeUndefined();
    expect((await store.get(subscriberId("ann@example.org")))?.status).toBe("unsubscribed");
    vi.restoreAllMocks();
  });

  it("reports a row the CSV parser cannot read by its line, and goes on", async () => {
    const { err } = output();
    const broken = file("broken.csv", 'email\nok1@example.org\n"unclosed@example.org\n');
    const code = await subscribers(["import", broken, "--consented", "x"]);
    expect(code).toBe(EXIT.badRows);
    expect(err.join("\n")).toMatch(/line \d+: unreadable CSV/);
    const store = localStore(aws.dynamoEndpoint, aws.tableName);
    expect((await store.get(subscriberId("ok1@example.org")))?.status).toBe("active");
    vi.restoreAllMocks();
  });
});

describe("npm run subscribers -- export", () => {
  it("writes every reader but the erased as quoted CSV, formulas neutralised", async () => {
    const { err } = output();
    const source = '=HYPERLINK("http://evil.example","Click")';
    const more = file("more.csv", "email\nhal@example.org\n");
    expect(await subscribers(["import", more, "--consented", source])).toBe(EXIT.done);
    const out = path.join(dir, "export.csv");
    expect(await subscribers(["export", "--out", out])).toBe(EXIT.done);
    const text = readFileSync(out, "utf8");
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0] ?? {})).toEqual([...EXPORT_COLUMNS]);
    const emails = rows.map((row) => row.email);
    expect(emails).toContain("ann@example.org");
    expect(emails).not.toContain("eve@example.org");
    expect(emails.some((email) => email?.startsWith("="))).toBe(false);
    expect(emails).toContain("'-2+3@example.org");
    const hal = rows.find((row) => row.email === "hal@example.org");
    expect(hal?.consent_source).toBe(`'${source}`);
    expect(hal?.status).toBe("active");
    expect(text.split("\n")[1]).toMatch(/^"/);
    expect(err.join("\n")).toMatch(/Exported \d+ readers/);
    vi.restoreAllMocks();
  });

  it("still exports one reader as JSON when given an address", async () => {
    const { out } = output();
    expect(await subscribers(["export", "cy@example.org"])).toBe(EXIT.error);
    expect(await subscribers(["export", "ann@example.org"])).toBe(EXIT.done);
    expect(JSON.parse(out.join("\n")).subscription.email).toBe("ann@example.org");
    vi.restoreAllMocks();
  });
});

describe("bad input to npm run subscribers", () => {
  it.each([
    [["import"], /needs a CSV file/],
    [["import", path.join(dir, "missing.csv")], /no such file/],
    [["import", dir], /is not a file/],
    [["import", "FILE:empty.csv"], /is empty/],
    [["import", "FILE:noemail.csv"], /no email column/],
    [["import", "FILE:noemail.csv", "--consented", " "], /needs the source/],
    [["import", "FILE:noemail.csv", "--rate", "3"], /Unknown option/],
    [["export", "--consented", "x"], /belong to import/],
    [["erase", "a@example.org", "--out", "x.csv"], /--out belongs/],
    [["frobnicate", "x"], /unknown command/],
    [["erase"], /erase needs an address/],
  ])("%j: one line and exit 2", async (args, message) => {
    file("empty.csv", "");
    file("noemail.csv", "name,zone\nAnn,UTC\n");
    const { err } = output();
    const argv = args.map((a) => (a.startsWith("FILE:") ? path.join(dir, a.slice(5)) : a));
    expect(await subscribers(argv)).toBe(EXIT.usage);
    expect(err[0]?.split("\n")[0]).toMatch(message);
    vi.restoreAllMocks();
  });
});

describe("npm run subscribers -- --help", () => {
  it("prints the usage and exits 0", async () => {
    const { out } = output();
    expect(await subscribers(["--help"])).toBe(EXIT.done);
    expect(out.join("\n")).toMatch(/^Usage:\n {2}npm run subscribers -- import/);
    vi.restoreAllMocks();
  });
});

describe("npm run subscribers with no stack to reach", () => {
  it("says so in one line and exits 1", async () => {
    const { err } = output();
    const before = process.env.DYNAMODB_ENDPOINT;
    process.env.DYNAMODB_ENDPOINT = "http://127.0.0.1:9";
    try {
      expect(await subscribers(["export", "--out", path.join(dir, "none.csv")])).toBe(EXIT.error);
      expect(err).toEqual([
        expect.stringMatching(/^Nothing answers at the local stack's DynamoDB endpoint/),
      ]);
    } finally {
      if (before === undefined) delete process.env.DYNAMODB_ENDPOINT;
      else process.env.DYNAMODB_ENDPOINT = before;
      vi.restoreAllMocks();
    }
  });
});

describe("npm run subscribers -- import without consent (double opt-in)", () => {
  it("sends each new address one confirmation through the outbox's delivery, once", async () => {
    const { out } = output();
    const invite = file("invite.csv", "email,first name\nfay@example.org,Fay\ngus@example.org,\n");
    const before = (await sesEmails(aws.sesEndpoint)).length;
    expect(await subscribers(["import", invite])).toBe(EXIT.done);
    expect(out.join("\n")).toMatch(/invited \(confirmation sent\)\s+2/);
    const sent = (await sesEmails(aws.sesEndpoint)).slice(before);
    expect(sent.map((e) => e.destination.to[0]).sort()).toEqual([
      "fay@example.org",
      "gus@example.org",
    ]);
    const store = localStore(aws.dynamoEndpoint, aws.tableName);
    expect((await store.get(subscriberId("fay@example.org")))?.status).toBe("pending");
    expect(await subscribers(["import", invite])).toBe(EXIT.done);
    expect((await sesEmails(aws.sesEndpoint)).length).toBe(before + 2);
    vi.restoreAllMocks();
  });
});

describe("an interrupted import", () => {
  it("stops on Ctrl-C with exit 130 and the rows in hand settled; a rerun finishes it", async () => {
    const { spawn } = await import("node:child_process");
    const rows = Array.from({ length: 3000 }, (_, i) => `ctrl-c-${i}@example.org`);
    const big = file("big.csv", `email\n${rows.join("\n")}\n`);
    const run = () =>
      spawn(
        process.execPath,
        ["--import", "tsx", "scripts/subscribers.ts", "import", big, "--consented", "big list"],
        {
          cwd: path.resolve(import.meta.dirname, "../.."),
          env: { ...process.env, NODE_NO_WARNINGS: "1" },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
    const exit = (child: ReturnType<typeof run>) =>
      new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const store = localStore(aws.dynamoEndpoint, aws.tableName);
    const ids = rows.map((row) => subscriberId(row));
    const present = async () => {
      let n = 0;
      for (let i = 0; i < ids.length; i += 100)
        n += (await store.lookup(ids.slice(i, i + 100))).size;
      return n;
    };
    const child = run();
    const done = exit(child);
    while ((await present()) === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill("SIGINT");
    const code = await done;
    const partial = await present();
    expect(code).toBe(EXIT.interrupted);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(rows.length);
    expect(await exit(run())).toBe(EXIT.done);
    expect(await present()).toBe(rows.length);
  }, 90_000);
});
