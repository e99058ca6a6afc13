/**
 * RFC 2369 List-Unsubscribe and RFC 8058 one-click headers for every email we send.
 *
 *   List-Unsubscribe: <https://example.com/unsubscribe?token=T>, <mailto:unsub@example.com?subject=unsubscribe%20T>
 *   List-Unsubscribe-Post: List-Unsubscribe=One-Click
 *
 * Exactly one List-Unsubscribe header with exactly one HTTPS URL (plain http is accepted only for
 * loopback hosts, i.e. the local stack), optionally followed by one mailto: URI whose subject
 * carries the URL's own token, so that mail to it unsubscribes that reader and nobody else
 * (core/mail-unsubscribe.ts).
 */

export interface EmailHeader {
  name: string;
  value: string;
}

export const LIST_UNSUBSCRIBE = "List-Unsubscribe";
export const LIST_UNSUBSCRIBE_POST = "List-Unsubscribe-Post";
export const ONE_CLICK = "List-Unsubscribe=One-Click";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
/** Characters that would break out of the <…> list syntax or the header line. */
const UNSAFE = /[\s<>,"]/;

function checkedUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`listUnsubscribeHeaders: not a URL: ${JSON.stringify(raw)}`);
  }
  const secure = url.protocol === "https:";
  const localHttp = url.protocol === "http:" && LOOPBACK.has(url.hostname);
  if (!secure && !localHttp) {
    throw new Error(`listUnsubscribeHeaders: the unsubscribe URL must be https: ${raw}`);
  }
  if (UNSAFE.test(raw)) {
    throw new Error(`listUnsubscribeHeaders: the unsubscribe URL must be URL-encoded: ${raw}`);
  }
  return raw;
}

/**
 * "unsub@example.com" or "mailto:unsub@example.com", and the link's token T →
 * "mailto:unsub@example.com?subject=unsubscribe%20T".
 */
function mailtoUri(mailto: string, token: string | null): string {
  const address = mailto.trim().replace(/^mailto:/i, "");
  if (!/^[^@\s<>,"?]+@[^@\s<>,"?]+$/.test(address)) {
    throw new Error(`listUnsubscribeHeaders: not an email address: ${JSON.stringify(mailto)}`);
  }
  if (!token || !/^[A-Za-z0-9._-]+$/.test(token)) {
    throw new Error("listUnsubscribeHeaders: a mailto needs the unsubscribe URL's token");
  }
  return `mailto:${address}?subject=${encodeURIComponent(`${UNSUBSCRIBE_SUBJECT} ${token}`)}`;
}

/** The subject a mailto unsubscribe request carries, before the reader's token. */
export const UNSUBSCRIBE_SUBJECT = "unsubscribe";

/** The two headers, in the shape OutgoingEmail.headers takes. */
export function listUnsubscribeHeaders(unsubscribeUrl: string, mailto?: string): EmailHeader[] {
  const targets = [`<${checkedUrl(unsubscribeUrl)}>`];
  if (mailto !== undefined && mailto.trim() !== "") {
    targets.push(`<${mailtoUri(mailto, new URL(unsubscribeUrl).searchParams.get("token"))}>`);
  }
  return [
    { name: LIST_UNSUBSCRIBE, value: targets.join(", ") },
    { name: LIST_UNSUBSCRIBE_POST, value: ONE_CLICK },
  ];
}
