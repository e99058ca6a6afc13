/**
 * Work the AWS SDK v3 repeats on every request of a client although the answer is the same each
 * time, done once per client instead, and the client's config made cheap to copy and read. The
 * first two replace a function the client's config is documented to hold (`signer`,
 * `defaultUserAgentProvider`); the requests stay byte for byte what the SDK would send
 * (test/adapters/sdk-client.test.ts holds them to it).
 *
 * - The SigV4 signer. A client given no `signer` builds a new SignatureV4 for each request, from a
 *   copy of its whole config (about 50 keys, kept in V8's slow dictionary mode: some 12 µs a
 *   copy on this machine). What the factory reads that can differ from one request to the next
 *   is the auth scheme the endpoint names and the credentials provider on the config (which can
 *   be replaced while the client runs); the signing region and name it fixes on the config itself
 *   at its first build. So one signer is kept per scheme, built again when the credentials
 *   provider is no longer the one it was built with; the SDK's own factory builds it. The date
 *   and the credentials' values are read at signing time, by the SDK, as before.
 * - The default user agent (SDK version, OS and its release, Node version, the Lambda runtime's
 *   name), read anew on each request; kept after the first reading, since none of it changes
 *   while a process runs. The per-request part of the header (features used, app id) is still
 *   written by the SDK's middleware.
 * - The config's shape. The client's constructor adds its config's keys one resolver at a time,
 *   and V8 turns an object grown that way into a hash table ("dictionary mode"). Every request
 *   then copies the whole config several times in the SDK's middleware (`{ ...config }` for the
 *   endpoint, serialising, reading the answer), each copy of a dictionary some 11 to 23 µs here
 *   against 1.3 to 3 µs for the same keys kept in V8's fast mode, and reads its keys by hash.
 *   `to-fast-properties` moves the object back to fast mode (V8 does that to an object it sees
 *   used as a prototype). Nothing else changes: the same object, keys and values.
 *
 * On the send path each email costs three SDK calls, so this is paid back on every email.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import toFastProperties from "to-fast-properties";

/** The part of a built SDK client's config this touches (the same types in every AWS client). */
type ReusableConfig = Pick<DynamoDBClient["config"], "signer" | "defaultUserAgentProvider">;
type AuthScheme = Parameters<ReusableConfig["signer"]>[0];
type RequestSigner = Awaited<ReturnType<ReusableConfig["signer"]>>;
type UserAgent = Awaited<ReturnType<ReusableConfig["defaultUserAgentProvider"]>>;

const schemeKey = (scheme: AuthScheme): string =>
  scheme ? `${scheme.name}|${scheme.signingName ?? ""}|${scheme.signingRegion ?? ""}` : "";

/**
 * Makes `client` build its signer once per auth scheme and credentials provider, read its user
 * agent once, and keep its config in V8's fast mode.
 */
export function reuseRequestWork<C extends { config: ReusableConfig }>(client: C): C {
  const config = client.config;
  const build = config.signer;
  const signers = new Map<string, { credentials: unknown; signer: Promise<RequestSigner> }>();
  config.signer = (scheme) => {
    const key = schemeKey(scheme);
    const credentials = (config as { credentials?: unknown }).credentials;
    const kept = signers.get(key);
    if (kept && kept.credentials === credentials) return kept.signer;
    const entry = { credentials, signer: build(scheme) };
    signers.set(key, entry);
    // A failed build (no region yet, say) is not kept: the next request tries again.
    entry.signer.catch(() => {
      if (signers.get(key) === entry) signers.delete(key);
    });
    return entry.signer;
  };
  const read = config.defaultUserAgentProvider as (...args: unknown[]) => Promise<UserAgent>;
  let userAgent: Promise<UserAgent> | undefined;
  config.defaultUserAgentProvider = (...args: unknown[]) => {
    if (!userAgent) {
      const reading = read(...args);
      userAgent = reading;
      reading.catch(() => {
        if (userAgent === reading) userAgent = undefined;
      });
    }
    return userAgent;
  };
  toFastProperties(config);
  return client;
}
