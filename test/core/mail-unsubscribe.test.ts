/** Leaving by email (core/mail-unsubscribe.ts): authenticated by the token or by DMARC, else nothing. */
import { describe, expect, it } from "vitest";
import { type UnsubscribeMail, unsubscribeByMail } from "../../functions/core/mail-unsubscribe.js";
import { subscriberId } from "../support/ids.js";
import { memoryDeps, tokenFromLink } from "../support/lifecycle.js";

const BASE = "https://tips.example.com";

async function setup() {
  const setup = memoryDeps();
  setup.deps.site = { ...setup.deps.site, unsubscribeMailto: "unsubscribe@inbound.example.com" };
  for (const email of ["ann@example.com", "bob@example.com"]) {
    await setup.signUp({ email, ip: "203.0.113.7", userAgent: "t", source: "signup-page" });
    const { confirm } = await import("../../functions/core/subscriptions.js");
    await confirm(
      setup.deps,
      tokenFromLink(setup.mailer.sent.at(-1)?.text ?? "", `${BASE}/confirm`),
      "1.1.1.1",
    );
  }
  // The mailto of Ann's welcome email, as a mail client would send it.
  const welcome = setup.mailer.sent.find(
    (e) => e.to === "ann@example.com" && /Welcome/.test(e.subject),
  );
  const header = welcome?.headers?.find((h) => h.name === "List-Unsubscribe")?.value ?? "";
  const subject = decodeURIComponent(/subject=([^>]+)>/.exec(header)?.[1] ?? "");
  return { ...setup, subject };
}

const mail = (overrides: Partial<UnsubscribeMail>): UnsubscribeMail => ({
  subject: "unsubscribe",
  from: ["Ann <ann@example.com>"],
  dmarc: "PASS",
  spam: "PASS",
  virus: "PASS",
  ...overrides,
});

const status = async (
  store: { get(id: string): Promise<{ status: string } | undefined> },
  email: string,
) => (await store.get(subscriberId(email)))?.status;

describe("unsubscribe by mail", () => {
  it("unsubscribes the reader whose token the subject carries, whatever the From says", async () => {
    const { deps, store, subject } = await setup();
    expect(subject).toMatch(/^unsubscribe \S+\.unsubscribe\./);
    // Sent from another address (an alias), even with DMARC failing: the token decides.
    const outcome = await unsubscribeByMail(
      deps,
      mail({ subject: `Re: ${subject}`, from: ["someone@elsewhere.example"], dmarc: "FAIL" }),
    );
    expect(outcome).toMatchObject({ action: "unsubscribed", by: "token" });
    expect(await status(store, "ann@example.com")).toBe("unsubscribed");
    expect(await status(store, "bob@example.com")).toBe("active");
    // Again: nothing more happens.
    expect(await unsubscribeByMail(deps, mail({ subject }))).toMatchObject({ action: "already" });
  });

  it("without a token, unsubscribes the From only when SES found its DMARC to pass", async () => {
    const { deps, store } = await setup();
    // A spoofed From: DMARC fails, or the domain publishes none.
    for (const dmarc of ["FAIL", "GRAY", "PROCESSING_FAILED"]) {
      const outcome = await unsubscribeByMail(deps, mail({ from: ["bob@example.com"], dmarc }));
      expect(outcome.action).toBe("ignored");
    }
    expect(await status(store, "bob@example.com")).toBe("active");
    expect(
      await unsubscribeByMail(deps, mail({ from: ["Bob <bob@example.com>"], dmarc: "PASS" })),
    ).toMatchObject({ action: "unsubscribed", by: "dmarc" });
    expect(await status(store, "bob@example.com")).toBe("unsubscribed");
  });

  it("refuses a forged token, spam with no token, a virus, and strangers", async () => {
    const { deps, store, subject, clock } = await setup();
    const forged = subject.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    expect(await unsubscribeByMail(deps, mail({ subject: forged, dmarc: "FAIL" }))).toMatchObject({
      action: "ignored",
    });
    expect(await unsubscribeByMail(deps, mail({ spam: "FAIL" }))).toMatchObject({
      action: "ignored",
    });
    expect(await unsubscribeByMail(deps, mail({ subject, virus: "FAIL" }))).toMatchObject({
      action: "ignored",
    });
    expect(await unsubscribeByMail(deps, mail({ from: ["stranger@example.com"] }))).toMatchObject({
      action: "ignored",
      reason: "not a reader",
    });
    expect(await status(store, "ann@example.com")).toBe("active");
    clock.advance(1000);
    await store.signOutLinks(
      subscriberId("ann@example.com"),
      Math.floor(clock.now().getTime() / 1000),
    );
    // A token of an email from before the reader signed out every link still unsubscribes.
    expect(await unsubscribeByMail(deps, mail({ subject, dmarc: "FAIL" }))).toMatchObject({
      action: "unsubscribed",
      by: "token",
    });
    expect(await status(store, "ann@example.com")).toBe("unsubscribed");
  });
});
