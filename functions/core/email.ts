import { createHash } from "node:crypto";
import * as z from "./zod.js";

/** RFC 5321 caps a path at 256 octets including the angle brackets, so an address at 254. */
export const MAX_EMAIL_LENGTH = 254;

const emailSchema = z.email().check(z.maxLength(MAX_EMAIL_LENGTH));

/**
 * Trims the address and lowercases its domain (domains are case-insensitive, RFC 5321 §2.4).
 * The local part keeps its case for delivery. Returns undefined for an invalid address.
 */
export function normalizeEmail(input: string): string | undefined {
  const trimmed = input.trim();
  const at = trimmed.lastIndexOf("@");
  if (at <= 0) return undefined;
  const normalized = `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
  return z.safeParse(emailSchema, normalized).success ? normalized : undefined;
}

/**
 * The subscriber id: a hash of the fully lowercased address, so that "Ann@x.org" and
 * "ann@x.org" are one subscriber, and an SES bounce (which names only the address) finds it.
 */
export function subscriberId(normalizedEmail: string): string {
  return createHash("sha256").update(normalizedEmail.toLowerCase()).digest("hex").slice(0, 32);
}

/** Which shard of the active set a subscriber lives in. */
export function shardOf(id: string, shards: number): number {
  return Number.parseInt(id.slice(0, 8), 16) % shards;
}

const GMAIL_DOMAINS = new Set(["gmail.com", "googlemail.com"]);

/**
 * The real mailbox behind an address, for limits that a `+tag` or a case change must not get
 * around: lowercased, `+tag` dropped from the local part, and for Gmail (gmail.com and
 * googlemail.com are one service, which ignores dots) dots dropped and the domain unified.
 * `Ann+x@Example.org` → `ann@example.org`; `a.n.n+1@googlemail.com` → `ann@gmail.com`.
 */
export function canonicalMailbox(normalizedEmail: string): string {
  const lower = normalizedEmail.toLowerCase();
  const at = lower.lastIndexOf("@");
  let local = lower.slice(0, at);
  let domain = lower.slice(at + 1);
  const plus = local.indexOf("+");
  if (plus > 0) local = local.slice(0, plus);
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replace(/\./g, "");
    domain = "gmail.com";
  }
  return `${local}@${domain}`;
}

/** The key of a mailbox in the store: a hash, so the limit's record holds no address. */
export function mailboxKey(normalizedEmail: string): string {
  return createHash("sha256").update(canonicalMailbox(normalizedEmail)).digest("hex").slice(0, 32);
}
