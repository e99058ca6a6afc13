/**
 * Every email as it goes out to one reader, built by the functions that build them in production
 * (core/sender.ts composeEmail for the tips, core/subscriptions-emails.ts systemEmail for the
 * others) over the built content, with an https site and the local stack's settings; and the
 * same assembled as MIME (nodemailer's composer) with the headers SES sends them with, for the
 * tools that judge a message as a whole (SpamAssassin).
 */

import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { SYSTEM_EMAIL_NAMES } from "../../compiler/templates.js";
import type { OutgoingEmail } from "../../functions/core/ports.js";
import { composeEmail } from "../../functions/core/sender.js";
import { systemEmail } from "../../functions/core/subscriptions-emails.js";
import { createSigner } from "../../functions/core/tokens.js";
import type { ContentBundle } from "../../functions/core/types.js";
import { LOCAL_POSTAL_ADDRESS } from "../../studio/sample.js";
import { TEST_KEYS } from "./lifecycle.js";

export const SITE = {
  baseUrl: "https://tips.example.com",
  postalAddress: LOCAL_POSTAL_ADDRESS,
  unsubscribeMailto: "unsubscribe@example.com",
};
export const FROM = "Weekly Strength Tips <tips@example.com>";
export const REPLY_TO = "Weekly Strength Tips <coach@example.com>";

export interface NamedEmail {
  name: string;
  email: OutgoingEmail;
}

const READER = {
  id: "5f0c3c8e9a1b2d4e6f708192a3b4c5d6",
  email: "alex.runner@example.org",
  firstName: "Alex",
  generation: "0123456789abcdef",
};

export function emailsAsSent(content: ContentBundle): NamedEmail[] {
  const signer = createSigner(TEST_KEYS, { now: () => new Date("2026-03-02T07:00:00Z") });
  const tips = content.tips.map((tip) => ({
    name: tip.slug,
    email: composeEmail({ ...READER, tip: tip.slug }, tip, "2026-W10", signer, SITE),
  }));
  const system = SYSTEM_EMAIL_NAMES.map((kind) => ({
    name: kind,
    email: systemEmail({ signer, emails: content.emails, site: SITE }, kind, READER),
  }));
  return [...tips, ...system];
}

/** The email as MIME: From, To, Reply-To, Subject, Date, Message-ID, its own headers, text + HTML. */
export async function asMime(email: OutgoingEmail, index: number): Promise<string> {
  const composer = new MailComposer({
    from: FROM,
    to: email.to,
    replyTo: REPLY_TO,
    subject: email.subject,
    date: new Date("2026-03-02T07:00:00Z"),
    messageId: `<0100018e${String(index).padStart(8, "0")}-tips@email.amazonses.com>`,
    text: email.text,
    html: email.html,
    headers: Object.fromEntries((email.headers ?? []).map((h) => [h.name, h.value])),
  });
  const message = await composer.compile().build();
  return message.toString("utf8");
}
