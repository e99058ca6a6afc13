/**
 * Signed tokens for the links in emails and pages, and the checks of the keys that sign them.
 *
 *   <kid>.<purpose>.<subject>.<issued>.<expiry>.<HMAC-SHA256, base64url>
 *
 * issued and expiry are unix seconds (expiry 0 = never). The MAC covers everything before it, so
 * a token for one purpose or subject can't be turned into another. The first key of the ring
 * signs, every key verifies (rotation); comparison is constant-time. A reader's manage links are
 * revoked by moving the reader's `linksNotBefore` past their issue time (readerOfLink in
 * core/subscriptions.ts).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { InvalidTokenError } from "./errors.js";
import type { Clock } from "./ports.js";

/**
 * confirm: one signup (7 days); unsubscribe and manage: one reader (never expire, revocable);
 * view: one tip's page, naming nobody (the "view in browser" link of every tip email); click:
 * one link of one tip for one reader (core/clicks.ts), never expiring.
 */
export type TokenPurpose = "confirm" | "unsubscribe" | "manage" | "view" | "click";

export interface SigningKey {
  kid: string;
  secret: string;
}

/** A token that verified: its subject and when it was issued (unix seconds). */
export interface VerifiedToken {
  subject: string;
  issuedAt: number;
}

export interface Signer {
  /**
   * `subject`: the subscriber id; for a confirm link `<id>-<generation>` (confirmSubject); for a
   * view link the tip's slug. `ttlSeconds` undefined: the token never expires.
   */
  issue(purpose: TokenPurpose, subject: string, ttlSeconds?: number): string;
  /** Returns the subject, or throws InvalidTokenError. */
  verify(token: string, purpose: TokenPurpose): string;
  /** The subject and issue time, or throws InvalidTokenError. */
  read(token: string, purpose: TokenPurpose): VerifiedToken;
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

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Any token's subject, checked before the MAC: an id (and generation), or a slug. */
const SUBJECT = /^[a-z0-9-]{1,120}$/;
const SUBJECT_OF: Record<TokenPurpose, RegExp> = {
  confirm: /^[0-9a-f]{32}-[0-9a-f]{16}$/,
  unsubscribe: /^[0-9a-f]{32}$/,
  manage: /^[0-9a-f]{32}$/,
  view: SLUG,
  click: /^[0-9a-f]{32}-\d{1,3}-[a-z0-9]+(?:-[a-z0-9]+)*$/,
};
const MAX_TOKEN_LENGTH = 320;
/** HMAC-SHA256 is 32 bytes: exactly 43 base64url characters, no padding. */
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
/** 1-16 letters, digits, _ or -. */
const KID = /^[A-Za-z0-9_-]{1,16}$/;
const SECONDS = /^\d{1,12}$/;
/** A secret must carry at least this many random bytes. */
export const MIN_SECRET_BYTES = 32;

/** The keyring or a key is unusable; the message says which key and why (never the secret). */
export class KeyringError extends Error {
  override name = "KeyringError";
}

/** The bytes a secret encodes: hex, or base64 / base64url; undefined for anything else. */
function decodeSecret(secret: string): Buffer | undefined {
  if (/^[0-9a-fA-F]+$/.test(secret)) {
    return secret.length % 2 === 0 ? Buffer.from(secret, "hex") : undefined;
  }
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(secret)) {
    return Buffer.from(secret.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  }
  return undefined;
}

/** Shannon entropy of the byte values, in bits per byte. */
function entropy(bytes: Buffer): number {
  const counts = new Map<number, number>();
  for (const byte of bytes) counts.set(byte, (counts.get(byte) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / bytes.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Why a secret is not random enough to sign with, or undefined when it is: not hex or base64,
 * under MIN_SECRET_BYTES bytes, a block of 4 bytes that comes twice (`0123456789abcdef` × 4), a
 * run of equal steps (00 01 02 …), text (a typed phrase, hex-encoded), or few distinct byte
 * values for its length.
 * 32 random bytes fail none of these but with odds of about one in ten million.
 */
export function secretProblem(secret: string): string | undefined {
  const bytes = decodeSecret(secret);
  if (!bytes) return "is neither hex nor base64";
  if (bytes.length < MIN_SECRET_BYTES) return `has ${bytes.length}`;
  if (bytes.every((byte) => byte >= 0x20 && byte <= 0x7e)) return "is text";
  const blocks = new Set<string>();
  for (let i = 0; i + 4 <= bytes.length; i += 1) {
    const block = bytes.subarray(i, i + 4).toString("hex");
    if (blocks.has(block)) return "repeats a block of bytes";
    blocks.add(block);
  }
  const steps = new Map<number, number>();
  for (let i = 1; i < bytes.length; i += 1) {
    const step = ((bytes[i] as number) - (bytes[i - 1] as number) + 256) % 256;
    steps.set(step, (steps.get(step) ?? 0) + 1);
  }
  if (Math.max(...steps.values()) > bytes.length / 4) return "counts up or down";
  if (entropy(bytes) < Math.log2(Math.min(bytes.length, 256)) - 1.5) {
    return "has too few distinct bytes";
  }
  return undefined;
}

/** The message of a refused secret: what a secret must be, why this one is not, how to make one. */
const refusal = (where: string, problem: string, bare = "") =>
  `${where}: the secret must be at least ${MIN_SECRET_BYTES} random bytes, as hex or base64 ` +
  `(this one ${problem}); make one with \`npm run keys -- new${bare}\``;

/**
 * Parses `kid:secret[,kid:secret…]` (the token keyring). Refuses an empty ring, a malformed
 * entry, a duplicate key id (the last would win and fresh tokens would stop verifying) and a
 * secret that is not random enough (secretProblem), naming the key at fault (never the secret).
 */
export function parseKeyring(raw: string, name = "TokenKeys"): SigningKey[] {
  if (raw.trim() === "") {
    throw new KeyringError(
      `${name} is empty: set kid:secret[,kid:secret…] (make one with \`npm run keys -- new\`)`,
    );
  }
  const entries = raw.split(",").map((entry) => entry.trim());
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const colon = entry.indexOf(":");
    const kid = colon < 0 ? "" : entry.slice(0, colon).trim();
    const secret = colon < 0 ? "" : entry.slice(colon + 1).trim();
    const where = `${name} entry ${index + 1}${kid ? ` (kid "${kid}")` : ""}`;
    if (!KID.test(kid)) {
      throw new KeyringError(
        `${where}: write it as kid:secret, with a kid of 1-16 letters, digits, _ or -`,
      );
    }
    if (seen.has(kid)) throw new KeyringError(`${where}: the key id "${kid}" is used twice`);
    seen.add(kid);
    const problem = secretProblem(secret);
    if (problem) throw new KeyringError(refusal(where, problem));
    return { kid, secret };
  });
}

/** A single secret (the id key), checked like a keyring's. */
export function parseSecret(raw: string, name: string): string {
  const secret = raw.trim();
  const problem = secretProblem(secret);
  if (problem) throw new KeyringError(refusal(name, problem, " --bare"));
  return secret;
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
  const seconds = () => Math.floor(clock.now().getTime() / 1000);

  function read(token: string, purpose: TokenPurpose): VerifiedToken {
    const invalid = new InvalidTokenError("This link is invalid or has expired.");
    if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) throw invalid;
    const parts = token.split(".");
    if (parts.length !== 6) throw invalid;
    const [kid, tokenPurpose, subject, issuedText, expiryText, signature] = parts as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const secret = byKid.get(kid);
    if (!secret || !SUBJECT.test(subject) || !SECONDS.test(issuedText)) throw invalid;
    if (!SECONDS.test(expiryText)) throw invalid;
    // Buffer.from(…, "base64url") skips characters outside the alphabet and ignores padding,
    // so the exact form is checked first: `<mac>]` or `<mac>==` must not verify.
    if (!SIGNATURE.test(signature)) throw invalid;
    const expected = mac(secret, parts.slice(0, 5).join("."));
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
    // The 43rd character carries 2 unused bits: only the canonical encoding is accepted.
    if (given.toString("base64url") !== signature) throw invalid;
    // Checked after the MAC so that a forged purpose or expiry is never trusted.
    if (tokenPurpose !== purpose || !SUBJECT_OF[purpose].test(subject)) throw invalid;
    const expiry = Number(expiryText);
    if (expiry !== 0 && expiry * 1000 < clock.now().getTime()) throw invalid;
    return { subject, issuedAt: Number(issuedText) };
  }

  return {
    issue(purpose, subject, ttlSeconds) {
      const now = seconds();
      const expiry = ttlSeconds === undefined ? 0 : now + ttlSeconds;
      const body = `${current.kid}.${purpose}.${subject}.${now}.${expiry}`;
      return `${body}.${mac(current.secret, body).toString("base64url")}`;
    },
    read,
    verify: (token, purpose) => read(token, purpose).subject,
  };
}
