/**
 * Readers' rights and a signup strangers cannot abuse, over real HTTP against the local stack:
 * a flood from one network while a real reader signs up; leaving by email (the unsubscribe-mail
 * handler invoked with SES's inbound event); download, delete and sign out on /manage. Every log
 * line these flows write is read (test/support/log-audit.ts).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARES, shareOf } from "../../functions/core/confirmations.js";
import { subscriberId } from "../support/ids.js";
import { forbidInLogs, loggedLines } from "../support/log-audit.js";
import {
  eventually,
  linkIn,
  type MailboxEmail,
  startTestStack,
  type TestStack,
} from "../support/stack.js";

const MAILTO = "unsubscribe@inbound.example.com";
const NAME = "Zephyrine";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ settings: { unsubscribeMailto: MAILTO } });
});
afterAll(async () => {
  await stack?.stop();
});

function post(path: string, body: Record<string, string>, ip: string, form = false) {
  return fetch(`${stack.baseUrl}${path}`, {
    method: "POST",
    headers: {
      "content-type": form ? "application/x-www-form-urlencoded" : "application/json",
      "x-forwarded-for": ip,
    },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
}

async function mailTo(address: string, count: number, timeoutMs = 5000): Promise<MailboxEmail[]> {
  return eventually(async () => {
    const found = await stack.mailTo(address);
    return found.length >= count ? found : undefined;
  }, timeoutMs);
}

/** Signs `email` up from `ip` and confirms it; returns the welcome email. */
async function reader(email: string, ip: string): Promise<MailboxEmail> {
  forbidInLogs(email);
  expect((await post("/subscribe", { email, firstName: NAME }, ip)).status).toBe(202);
  const [confirmation] = await mailTo(email, 1);
  const link = linkIn(confirmation?.body.html ?? "", `${stack.baseUrl}/confirm?token=`);
  const token = new URL(link).searchParams.get("token") ?? "";
  expect((await post("/confirm", { token }, ip, true)).status).toBe(200);
  const mail = await mailTo(email, 2);
  return mail[1] as MailboxEmail;
}

const listUnsubscribe = (email: MailboxEmail) =>
  email.headers?.find((h) => h.name === "List-Unsubscribe")?.value ?? "";

describe("a flood cannot starve real readers", () => {
  it("200 signups from one /24 get 202s and their network's share; a reader elsewhere gets theirs at once", async () => {
    forbidInLogs(NAME);
    const flood = Array.from({ length: 200 }, (_, i) => ({
      email: `made-up-${i}@flood${i % 7}.example`,
      ip: `203.0.113.${(i % 20) + 1}`,
    }));
    const started = Date.now();
    const answers: number[] = [];
    for (let i = 0; i < flood.length; i += 25) {
      const wave = flood.slice(i, i + 25).map(({ email, ip }) => post("/subscribe", { email }, ip));
      answers.push(...(await Promise.all(wave)).map((r) => r.status));
    }
    expect(answers.every((status) => status === 202)).toBe(true);
    // A real reader from another network, while the flood's signups wait on the outbox.
    const real = "real.reader@example.org";
    expect((await post("/subscribe", { email: real }, "198.51.100.23")).status).toBe(202);
    const [confirmation] = await mailTo(real, 1, 60_000);
    expect(confirmation?.subject).toBeTruthy();
    expect(Date.now() - started).toBeLessThan(60_000);
    const flooded = (await stack.mailbox()).filter((e) =>
      e.destination.to.some((to) => to.startsWith("made-up-")),
    );
    // At the default budget of 200 an hour, one network gets 20.
    expect(flooded).toHaveLength(shareOf(200, SHARES.network));
  }, 90_000);
});

describe("leaving by email", () => {
  const inbound = (fields: { from: string; subject: string; dmarc: string; to?: string }) => {
    const raw = readFileSync(
      new URL("../fixtures/ses-inbound/unsubscribe-mail.json", import.meta.url),
      "utf8",
    )
      .replaceAll('"DMARC"', JSON.stringify(fields.dmarc))
      .replaceAll('"FROM"', JSON.stringify(fields.from))
      .replaceAll('"SENDER"', JSON.stringify(fields.from.replace(/.*</, "").replace(/>$/, "")))
      .replaceAll('"RECIPIENT"', JSON.stringify(fields.to ?? MAILTO))
      .replaceAll('"SUBJECT"', JSON.stringify(fields.subject));
    return JSON.parse(raw) as unknown;
  };

  it("the mailto carries the reader's token, and mail to it unsubscribes them and nobody else", async () => {
    const ann = "ann.mail@example.org";
    const welcome = await reader(ann, "198.51.100.31");
    const header = listUnsubscribe(welcome);
    const mailto = /<mailto:([^?>]+)\?subject=([^>]+)>/.exec(header);
    expect(mailto?.[1]).toBe(MAILTO);
    const subject = decodeURIComponent(mailto?.[2] ?? "");
    const { handler } = await import("../../functions/events/unsubscribe-mail.js");
    // A stranger forging Ann's From, without her token and failing DMARC: nothing happens.
    await handler(inbound({ from: `Ann <${ann}>`, subject: "unsubscribe", dmarc: "FAIL" }));
    expect((await stack.store.get(subscriberId(ann)))?.status).toBe("active");
    // Mail to another address of the domain: nothing happens.
    await handler(
      inbound({ from: ann, subject, dmarc: "PASS", to: "postmaster@inbound.example.com" }),
    );
    expect((await stack.store.get(subscriberId(ann)))?.status).toBe("active");
    // Her client sends the mailto as it is (from whichever of her addresses): she is out.
    const outcomes = await handler(
      inbound({ from: "Ann <ann.other@example.net>", subject, dmarc: "GRAY" }),
    );
    expect(outcomes).toEqual([expect.objectContaining({ action: "unsubscribed", by: "token" })]);
    expect((await stack.store.get(subscriberId(ann)))?.status).toBe("unsubscribed");
    // And then silence: no email of any kind.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await stack.mailTo(ann)).toHaveLength(2);
  });

  it("a DMARC-authenticated From with no token unsubscribes that address", async () => {
    const bob = "bob.mail@example.org";
    await reader(bob, "198.51.100.32");
    const { handler } = await import("../../functions/events/unsubscribe-mail.js");
    await handler(inbound({ from: bob, subject: "Unsubscribe me please", dmarc: "PASS" }));
    expect((await stack.store.get(subscriberId(bob)))?.status).toBe("unsubscribed");
  });

  it("ignores an event that is not SES's", async () => {
    const { handler } = await import("../../functions/events/unsubscribe-mail.js");
    await expect(handler({ Records: [{ eventSource: "aws:sns" }] })).resolves.toEqual([]);
  });
});

