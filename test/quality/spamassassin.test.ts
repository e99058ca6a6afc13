/**
 * SpamAssassin (Debian's `spamassassin`, local tests only: -L, no DNS, no network) judges every
 * email as it goes out: built by the production functions over the built content, with an https
 * site, assembled as MIME with the headers SES sends (From, Reply-To, List-Unsubscribe, …). No rule
 * may score, other than those that only say the message never crossed SMTP (it has not: these are
 * messages before SES sends them). One spamassassin process reads them all as one mbox.
 *
 * A control message, the old hidden preheader (white 1 px text), must score, so a SpamAssassin
 * that scores nothing cannot pass this test. Without spamassassin the test is skipped with the
 * reason, except in CI (CI=true), where .ci/run installs it and its absence is a failure.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../../functions/generated/content.js";
import { asMime, emailsAsSent, type NamedEmail } from "../support/outgoing.js";

const IN_CI = process.env.CI === "true";
const probe = spawnSync("spamassassin", ["--version"], { encoding: "utf8" });
const HAVE = probe.status === 0;
const MISSING = "spamassassin is not installed (apt-get install spamassassin; .ci/run does)";
if (!HAVE && !IN_CI) console.warn(`[quality] skipping SpamAssassin checks: ${MISSING}`);

/** Rules that only say the message never crossed SMTP (true of every message before sending). */
const NOT_YET_SENT = new Set(["NO_RECEIVED", "NO_RELAYS"]);

interface Hit {
  score: number;
  rule: string;
}

/**
 * Each message's rule table from `spamassassin -t --mbox` output, by Message-ID (spamassassin
 * does not keep the mbox's order).
 */
function parseReports(output: string): Map<string, Hit[]> {
  const reports = new Map<string, Hit[]>();
  for (const chunk of output.split(/^From MAILER-DAEMON .*$/m)) {
    const id = /^Message-ID: (<[^>]+>)/im.exec(chunk)?.[1];
    const table = chunk.split(/^ pts rule name.*$/m)[1];
    if (!id || table === undefined) continue;
    const hits: Hit[] = [];
    for (const line of table.split("\n").slice(2)) {
      if (line.trim() === "") break;
      const m = /^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s/.exec(line);
      if (m) hits.push({ score: Number(m[1]), rule: m[2] as string });
    }
    reports.set(id, hits);
  }
  return reports;
}

describe("SpamAssassin without the tool", () => {
  it.runIf(!HAVE && IN_CI)("fails in CI, where spamassassin must be installed", () => {
    expect.fail(`${MISSING}; see .ci/run`);
  });
});

describe.runIf(HAVE)("SpamAssassin on every email as it goes out", () => {
  let dir: string;
  let emails: NamedEmail[];
  let reports: Hit[][];
  const messageId = (i: number) => /^Message-ID: (<[^>]+>)/im.exec(mimes[i] ?? "")?.[1] ?? "";
  let mimes: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "spamassassin-"));
    emails = emailsAsSent(bundle);
    const first = emails[0]?.email;
    if (!first) throw new Error("no emails");
    // The control: the preheader as mj-preview wrote it before, white 1 px text on white.
    const control = {
      ...first,
      html: first.html.replace(
        '<div class="preheader" style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all">',
        '<div style="display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;max-width:0px;opacity:0;overflow:hidden">',
      ),
    };
    expect(control.html).not.toBe(first.html);
    mimes = await Promise.all(
      [...emails.map((e) => e.email), control].map((email, i) => asMime(email, i)),
    );
    // mbox: a "From " separator line, and body lines that start with "From " quoted.
    const mbox = mimes
      .map(
        (m) =>
          `From MAILER-DAEMON Mon Mar  2 07:00:00 2026\n${m.replace(/\r\n/g, "\n").replace(/^From /gm, ">From ")}\n`,
      )
      .join("\n");
    const prefs = path.join(dir, "user_prefs");
    writeFileSync(prefs, "");
    const run = spawnSync("spamassassin", ["-L", "-t", "--mbox", "-p", prefs], {
      input: mbox,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, HOME: dir },
    });
    expect(run.status, run.stderr).toBe(0);
    const byId = parseReports(run.stdout);
    reports = mimes.map((_, i) => byId.get(messageId(i)) ?? []);
    expect(byId.size).toBe(emails.length + 1);
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("scores the control (white 1 px hidden text), so the judge is awake", () => {
    const control = reports.at(-1) ?? [];
    expect(control.filter((h) => h.score > 0).map((h) => h.rule)).toContain(
      "HTML_FONT_LOW_CONTRAST",
    );
  });

  it("finds nothing that scores in any email, beyond never having crossed SMTP", () => {
    const scored = emails.map(({ name }, i) => ({
      name,
      rules: (reports[i] ?? [])
        .filter((h) => h.score !== 0 && !NOT_YET_SENT.has(h.rule))
        .map((h) => `${h.rule} ${h.score}`),
    }));
    expect(scored.filter((s) => s.rules.length > 0)).toEqual([]);
    expect(emails.length).toBe(bundle.tips.length + Object.keys(bundle.emails).length);
  });
});
