/**
 * Addresses: validation (RFC 5321 limits), the real mailbox behind an address, and the keys
 * derived from an address, each a keyed hash (HMAC-SHA256 with the stage's id key), so that a
 * key in the table identifies nobody to whoever lacks the key.
 */
import { createHmac } from "node:crypto";
import { domainToASCII, domainToUnicode } from "node:url";
import { getDomain } from "tldts";
import { networkOf } from "./network.js";
import * as z from "./zod.js";

/** RFC 5321 caps a path at 256 octets including the angle brackets, so an address at 254. */
export const MAX_EMAIL_LENGTH = 254;
/** RFC 5321 §4.5.3.1: a local part of at most 64 octets, a domain label of at most 63. */
export const MAX_LOCAL_PART_OCTETS = 64;
const MAX_LABEL_OCTETS = 63;
/** A domain label: letters, digits and hyphens, neither first nor last a hyphen (RFC 5321 §4.1.2). */
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * zod's own address pattern (z.regexes.email), with a top-level domain in its IDNA form too
 * (`xn--p1ai` is .рф), which zod's letters-only one refuses.
 */
const ADDRESS =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+(?:[A-Za-z]{2,}|xn--[A-Za-z0-9-]+)$/;

const emailSchema = z.email({ pattern: ADDRESS }).check(z.maxLength(MAX_EMAIL_LENGTH));

const octets = (text: string) => Buffer.byteLength(text, "utf8");

/** Whether the domain keeps RFC 5321's rules: labels of 1-63 octets, a TLD that is not a number. */
function validDomain(domain: string): boolean {
  const labels = domain.split(".");
  if (labels.length < 2) return false;
  if (!labels.every((label) => octets(label) <= MAX_LABEL_OCTETS && LABEL.test(label))) {
    return false;
  }
  return !/^\d+$/.test(labels[labels.length - 1] as string);
}

/**
 * Trims the address and lowercases its domain (domains are case-insensitive, RFC 5321 §2.4); an
 * international domain becomes its ASCII form (`müller.de` → `xn--mller-kva.de`, IDNA as URLs
 * do), the form SES sends to and reports bounces for. The local part keeps its case for delivery.
 * Returns undefined for an invalid address: over 254 characters, a local part over 64 octets, or
 * a domain against RFC 5321's rules.
 */
export function normalizeEmail(input: string): string | undefined {
  const trimmed = input.trim();
  const at = trimmed.lastIndexOf("@");
  if (at <= 0) return undefined;
  const local = trimmed.slice(0, at);
  const given = trimmed.slice(at + 1);
  // An empty answer is a domain IDNA refuses; whatever is left of it fails validDomain below.
  const domain = (/^[\x21-\x7e]*$/.test(given) ? given : domainToASCII(given)).toLowerCase();
  if (octets(local) > MAX_LOCAL_PART_OCTETS || !validDomain(domain)) return undefined;
  const normalized = `${local}@${domain}`;
  return z.safeParse(emailSchema, normalized).success ? normalized : undefined;
}

/**
 * An address as its reader wrote it: an international domain in its own letters
 * (`anna@xn--mller-kva.de` → `anna@müller.de`), for pages that show a reader their address.
 */
export function shownAddress(email: string): string {
  const at = email.lastIndexOf("@");
  const domain = email.slice(at + 1);
  if (at <= 0 || !/(?:^|\.)xn--/i.test(domain)) return email;
  return `${email.slice(0, at)}@${domainToUnicode(domain) || domain}`;
}

/** Which shard of the active set a subscriber lives in. */
export function shardOf(id: string, shards: number): number {
  return Number.parseInt(id.slice(0, 8), 16) % shards;
}

/** Services that are one mailbox under several domains: each domain → the one it stands for. */
const SAME_MAILBOX: Readonly<Record<string, string>> = {
  "googlemail.com": "gmail.com",
  "protonmail.com": "proton.me",
  "protonmail.ch": "proton.me",
  "pm.me": "proton.me",
  "me.com": "icloud.com",
  "mac.com": "icloud.com",
};
/** Gmail ignores dots in the local part. */
const DOTLESS = new Set(["gmail.com"]);
/** Yahoo's disposable addresses are `base-keyword@`: the `-` starts a tag there. */
const DASH_TAGS = /^(?:yahoo\.[a-z.]+|ymail\.com|rocketmail\.com)$/;
/** Fastmail delivers `anything@user.fastmail.com` to `user@fastmail.com` (subdomain addressing). */
const SUBDOMAIN_ADDRESSING = new Set(["fastmail.com", "fastmail.fm"]);

