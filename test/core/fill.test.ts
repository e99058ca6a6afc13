import { describe, expect, it } from "vitest";
import {
  assertKnownPlaceholders,
  escapeHtml,
  fill,
  PLACEHOLDERS,
  placeholdersIn,
  TemplateFillError,
} from "../../functions/core/fill.js";

const values = {
  first_name: "Ada",
  unsubscribe_url: "https://example.com/u?t=1&s=2",
  view_url: "https://example.com/v",
  confirm_url: "https://example.com/c",
  postal_address: "1 Main St, Springfield",
};

// [description, template, values, mode, expected output]
const fills: Array<[string, string, Record<string, string>, "html" | "text", string]> = [
  [
    "a <script> in a value arrives escaped in html mode",
    "<p>Hi {{first_name}},</p>",
    { first_name: "<script>alert(1)</script>" },
    "html",
    "<p>Hi &lt;script&gt;alert(1)&lt;/script&gt;,</p>",
  ],
  [
    "quotes and ampersands are escaped in html mode",
    '<a href="{{unsubscribe_url}}">x</a>',
    { unsubscribe_url: `https://e.com/?a=1&b="2"&c='3'` },
    "html",
    '<a href="https://e.com/?a=1&amp;b=&quot;2&quot;&amp;c=&#39;3&#39;">x</a>',
  ],
  [
    "text mode leaves values unescaped",
    "Hi {{first_name}}, bye: {{unsubscribe_url}}",
    { first_name: `<b>"O'Neil" & co</b>`, unsubscribe_url: "https://e.com/?a=1&b=2" },
    "text",
    `Hi <b>"O'Neil" & co</b>, bye: https://e.com/?a=1&b=2`,
  ],
  [
    "whitespace inside the braces is allowed",
    "Hi {{ first_name }}!",
    { first_name: "Ada" },
    "html",
    "Hi Ada!",
  ],
  ["every occurrence is filled", "{{view_url}} {{view_url}}", { view_url: "v" }, "text", "v v"],
  [
    "a value that looks like a placeholder is not filled again",
    "Hi {{first_name}}",
    { first_name: "{{postal_address}}" },
    "text",
    "Hi {{postal_address}}",
  ],
  ["a template with no placeholder comes back whole", "No braces.", {}, "html", "No braces."],
  [
    "placeholders at the very start and end, side by side",
    "{{first_name}}{{view_url}}",
    { first_name: "A", view_url: "v" },
    "text",
    "Av",
  ],
  [
    "a text line a value makes longer than 78 is wrapped at words, keeping its indent",
    "  Sent by {{postal_address}}\nbye",
    {
      postal_address:
        "Strength Tips, 1 Example Street, Springfield 00000, United States of America",
    },
    "text",
    "  Sent by Strength Tips, 1 Example Street, Springfield 00000, United States of\n  America\nbye",
  ],
  [
    "a long URL on its own line is never broken",
    "Leave: \n{{unsubscribe_url}}\n",
    { unsubscribe_url: `https://tips.example.com/unsubscribe?token=${"x".repeat(90)}` },
    "text",
    `Leave: \nhttps://tips.example.com/unsubscribe?token=${"x".repeat(90)}\n`,
  ],
];

describe("fill", () => {
  it.each(fills)("%s", (_name, template, vals, mode, expected) => {
    expect(fill(template, vals, mode)).toBe(expected);
  });

  it("fills a template it has cut before with each call's own values", () => {
    const template = "<p>{{first_name}}: {{view_url}}</p>";
    expect(fill(template, { first_name: "A", view_url: "1" }, "html")).toBe("<p>A: 1</p>");
    expect(fill(template, { first_name: "B&", view_url: "2" }, "html")).toBe("<p>B&amp;: 2</p>");
    expect(() => fill(template, { first_name: "C" }, "html")).toThrow("{{view_url}}");
  });

  // [description, template, values, message fragment]
  const failures: Array<[string, string, Record<string, string>, string]> = [
    [
      "missing value throws",
      "Hi {{first_name}}",
      {},
      "missing value for placeholder {{first_name}}",
    ],
    ["unknown placeholder throws", "Hi {{firstname}}", values, "unknown placeholder {{firstname}}"],
    ["unknown placeholder throws even in text", "{{ssn}}", values, "unknown placeholder {{ssn}}"],
  ];
  it.each(failures)("%s", (_name, template, vals, message) => {
    for (const mode of ["html", "text"] as const) {
      expect(() => fill(template, vals, mode)).toThrow(TemplateFillError);
      expect(() => fill(template, vals, mode)).toThrow(message);
    }
  });
});

describe("escapeHtml", () => {
  it.each([
    ["<>", "&lt;&gt;"],
    ["a & b", "a &amp; b"],
    [`"'`, "&quot;&#39;"],
    ["plain", "plain"],
  ])("%s → %s", (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
});

describe("assertKnownPlaceholders", () => {
  it("accepts every known placeholder", () => {
    const all = PLACEHOLDERS.map((p) => `{{${p}}}`).join(" ");
    expect(() => assertKnownPlaceholders(all, "all")).not.toThrow();
    expect(placeholdersIn(all)).toEqual([...PLACEHOLDERS]);
  });

  it("names the template and every unknown placeholder", () => {
    expect(() =>
      assertKnownPlaceholders("{{first_name}} {{nope}} {{also_no}}", "tip.mjml"),
    ).toThrow(/tip\.mjml: unknown placeholder \{\{nope\}\}, \{\{also_no\}\}/);
  });
});
