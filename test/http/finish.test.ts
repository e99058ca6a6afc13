/**
 * The pages that finish a reader's errand, through the API handler over the memory adapters:
 * "You're in" names the day of the first tip in the reader's zone and links onward; the
 * unsubscribe page offers an active reader a pause that works; /manage keeps Unsubscribe apart,
 * under its own heading; links between tips are links on the web, and the feed's addresses are
 * absolute, over the real built content.
 */
import { describe, expect, it } from "vitest";
import type { ContentBundle } from "../../functions/core/types.js";
import { bundle } from "../../functions/generated/content.js";
import { createApi } from "../../functions/http/router.js";
import { subscriberId } from "../support/ids.js";
import { memoryDeps, TestClock, tokenFromLink } from "../support/lifecycle.js";
import { subscriber } from "../support/send-fixtures.js";

const BASE = "https://tips.example.com";

function setup(now: string, content: ContentBundle = bundle) {
  const clock = new TestClock(new Date(now));
  const fx = memoryDeps({ clock, site: { baseUrl: BASE, postalAddress: "1 Example St" } });
  const api = createApi(() => ({ ...fx.deps, content }));
  const call = async (
    method: string,
    pathAndQuery: string,
    body?: string,
    type = "application/x-www-form-urlencoded",
  ) => {
    const [rawPath, rawQueryString = ""] = pathAndQuery.split("?");
    const event = {
      version: "2.0",
      routeKey: "$default",
      rawPath,
      rawQueryString,
      ...(rawQueryString
        ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) }
        : {}),
      headers: body ? { "content-type": type } : {},
      requestContext: { http: { method, path: rawPath, sourceIp: "192.0.2.1" } },
      body: body ?? "",
      isBase64Encoded: false,
    };
    // biome-ignore lint/suspicious/noExplicitAny: a hand-built API Gateway event
    return (await api(event as any)) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
  };
  /** Signs up and confirms a reader; returns their emails' links' tokens. */
  const reader = async (email: string, timeZone: string) => {
    await fx.signUp({ email, timeZone, ip: "192.0.2.1", userAgent: "test", source: "test" });
    const confirmation = fx.mailer.sent.find((m) => m.to === email);
    const confirm = tokenFromLink(confirmation?.text ?? "", `${BASE}/confirm`);
    const unsubscribe = tokenFromLink(confirmation?.text ?? "", `${BASE}/unsubscribe`);
    return { confirm, unsubscribe };
  };
  return { ...fx, call, reader };
}

