/** What every Mailer promises the send engine: a MessageId per email, headers and tags intact. */
import { describe, expect, it } from "vitest";
import type { Mailer, OutgoingEmail } from "../../functions/core/ports.js";

export interface Delivered {
  to: string[];
  subject: string;
  html?: string;
  text?: string;
  headers: { name: string; value: string }[];
  messageId: string;
}

export interface MailerHarness {
  mailer: Mailer;
  /** The emails that arrived at the far side, newest last. */
  delivered(): Promise<Delivered[]>;
}

let n = 0;
function email(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  n += 1;
  return {
    to: `contract-${n}-${Date.now()}@example.com`,
    subject: "Strength tip: squats",
    html: "<p>Hi Ann</p>",
    text: "Hi Ann",
    headers: [
      { name: "List-Unsubscribe", value: "<https://tips.example.com/unsubscribe?token=abc>" },
      { name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click" },
    ],
    tags: { kind: "tip", week: "2026-W48", tip: "squats" },
    ...overrides,
  };
}

export function mailerContract(name: string, make: () => MailerHarness): void {
  describe(`Mailer contract: ${name}`, () => {
    it("returns a MessageId and delivers subject, bodies and headers intact", async () => {
      const { mailer, delivered } = make();
      const out = email();
      const { messageId } = await mailer.send(out);
      expect(messageId).toEqual(expect.any(String));
      expect(messageId.length).toBeGreaterThan(0);
      const got = (await delivered()).find((d) => d.to.includes(out.to));
      expect(got).toBeDefined();
      expect(got?.messageId).toBe(messageId);
      expect(got?.subject).toBe(out.subject);
      expect(got?.html).toBe(out.html);
      expect(got?.text).toBe(out.text);
      expect(got?.headers.filter((h) => h.name === "List-Unsubscribe")).toEqual([
        { name: "List-Unsubscribe", value: "<https://tips.example.com/unsubscribe?token=abc>" },
      ]);
      expect(got?.headers).toContainEqual({
        name: "List-Unsubscribe-Post",
        value: "List-Unsubscribe=One-Click",
      });
    });

    it("gives each email its own MessageId", async () => {
      const { mailer } = make();
      const ids = await Promise.all(Array.from({ length: 5 }, () => mailer.send(email())));
      expect(new Set(ids.map((r) => r.messageId)).size).toBe(5);
    });
  });
}