describe("readers' rights on /manage", () => {
  const manageToken = (welcome: MailboxEmail) =>
    new URL(linkIn(welcome.body.html ?? "", `${stack.baseUrl}/manage?token=`)).searchParams.get(
      "token",
    ) ?? "";

  it("downloads everything kept, deletes it after asking, and leaves only the mark", async () => {
    const rita = "rita.rights@example.org";
    const welcome = await reader(rita, "198.51.100.41");
    const token = manageToken(welcome);
    const id = subscriberId(rita);

    const download = await post("/manage", { token, action: "export" }, "198.51.100.41", true);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename=/);
    const data = (await download.json()) as {
      subscription: { email: string; firstName: string; status: string };
      consentHistory: { ip: string }[];
    };
    expect(data.subscription).toMatchObject({ email: rita, firstName: NAME, status: "active" });
    expect(data.consentHistory).toEqual([expect.objectContaining({ ip: "198.51.100.41" })]);

    const asked = await post("/manage", { token, action: "erase" }, "198.51.100.41", true);
    expect(await asked.text()).toContain('value="erase-confirmed"');
    expect((await stack.store.get(id))?.status).toBe("active");
    const erased = await post(
      "/manage",
      { token, action: "erase-confirmed" },
      "198.51.100.41",
      true,
    );
    expect(erased.status).toBe(200);
    expect(await erased.text()).toContain("Your data is deleted");
    // Nothing in the table holds the address or the name; the mark holds the keyed hash only.
    const table = JSON.stringify(await stack.scan());
    expect(table).not.toContain(rita);
    expect(table).not.toContain(rita.toLowerCase().replace(/\./g, ""));
    const mark = (await stack.scan()).find((item) => (item as { pk: string }).pk === `SUB#${id}`);
    expect(Object.keys(mark as object).sort()).toEqual(["erasedAt", "id", "pk", "sk", "status"]);
    // The links of the email are dead; the page says so.
    expect((await fetch(`${stack.baseUrl}/manage?token=${encodeURIComponent(token)}`)).status).toBe(
      400,
    );
  });

  it("signs out every link: old manage links fail, the page goes on with a new one", async () => {
    const sam = "sam.rights@example.org";
    const welcome = await reader(sam, "198.51.100.42");
    const token = manageToken(welcome);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a new second for the new link
    const signedOut = await post("/manage", { token, action: "signout" }, "198.51.100.42", true);
    // Followed to the page at its new address, which the reader can reload and bookmark.
    expect(signedOut.status).toBe(200);
    expect(signedOut.redirected).toBe(true);
    const fresh = new URL(signedOut.url).searchParams.get("token") ?? "";
    const page = await signedOut.text();
    expect(page).toContain(`name="token" value="${fresh}"`);
    expect(page).toContain("Every link we sent you is signed out");
    expect(page).toContain("An old unsubscribe link still unsubscribes");
    expect(fresh).not.toBe(token);
    // Reloading it works (it is a GET of the new link).
    expect((await fetch(signedOut.url)).status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/manage?token=${encodeURIComponent(token)}`)).status).toBe(
      400,
    );
    expect((await fetch(`${stack.baseUrl}/manage?token=${encodeURIComponent(fresh)}`)).status).toBe(
      200,
    );
    // The old email's one-click unsubscribe still works, as a mailbox provider sends it.
    const unsubscribe = new URL(/<(http[^>]+)>/.exec(listUnsubscribe(welcome))?.[1] ?? "");
    const oneClick = await fetch(`${stack.baseUrl}${unsubscribe.pathname}${unsubscribe.search}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    expect(await stack.store.get(subscriberId(sam))).toMatchObject({ status: "unsubscribed" });
  });

  it("serves /privacy, quoting the periods the table keeps records for", async () => {
    const { RETENTION } = await import("../../functions/core/retention.js");
    const response = await fetch(`${stack.baseUrl}/privacy`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`${RETENTION.pendingDays} days`);
    expect(html).toContain(`${RETENTION.leftDays} days`);
  });
});

describe("the log", () => {
  it("was written (the audit reads real lines), and holds no address, name or token", () => {
    const lines = loggedLines();
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.some((line) => line.includes('"message":"confirmation"'))).toBe(true);
    expect(lines.some((line) => line.includes('"message":"unsubscribe mail"'))).toBe(true);
  });
});
