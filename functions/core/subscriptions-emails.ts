/**
 * Builds the system emails (confirm, welcome, already, goodbye, finished) from the compiled
 * templates. Every one but the goodbye carries the subscriber's own unsubscribe link in its body,
 * and List-Unsubscribe + List-Unsubscribe-Post (the goodbye does not: there is nothing left to
 * leave, and a one-click button on it would only confuse).
 */
import { FIRST_NAME_FALLBACK, fill, firstNameValue } from "./fill.js";
import { listUnsubscribeHeaders } from "./headers.js";
import { confirmUrl, manageUrl, siteUrl, unsubscribeUrl } from "./links.js";
import type { OutgoingEmail } from "./ports.js";
import { confirmSubject, type Signer } from "./tokens.js";
import type { CompiledTemplate, Subscriber, SystemEmails } from "./types.js";

export interface Site {
  /** Public base URL, no trailing slash (settings().baseUrl). */
  baseUrl: string;
  postalAddress: string;
  /** Optional address for the mailto: part of List-Unsubscribe. */
  unsubscribeMailto?: string | undefined;
}

/** Confirmation links expire after 7 days; unsubscribe links never do. */
export const CONFIRM_TTL_SECONDS = 7 * 24 * 60 * 60;

export type SystemEmailKind = keyof SystemEmails;

export interface SystemEmailContext {
  signer: Signer;
  emails: SystemEmails;
  site: Site;
}

function render(
  template: CompiledTemplate,
  values: Parameters<typeof fill>[1],
): Pick<OutgoingEmail, "subject" | "html" | "text"> {
  return {
    subject: fill(template.subject, values, "text"),
    html: fill(template.html, values, "html"),
    text: fill(template.text, values, "text"),
  };
}

export function systemEmail(
  context: SystemEmailContext,
  kind: SystemEmailKind,
  subscriber: Pick<Subscriber, "id" | "email" | "firstName" | "generation">,
): OutgoingEmail {
  const { signer, emails, site } = context;
  if (kind === "confirm" && subscriber.generation === undefined) {
    throw new Error("systemEmail: a confirmation needs the signup's generation");
  }
  const unsubscribe = unsubscribeUrl(site.baseUrl, signer.issue("unsubscribe", subscriber.id));
  const values = {
    // The confirmation goes out before the owner agreed to anything: never a name someone typed.
    first_name: kind === "confirm" ? FIRST_NAME_FALLBACK : firstNameValue(subscriber.firstName),
    unsubscribe_url: unsubscribe,
    postal_address: site.postalAddress,
    site_url: siteUrl(site.baseUrl),
    // Every email links to the reader's preferences page (it says where the subscription stands).
    manage_url: manageUrl(site.baseUrl, signer.issue("manage", subscriber.id)),
    ...(kind === "confirm"
      ? {
          confirm_url: confirmUrl(
            site.baseUrl,
            signer.issue(
              "confirm",
              confirmSubject(subscriber.id, subscriber.generation ?? ""),
              CONFIRM_TTL_SECONDS,
            ),
          ),
        }
      : {}),
  };
  return {
    to: subscriber.email,
    ...render(emails[kind], values),
    ...(kind === "goodbye"
      ? {}
      : { headers: listUnsubscribeHeaders(unsubscribe, site.unsubscribeMailto) }),
    tags: { kind },
  };
}
