import { describe, expect, it } from "vitest";
import { listUnsubscribeHeaders } from "../../functions/core/headers.js";
import { confirmUrl, unsubscribeUrl, viewUrl } from "../../functions/core/links.js";

const TOKEN = "k1.unsubscribe.0123456789abcdef0123456789abcdef.0.sig-_A";

describe("listUnsubscribeHeaders", () => {
  it("gives one List-Unsubscribe with one https URL and the one-click header", () => {
    const url = unsubscribeUrl("https://tips.example.com", TOKEN);
    const headers = listUnsubscribeHeaders(url);
    expect(headers).toEqual([
      { name: "List-Unsubscribe", value: `<${url}>` },
      { name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click" },
    ]);
  });

  it("adds the mailto after the https URL", () => {
    const url = unsubscribeUrl("https://tips.example.com", TOKEN);
    for (const mailto of ["unsub@example.com", "mailto:unsub@example.com"]) {
      const [first] = listUnsubscribeHeaders(url, mailto);
      // The mailto's subject carries the link's own token: mail to it is that reader's request.
      expect(first?.value).toBe(
        `<${url}>, <mailto:unsub@example.com?subject=unsubscribe%20${encodeURIComponent(TOKEN)}>`,
      );
    }
    expect(listUnsubscribeHeaders(url, "  ")[0]?.value).toBe(`<${url}>`);
  });

  it.each([
    ["plain http on a public host", "http://tips.example.com/unsubscribe?token=x"],
    ["not a URL", "unsubscribe"],
    ["a mailto as the URL", "mailto:x@example.com"],
    ["a header-breaking character", "https://tips.example.com/u?token=a>,<https://evil"],
    ["whitespace", "https://tips.example.com/u?token=a b"],
  ])("rejects %s", (_name, url) => {
    expect(() => listUnsubscribeHeaders(url)).toThrow(/listUnsubscribeHeaders/);
  });

  it("allows http on loopback for the local stack", () => {
    expect(listUnsubscribeHeaders("http://127.0.0.1:3000/unsubscribe?token=x")[0]?.value).toBe(
      "<http://127.0.0.1:3000/unsubscribe?token=x>",
    );
  });

  it("rejects a bad mailto", () => {
    expect(() => listUnsubscribeHeaders("https://a.example/u", "not an address")).toThrow();
    expect(() => listUnsubscribeHeaders("https://a.example/u", "a@b.c>,<x@y.z")).toThrow();
  });
});

describe("links", () => {
  it("builds URLs from the base URL, tolerating a trailing slash", () => {
    expect(unsubscribeUrl("https://t.example/", TOKEN)).toBe(
      `https://t.example/unsubscribe?token=${TOKEN}`,
    );
    expect(confirmUrl("https://t.example", "a.b")).toBe("https://t.example/confirm?token=a.b");
    expect(viewUrl("https://t.example", "hip thrusts", "t")).toBe(
      "https://t.example/tips/hip%20thrusts?token=t",
    );
    expect(viewUrl("https://t.example", "squats")).toBe("https://t.example/tips/squats");
  });
});
