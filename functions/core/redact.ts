/**
 * What a log line must never carry, taken out of any text before it is written: email
 * addresses (an SES error can name the recipient) and link tokens (core/tokens.ts), also inside
 * a URL's `token=`. Names are never handed to a log in the first place.
 */

/** A local part (no path separators, so `node_modules/@scope/pkg` is no address) @ a host name. */
const ADDRESS = /[^\s@<>()[\]{}"',;:/\\]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
const TOKEN = /\b[A-Za-z0-9_-]{1,16}\.(?:confirm|unsubscribe|manage|view)\.[A-Za-z0-9._-]+/g;
const TOKEN_PARAM = /([?&]token=)[^&\s"'<>]+/g;

/** `text` with every address and token replaced by a placeholder. */
export function redact(text: string): string {
  return text
    .replace(TOKEN_PARAM, "$1[token]")
    .replace(TOKEN, "[token]")
    .replace(ADDRESS, "[address]");
}
