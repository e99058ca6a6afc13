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

export type TokenPurpose = "confirm" | "unsubscribe";

export interface SigningKey {
  kid: string;
  secret: string;
}

export interface Signer {
  /** `ttlSeconds` undefined: the token never expires (unsubscribe links must not). */
  issue(purpose: TokenPurpose, subscriberId: string, ttlSeconds?: number): string;
  /** Returns the subscriber id, or throws InvalidTokenError. */
  verify(token: string, purpose: TokenPurpose): string;
}

const ID = /^[0-9a-f]{32}$/;
const MAX_TOKEN_LENGTH = 256;

function mac(secret: string, data: string): Buffer {
  return createHmac("sha256", secret).update(data).digest();
}

export function createSigner(keys: readonly SigningKey[], clock: Clock): Signer {
  const current = keys[0];
  if (!current) throw new Error("createSigner: at least one signing key is required");
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
      if (!secret || !ID.test(id) || !/^\d{1,12}$/.test(expiryText)) throw invalid;
      const expected = mac(secret, `${kid}.${tokenPurpose}.${id}.${expiryText}`);
      const given = Buffer.from(signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
      // Checked after the MAC so that a forged purpose or expiry is never trusted.
      if (tokenPurpose !== purpose) throw invalid;
      const expiry = Number(expiryText);
      if (expiry !== 0 && expiry * 1000 < clock.now().getTime()) throw invalid;
      return id;
    },
  };
}
