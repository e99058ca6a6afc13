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
