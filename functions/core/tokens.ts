/**
 * Signed tokens for the confirm and unsubscribe links.
 *
 *   <kid>.<purpose>.<subscriber id>.<expiry, unix seconds, 0 = never>.<HMAC-SHA256, base64url>
 *
 * The MAC covers everything before it, so a token for one purpose or subscriber can't be turned
 * into another. The key id lets the secret rotate: the first key signs, every key verifies.
 * Comparison is constant-time (crypto.timingSafeEqual).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { InvalidTokenError } from "./errors.js";
import type { Clock } from "./ports.js";

export type TokenPurpose = "confirm" | "unsubscribe" | "manage";

export interface SigningKey {
  kid: string;
  secret: string;
}

export interface Signer {
  /**
   * `subject`: the subscriber id, or for a confirm link `<id>-<generation>` (confirmSubject).
   * `ttlSeconds` undefined: the token never expires (unsubscribe links must not).
   */
  issue(purpose: TokenPurpose, subject: string, ttlSeconds?: number): string;
  /** Returns the subject, or throws InvalidTokenError. */
  verify(token: string, purpose: TokenPurpose): string;
}

/** The subject of a confirm link: the subscriber and the signup (generation) it was issued for. */
export function confirmSubject(subscriberId: string, generation: string): string {
  return `${subscriberId}-${generation}`;
}

/** The parts of a verified confirm subject. */
export function parseConfirmSubject(subject: string): { id: string; generation: string } {
  const dash = subject.indexOf("-");
  return { id: subject.slice(0, dash), generation: subject.slice(dash + 1) };
}

/** A token's subject: a subscriber id, and for a confirm link the signup's generation. */
const SUBJECT = /^[0-9a-f]{32}(?:-[0-9a-f]{16})?$/;
const SUBJECT_OF: Record<TokenPurpose, RegExp> = {
  confirm: /^[0-9a-f]{32}-[0-9a-f]{16}$/,
  unsubscribe: /^[0-9a-f]{32}$/,
  manage: /^[0-9a-f]{32}$/,
};
const MAX_TOKEN_LENGTH = 256;
/** HMAC-SHA256 is 32 bytes: exactly 43 base64url characters, no padding. */
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
/** 1-16 letters, digits, _ or -. */
const KID = /^[A-Za-z0-9_-]{1,16}$/;
/** A secret must carry at least this many random bytes. */
export const MIN_SECRET_BYTES = 32;

/** The keyring is unusable; the message says which key and why. */
export class KeyringError extends Error {
  override name = "KeyringError";
}

/**
 * How many bytes a secret encodes: hex (64+ characters for 32 bytes) or base64 / base64url
 * (43+ characters). Anything else, or a string with very few distinct characters (a repeated or
 * typed-in value, not random bytes), counts as 0.
 */
export function secretBytes(secret: string): number {
  if (new Set(secret).size < 10) return 0;
  if (/^[0-9a-fA-F]+$/.test(secret)) return Math.floor(secret.length / 2);
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(secret)) {
    return Math.floor((secret.replace(/=+$/, "").length * 6) / 8);
  }
  return 0;
}

/**
 * Parses `kid:secret[,kid:secret…]` (the TokenKeys secret). Refuses an empty ring, a malformed
 * entry, a duplicate key id (the last would win and fresh tokens would stop verifying) and a
 * secret of fewer than MIN_SECRET_BYTES random bytes, naming the key at fault (never the secret).
 */
export function parseKeyring(raw: string): SigningKey[] {
  const entries = raw.split(",").map((entry) => entry.trim());
  if (raw.trim() === "") throw new KeyringError("TokenKeys is empty: set kid:secret[,kid:secret…]");
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const colon = entry.indexOf(":");
    const kid = colon < 0 ? "" : entry.slice(0, colon).trim();
    const secret = colon < 0 ? "" : entry.slice(colon + 1).trim();
    const where = `TokenKeys entry ${index + 1}${kid ? ` (kid "${kid}")` : ""}`;
    if (!KID.test(kid)) {
      throw new KeyringError(
        `${where}: write it as kid:secret, with a kid of 1-16 letters, digits, _ or -`,
      );
    }
    if (seen.has(kid)) throw new KeyringError(`${where}: the key id "${kid}" is used twice`);
    seen.add(kid);
    if (secretBytes(secret) < MIN_SECRET_BYTES) {
      throw new KeyringError(
        `${where}: the secret must be at least ${MIN_SECRET_BYTES} random bytes, as hex or base64 ` +
          "(e.g. openssl rand -hex 32)",
      );
    }
    return { kid, secret };
  });
}

function mac(secret: string, data: string): Buffer {
  return createHmac("sha256", secret).update(data).digest();
}

export function createSigner(keys: readonly SigningKey[], clock: Clock): Signer {
  const current = keys[0];
  if (!current) throw new Error("createSigner: at least one signing key is required");
  const kids = keys.map((key) => key.kid);
  const duplicate = kids.find((kid, index) => kids.indexOf(kid) !== index);
  if (duplicate !== undefined) {
    throw new KeyringError(`createSigner: the key id "${duplicate}" is used twice`);
  }
  const byKid = new Map(keys.map((key) => [key.kid, key.secret]));

  return {
    issue(purpose, subscriberId, ttlSeconds) {
      const expiry =
        ttlSeconds === undefined ? 0 : Math.floor(clock.now().getTime() / 1000) + ttlSeconds;
      const body = `${current.kid}.${purpose}.${subscriberId}.${expiry}`;
      return `${body}.${mac(current.secret, body).toString("base64url")}`;
    },

    verify(token, purpose) {
      const invalid = new InvalidTokenError("This link is invalid or has expired.");
      if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) throw invalid;
      const parts = token.split(".");
      if (parts.length !== 5) throw invalid;
      const [kid, tokenPurpose, id, expiryText, signature] = parts as [
        string,
        string,
        string,
        string,
        string,
      ];
      const secret = byKid.get(kid);
      if (!secret || !SUBJECT.test(id) || !/^\d{1,12}$/.test(expiryText)) throw invalid;
      // Buffer.from(…, "base64url") skips characters outside the alphabet and ignores padding,
      // so the exact form is checked first: `<mac>]` or `<mac>==` must not verify.
      if (!SIGNATURE.test(signature)) throw invalid;
      const expected = mac(secret, `${kid}.${tokenPurpose}.${id}.${expiryText}`);
      const given = Buffer.from(signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
      // The 43rd character carries 2 unused bits: only the canonical encoding is accepted.
      if (given.toString("base64url") !== signature) throw invalid;
      // Checked after the MAC so that a forged purpose or expiry is never trusted.
      if (tokenPurpose !== purpose || !SUBJECT_OF[purpose].test(id)) throw invalid;
      const expiry = Number(expiryText);
      if (expiry !== 0 && expiry * 1000 < clock.now().getTime()) throw invalid;
      return id;
    },
  };
}