describe("You're in", () => {
  it("names the day and hour of the first tip in the reader's zone, and links onward", async () => {
    // A Tuesday: the first tip is next Monday's, 07:00 in London.
    const { call, reader } = setup("2026-03-03T10:00:00Z");
    const { confirm } = await reader("ann@example.com", "Europe/London");
    const page = await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<h1>You're in</h1>");
    expect(page.body).toMatch(
      /first tip arrives on <strong>Monday 9 March at 07:00<\/strong> \(Europe\/London\)/,
    );
    expect(page.body).toContain('href="/tips"');
    const manage = /href="(https:\/\/tips\.example\.com\/manage\?token=[^"]+)"/.exec(page.body);
    expect(manage).not.toBeNull();
    // The preferences link works: it opens the reader's own settings.
    const settings = await call(
      "GET",
      (manage?.[1] ?? "").slice(BASE.length).replace(/&amp;/g, "&"),
    );
    expect(settings.statusCode).toBe(200);
    expect(settings.body).toContain("ann@example.com");
  });

  it("a confirm link used again gives no preferences link, before or after signing out", async () => {
    const { call, reader } = setup("2026-03-03T10:00:00Z");
    const { confirm } = await reader("dee@example.com", "Europe/London");
    const first = await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    const manage = /\/manage\?token=([^"&]+)/.exec(first.body)?.[1] ?? "";
    const again = await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain("Already confirmed");
    expect(again.body).not.toContain("/manage?token=");
    expect(again.body).not.toContain("Europe/London");
    const out = await call("POST", "/manage", `token=${manage}&action=signout`);
    expect(out.statusCode).toBe(303);
    const after = await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    expect(after.body).not.toContain("/manage?token=");
  });

  it("a link already used, or replaced by a newer one, opens on what happened, not a button", async () => {
    const { call, reader, signUp, mailer } = setup("2026-03-03T10:00:00Z");
    const first = await reader("eve@example.com", "Europe/London");
    await signUp({ email: "eve@example.com", ip: "192.0.2.1", userAgent: "t", source: "t" });
    const newest = tokenFromLink(mailer.sent.at(-1)?.text ?? "", `${BASE}/confirm`);
    const replaced = await call("GET", `/confirm?token=${encodeURIComponent(first.confirm)}`);
    expect(replaced.statusCode).toBe(400);
    expect(replaced.body).toContain("replaced by a newer one");
    expect(replaced.body).not.toContain("<button");
    const prompt = await call("GET", `/confirm?token=${encodeURIComponent(newest)}`);
    expect(prompt.body).toContain("<button");
    await call("POST", "/confirm", `token=${encodeURIComponent(newest)}`);
    for (const token of [newest, first.confirm]) {
      const used = await call("GET", `/confirm?token=${encodeURIComponent(token)}`);
      expect(used.statusCode).toBe(200);
      expect(used.body).toContain("Already confirmed");
      expect(used.body).not.toContain("<button");
      expect(used.body).not.toContain("/manage?token=");
    }
  });

  it("shows the signup's choices before confirming, and confirms with the reader's own", async () => {
    const { call, signUp, mailer, store } = setup("2026-03-03T10:00:00Z");
    const stranger = { firstName: "Mallory", timeZone: "Pacific/Pago_Pago", deliveryDay: 7 };
    await signUp({
      email: "gus@example.com",
      ...stranger,
      deliveryHour: 3,
      ip: "192.0.2.1",
      userAgent: "t",
      source: "t",
    });
    const token = tokenFromLink(mailer.sent.at(-1)?.text ?? "", `${BASE}/confirm`);
    const prompt = await call("GET", `/confirm?token=${encodeURIComponent(token)}`);
    expect(prompt.body).toContain('name="firstName" type="text"');
    expect(prompt.body).toContain('value="Mallory"');
    expect(prompt.body).toContain('<option value="Pacific/Pago_Pago" selected>');
    expect(prompt.body).toContain('<option value="7" selected>Sunday</option>');
    expect(prompt.body).toContain('<option value="3" selected>03:00</option>');
    const form = (fields: string) => `token=${encodeURIComponent(token)}&${fields}`;
    // A name the signup form would refuse: the page again, saying why, and nothing confirmed.
    const refused = await call(
      "POST",
      "/confirm",
      form("firstName=R2D2&timeZone=Europe%2FBerlin&deliveryDay=2&deliveryHour=18"),
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain("Not confirmed:");
    expect(refused.body).toContain('<option value="Europe/Berlin" selected>');
    expect((await store.get(subscriberId("gus@example.com")))?.status).toBe("pending");
    // Any post that sends a choice has it checked: JSON, or a form without the zone.
    const json = JSON.stringify({ token, firstName: "Bob1", timeZone: "Mars/X" });
    expect((await call("POST", "/confirm", json, "application/json")).statusCode).toBe(400);
    const partial = await call("POST", "/confirm", form("firstName=Carol9&deliveryDay=9"));
    expect(partial.statusCode).toBe(400);
    expect(partial.body).toMatch(/id="firstName"[^>]*aria-invalid="true"/);
    expect((await store.get(subscriberId("gus@example.com")))?.status).toBe("pending");
    const page = await call(
      "POST",
      "/confirm",
      form("firstName=Gus&timeZone=Europe%2FBerlin&deliveryDay=2&deliveryHour=18"),
    );
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(
      /first tip arrives on <strong>Tuesday 3 March at 18:00<\/strong> \(Europe\/Berlin\)/,
    );
    expect(mailer.sent.at(-1)?.subject).toMatch(/Gus/);
  });

  it("/manage without a link says where the link is; a change while paused says when it applies", async () => {
    const { call, reader } = setup("2026-03-03T10:00:00Z");
    const help = await call("GET", "/manage");
    expect(help.statusCode).toBe(200);
    expect(help.body).toContain("Manage preferences");
    const { confirm } = await reader("hal@example.com", "Europe/London");
    const confirmed = await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    const manage = /\/manage\?token=([^"&]+)/.exec(confirmed.body)?.[1] ?? "";
    await call("POST", "/manage", `token=${manage}&action=pause&weeks=2`);
    const moved = await call(
      "POST",
      "/manage",
      `token=${manage}&action=when&deliveryDay=3&deliveryHour=6&timeZone=Asia%2FKolkata`,
    );
    expect(moved.body).toContain("after your pause, your tips come at the new day and time");
    // Paused to Monday 23 March (two weeks from the 9th), now the Wednesday of that week.
    expect(moved.body).toContain("Paused until Wednesday 25 March.");
  });

  it("leaving a signup never confirmed says no confirmation comes for 30 days, on every page", async () => {
    const { call, reader, mailer } = setup("2026-03-03T10:00:00Z");
    const { confirm, unsubscribe } = await reader("ida@example.com", "Europe/London");
    const manage = tokenFromLink(mailer.sent.at(-1)?.text ?? "", `${BASE}/manage`);
    const pending = await call("GET", `/manage?token=${encodeURIComponent(manage)}`);
    expect(pending.body).toContain("is not confirmed yet");
    const link = `/unsubscribe?token=${encodeURIComponent(unsubscribe)}`;
    const left = await call("POST", link);
    const until = "2 April 2026";
    expect(left.body).toContain(`any other confirmation email reach this address until ${until}`);
    expect(left.body).not.toContain("sign up again");
    expect((await call("GET", link)).body).toContain(`until ${until}`);
    const page = await call("GET", `/manage?token=${encodeURIComponent(manage)}`);
    expect(page.body).toContain(`no confirmation email until ${until}`);
    const retired = await call("GET", `/confirm?token=${encodeURIComponent(confirm)}`);
    expect(retired.statusCode).toBe(400);
    expect(retired.body).toContain(`This signup was declined`);
  });

  it("an unsubscribe link after leaving says it is done, with nothing to press", async () => {
    const { call, reader } = setup("2026-03-03T10:00:00Z");
    const { confirm, unsubscribe } = await reader("fay@example.com", "Europe/London");
    await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    const link = `/unsubscribe?token=${encodeURIComponent(unsubscribe)}`;
    expect((await call("GET", link)).body).toContain("<button");
    expect((await call("POST", link)).statusCode).toBe(200);
    const after = await call("GET", link);
    expect(after.statusCode).toBe(200);
    expect(after.body).toContain("You're unsubscribed");
    expect(after.body).not.toContain("<button");
  });

  it("on a Monday before 07:00 where the reader lives, the first tip is that morning's", async () => {
    const { call, reader } = setup("2026-03-09T05:30:00Z");
    const { confirm } = await reader("bo@example.com", "Europe/Berlin");
    const page = await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    expect(page.body).toMatch(/<strong>Monday 9 March at 07:00<\/strong> \(Europe\/Berlin\)/);
  });
});

describe("a value the preferences page refuses", () => {
  it("comes back on the page itself, saying why, with nothing changed", async () => {
    const { call, reader, store } = setup("2026-03-03T10:00:00Z");
    const { confirm } = await reader("ned@example.com", "Europe/London");
    const confirmed = await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    const manage = /\/manage\?token=([^"&]+)/.exec(confirmed.body)?.[1] ?? "";
    const refused = await call(
      "POST",
      "/manage",
      `token=${manage}&action=name&firstName=${encodeURIComponent("<i>x</i>")}`,
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(/<p role="status">Not saved: [^<]+<\/p>/);
    // The page, its forms and their token: the reader corrects the name there.
    expect(refused.body).toContain(`name="token" value="${decodeURIComponent(manage)}"`);
    expect(refused.body).toContain('name="firstName"');
    expect(store.all()[0]?.firstName).toBeUndefined();
  });
});

describe("the unsubscribe page", () => {
  it("after the reader signed out every link, an old link unsubscribes and offers no pause", async () => {
    const { call, reader, store, clock } = setup("2026-03-03T10:00:00Z");
    const { confirm, unsubscribe } = await reader("eli@example.com", "UTC");
    const confirmed = await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    const manage = /\/manage\?token=([^"&]+)/.exec(confirmed.body)?.[1] ?? "";
    clock.advance(1000);
    await call("POST", "/manage", `token=${manage}&action=signout`);
    const page = await call("GET", `/unsubscribe?token=${encodeURIComponent(unsubscribe)}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain("Need a break instead?");
    const paused = await call(
      "POST",
      "/unsubscribe",
      `token=${encodeURIComponent(unsubscribe)}&action=pause&weeks=3`,
    );
    expect(paused.statusCode).toBe(400);
    const left = await call("POST", `/unsubscribe?token=${encodeURIComponent(unsubscribe)}`, "");
    expect(left.statusCode).toBe(200);
    expect(store.all()[0]?.status).toBe("unsubscribed");
  });

  it("offers an active reader a pause instead, which pauses them", async () => {
    const { call, reader, store } = setup("2026-03-03T10:00:00Z");
    const { confirm, unsubscribe } = await reader("cy@example.com", "UTC");
    await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    const page = await call("GET", `/unsubscribe?token=${encodeURIComponent(unsubscribe)}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Need a break instead?");
    // The pause posts back with the unsubscribe token itself: no preferences (manage) token,
    // which would open the reader's data to whoever holds a forwarded email.
    const forms = [
      ...page.body.matchAll(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/g),
    ];
    const pause = forms.find((f) => f[2]?.includes('name="action" value="pause"'));
    expect(pause?.[1]).toBe("/unsubscribe");
    expect(/name="token" value="([^"]+)"/.exec(pause?.[2] ?? "")?.[1]).toBe(unsubscribe);
    expect(page.body).not.toContain(".manage.");
    expect(page.body).not.toContain("/manage?token=");
    const paused = await call(
      "POST",
      "/unsubscribe",
      `token=${encodeURIComponent(unsubscribe)}&action=pause&weeks=3`,
    );
    expect(paused.statusCode).toBe(200);
    expect(paused.body).toContain("Tips paused");
    expect(paused.body).toMatch(/Nothing comes until \w+ \d+ \w+/);
    expect(paused.body).not.toContain(".manage.");
    const [subscriber] = store.all();
    expect(subscriber?.status).toBe("active");
    expect(subscriber?.pausedUntil).toBeDefined();
    // Paused already: the page offers leaving only.
    const again = await call("GET", `/unsubscribe?token=${encodeURIComponent(unsubscribe)}`);
    expect(again.body).not.toContain("Need a break instead?");
    expect(again.body).toContain("Unsubscribe</button>");
  });

  it("its token opens neither the preferences page nor the data export", async () => {
    const { call, reader } = setup("2026-03-03T10:00:00Z");
    const { confirm, unsubscribe } = await reader("fay@example.com", "UTC");
    await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    const t = encodeURIComponent(unsubscribe);
    expect((await call("GET", `/manage?token=${t}`)).statusCode).toBeGreaterThanOrEqual(400);
    const exported = await call("POST", "/manage", `token=${t}&action=export`);
    expect(exported.statusCode).toBeGreaterThanOrEqual(400);
    expect(exported.body).not.toContain("fay@example.com");
  });

  it("a pause with a bad number of weeks is refused and changes nothing", async () => {
    const { call, reader, store } = setup("2026-03-03T10:00:00Z");
    const { confirm, unsubscribe } = await reader("gus@example.com", "UTC");
    await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    const t = encodeURIComponent(unsubscribe);
    for (const weeks of ["0", "13", "-1", "x", ""]) {
      const answer = await call("POST", "/unsubscribe", `token=${t}&action=pause&weeks=${weeks}`);
      expect(answer.statusCode, weeks).toBe(400);
    }
    const [subscriber] = store.all();
    expect(subscriber?.status).toBe("active");
    expect(subscriber?.pausedUntil).toBeUndefined();
  });

  it("a one-click POST still unsubscribes (no action field)", async () => {
    const { call, reader, store } = setup("2026-03-03T10:00:00Z");
    const { confirm, unsubscribe } = await reader("hal@example.com", "UTC");
    await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    const answer = await call(
      "POST",
      `/unsubscribe?token=${encodeURIComponent(unsubscribe)}`,
      "List-Unsubscribe=One-Click",
    );
    expect(answer.statusCode).toBe(200);
    expect(store.all()[0]?.status).toBe("unsubscribed");
  });

  it("offers no pause to a signup that was never confirmed", async () => {
    const { call, reader } = setup("2026-03-03T10:00:00Z");
    const { unsubscribe } = await reader("di@example.com", "UTC");
    const page = await call("GET", `/unsubscribe?token=${encodeURIComponent(unsubscribe)}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain("Need a break instead?");
    expect(page.body).toContain("Unsubscribe</button>");
  });
});

describe("the preferences page", () => {
  it("tells a reader who has had every tip so, instead of promising a next tip", async () => {
    const { call, store, deps } = setup("2026-03-03T10:00:00Z");
    const all = bundle.tips.map((t) => t.slug);
    const done = subscriber("done@example.com", { sentTips: [...all], deliverySlot: "3-18" });
    const behind = subscriber("behind@example.com", { sentTips: all.slice(0, 2) });
    await store.create(done);
    await store.create(behind);
    const page = async (id: string) =>
      (await call("GET", `/manage?token=${encodeURIComponent(deps.signer.issue("manage", id))}`))
        .body;
    const finished = await page(done.id);
    expect(finished).toContain("You have had every tip so far.");
    expect(finished).toContain("Wednesday at 18:00");
    expect(finished).not.toContain("Your next tip:");
    const reading = await page(behind.id);
    expect(reading).toContain("Your next tip:");
    expect(reading).not.toContain("You have had every tip");
  });

  it("has a heading per section, and leaving apart, last: Unsubscribe and Delete my data", async () => {
    const { call, reader } = setup("2026-03-03T10:00:00Z");
    const { confirm } = await reader("ed@example.com", "UTC");
    const confirmed = await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    const manage = /href="https:\/\/tips\.example\.com(\/manage\?token=[^"]+)"/.exec(
      confirmed.body,
    );
    const page = await call("GET", manage?.[1] ?? "");
    const headings = [...page.body.matchAll(/<h2[^>]*>([^<]+)<\/h2>/g)].map((m) => m[1]);
    expect(headings).toEqual([
      "Your tips",
      "When your tip comes",
      "Name",
      "Your data",
      "Links",
      "Leave",
    ]);
    const buttons = [...page.body.matchAll(/<button type="submit"([^>]*)>([^<]+)<\/button>/g)];
    const destructive = buttons.filter((b) => b[1]?.includes("destructive")).map((b) => b[2]);
    expect(destructive).toEqual(["Unsubscribe", "Delete my data"]);
    const leave = page.body.indexOf('<section class="leave"');
    expect(leave).toBeGreaterThan(page.body.indexOf("Sign out every link"));
  });
});

describe("tips on the web", () => {
  const linking = bundle.archive.find((t) => /href="\/tips\//.test(t.html));
  const emailOf = (slug: string) => bundle.tips.find((t) => t.slug === slug);

  it("a tip's link to another tip is a link to that tip's page (its email keeps the words)", async () => {
    expect(linking, "a shipped tip links another").toBeDefined();
    const target = /href="\/tips\/([^"]+)"/.exec(linking?.html ?? "")?.[1] ?? "";
    expect(bundle.archive.some((t) => t.slug === target)).toBe(true);
    const { call } = setup("2026-12-07T10:00:00Z");
    const page = await call("GET", `/tips/${linking?.slug}`);
    expect(page.body).toContain(`href="/tips/${target}"`);
    expect(emailOf(linking?.slug ?? "")?.html).not.toContain(`/tips/${target}"`);
  });

  it("a link to a tip still held back is plain words on the page", async () => {
    const target = /href="\/tips\/([^"]+)"/.exec(linking?.html ?? "")?.[1] ?? "";
    const content: ContentBundle = {
      ...bundle,
      archive: bundle.archive.map((t) =>
        t.slug === target ? { ...t, publishedAt: "2099-01-01" } : t,
      ),
    };
    const { call } = setup("2026-12-07T10:00:00Z", content);
    const page = await call("GET", `/tips/${linking?.slug}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(`href="/tips/${target}"`);
  });

  it("the feed's every address is absolute, its images too, and every item is dated", async () => {
    const { call } = setup("2026-12-07T10:00:00Z");
    const feed = await call("GET", "/feed.xml");
    const encoded = [...feed.body.matchAll(/<content:encoded>([\s\S]*?)<\/content:encoded>/g)]
      .map((m) => m[1] ?? "")
      .join("\n")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">");
    const addresses = [...encoded.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? "");
    expect(addresses.some((a) => /\/assets\/[^"]+\.png$/.test(a))).toBe(true);
    for (const a of addresses) expect(a).toMatch(/^(https:\/\/|mailto:)/);
    const items = feed.body.split("<item>").length - 1;
    expect(items).toBe(bundle.archive.length);
    expect(feed.body.split("<pubDate>").length - 1).toBe(items);
  });
});

describe("a reader's own day and hour", () => {
  it("is chosen on signup, named on You're in, and changed on /manage", async () => {
    // A Monday, 10:00 in New York: a reader who wants Wednesday 18:00 starts this Wednesday.
    const { call, deliver, store, mailer } = setup("2026-12-07T15:00:00Z");
    const form = new URLSearchParams({
      email: "wed@example.com",
      timeZone: "America/New_York",
      deliveryDay: "3",
      deliveryHour: "18",
    });
    expect((await call("POST", "/subscribe", form.toString())).statusCode).toBeLessThan(300);
    await deliver();
    const confirmation = mailer.sent.find((m) => m.to === "wed@example.com");
    const confirm = tokenFromLink(confirmation?.text ?? "", `${BASE}/confirm`);
    const page = await call("POST", "/confirm", `token=${encodeURIComponent(confirm)}`);
    expect(page.body).toMatch(/Wednesday 9 December at 18:00<\/strong> \(America\/New_York\)/);

    const manage = /href="https:\/\/tips\.example\.com(\/manage\?token=[^"]+)"/.exec(
      page.body,
    )?.[1];
    const token = new URLSearchParams((manage ?? "").split("?")[1]).get("token") ?? "";
    const settings = await call("GET", manage ?? "");
    expect(settings.body).toContain("Your tip comes on <strong>Wednesday at 18:00</strong>");
    expect(settings.body).toMatch(/<option value="3" selected>Wednesday<\/option>/);

    const change = new URLSearchParams({
      token,
      action: "when",
      deliveryDay: "5",
      deliveryHour: "6",
      timeZone: "Europe/Paris",
    });
    const changed = await call("POST", "/manage", change.toString());
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toContain("Your tip comes on <strong>Friday at 06:00</strong>");
    const [reader] = await store
      .listActive(0, undefined, 10)
      .then(async () =>
        Promise.all(
          [...Array(store.shards).keys()].flatMap(
            async (shard) => (await store.listActive(shard, undefined, 10)).items,
          ),
        ).then((pages) => pages.flat()),
      );
    expect(reader).toMatchObject({ deliverySlot: "5-06", timeZone: "Europe/Paris" });
  });

  it("refuses a day or hour that is not one, saying what is allowed", async () => {
    const { call } = setup("2026-12-07T15:00:00Z");
    for (const [day, hour] of [
      ["9", "7"],
      ["1", "24"],
      ["Monday", "7"],
      ["1", "7.5"],
    ] as const) {
      const form = new URLSearchParams({
        email: "x@example.com",
        deliveryDay: day,
        deliveryHour: hour,
      });
      const answer = await call("POST", "/subscribe", form.toString());
      expect(answer.statusCode, `${day} ${hour}`).toBe(400);
      expect(answer.body).toContain("must be 1 (Monday) to 7 (Sunday)");
    }
  });
});