/**
 * The real mailbox behind an address, for limits that a tag or a case change must not get
 * around: lowercased; a `+tag` dropped everywhere, a `-tag` where the provider uses them (Yahoo);
 * subdomain addressing undone where the provider offers it (Fastmail); Gmail's dots dropped; and
 * one domain for services that answer to several (googlemail.com is gmail.com).
 * `Ann+x@Example.org` → `ann@example.org`; `a.n.n+1@googlemail.com` → `ann@gmail.com`;
 * `ann-shop@yahoo.com` → `ann@yahoo.com`; `shop@ann.fastmail.com` → `ann@fastmail.com`.
 */
export function canonicalMailbox(normalizedEmail: string): string {
  const lower = normalizedEmail.toLowerCase();
  const at = lower.lastIndexOf("@");
  let local = lower.slice(0, at);
  let domain = lower.slice(at + 1);
  const labels = domain.split(".");
  const parent = labels.slice(1).join(".");
  if (labels.length === 3 && SUBDOMAIN_ADDRESSING.has(parent)) {
    local = labels[0] as string;
    domain = parent;
  }
  domain = SAME_MAILBOX[domain] ?? domain;
  const plus = local.indexOf("+");
  if (plus > 0) local = local.slice(0, plus);
  const dash = local.indexOf("-");
  if (dash > 0 && DASH_TAGS.test(domain)) local = local.slice(0, dash);
  if (DOTLESS.has(domain)) local = local.replace(/\./g, "");
  return `${local}@${domain}`;
}

/**
 * The domain an address's mail goes to, for the per-domain cap: the registrable domain (the
 * public suffix list's), so that `a.evil.example` and `b.evil.example` are one domain, and the
 * canonical one (googlemail.com is gmail.com).
 */
export function mailDomain(normalizedEmail: string): string {
  const canonical = canonicalMailbox(normalizedEmail);
  const domain = canonical.slice(canonical.lastIndexOf("@") + 1);
  return getDomain(domain, { allowPrivateDomains: true }) ?? domain;
}

/** The keys the store derives from an address or a client, each a keyed hash. */
export interface KeyedHashes {
  /**
   * The subscriber id: the same for addresses that differ only in case ("Ann@x.org" is
   * "ann@x.org"), so an SES bounce, which names only the address, finds its subscriber.
   */
  subscriberId(normalizedEmail: string): string;
  /** The key of a real mailbox (canonicalMailbox) for its confirmation slots. */
  mailboxKey(normalizedEmail: string): string;
  /** The key of the recipient domain (mailDomain) for its share of confirmations. */
  domainKey(normalizedEmail: string): string;
  /** The key of a client's network (network.ts networkOf: IPv4 /24, IPv6 /48). */
  networkKey(ip: string): string;
  /** The key of a client's provider, for a day's unconfirmed confirmations (IPv4 /24, IPv6 /32). */
  providerKey(ip: string): string;
  /** The key of a client for the per-client signup limit (IPv4 address, IPv6 /64). */
  clientKey(ip: string): string;
}

/**
 * The keyed hashes of a stage, from its id key (never rotated: every subscriber's id depends on
 * it). Each kind of key is its own HMAC domain, so no two kinds can collide.
 */
export function keyedHashes(secret: string): KeyedHashes {
  const hash = (kind: string, value: string) =>
    createHmac("sha256", secret).update(`${kind}\0${value}`).digest("hex").slice(0, 32);
  return {
    subscriberId: (email) => hash("subscriber", email.toLowerCase()),
    mailboxKey: (email) => hash("mailbox", canonicalMailbox(email)),
    domainKey: (email) => hash("domain", mailDomain(email)),
    networkKey: (ip) => hash("network", networkOf(ip, "share")),
    providerKey: (ip) => hash("provider", networkOf(ip, "provider")),
    clientKey: (ip) => hash("client", networkOf(ip, "client")),
  };
}
