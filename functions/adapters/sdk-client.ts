/**
 * Two pieces of work the AWS SDK v3 repeats on every request of a client although the answer is
 * the same each time, done once per client instead. Both replace a function the client's config
 * is documented to hold (`signer`, `defaultUserAgentProvider`); the requests stay byte for byte
 * what the SDK would send (test/adapters/sdk-client.test.ts holds them to it).
 *
 * - The SigV4 signer. A client given no `signer` builds a new SignatureV4 for each request, from a
 *   copy of its whole config (about 50 keys, kept in V8's slow dictionary mode: some 12 µs a
 *   copy on this machine). The signer depends only on the auth scheme the endpoint names
 *   (signing name and region), so one is kept per scheme, built by the SDK's own factory.
 * - The default user agent (SDK version, OS and its release, Node version), read anew on each
 *   request; kept after the first reading. The per-request part of the header (features used)
 *   is still written by the SDK's middleware.
 *
 * On the send path each email costs three SDK calls, so this is paid back on every email.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** The part of a built SDK client's config this touches (the same types in every AWS client). */
type ReusableConfig = Pick<DynamoDBClient["config"], "signer" | "defaultUserAgentProvider">;
type AuthScheme = Parameters<ReusableConfig["signer"]>[0];
type RequestSigner = Awaited<ReturnType<ReusableConfig["signer"]>>;
type UserAgent = Awaited<ReturnType<ReusableConfig["defaultUserAgentProvider"]>>;

const schemeKey = (scheme: AuthScheme): string =>
  scheme ? `${scheme.name}|${scheme.signingName ?? ""}|${scheme.signingRegion ?? ""}` : "";

/** Makes `client` build its signer once per auth scheme and read its user agent once. */
export function reuseRequestWork<C extends { config: ReusableConfig }>(client: C): C {
  const config = client.config;
  const build = config.signer;
  const signers = new Map<string, Promise<RequestSigner>>();
  config.signer = (scheme) => {
    const key = schemeKey(scheme);
    const kept = signers.get(key);
    if (kept) return kept;
    const built = build(scheme);
    signers.set(key, built);
    // A failed build (no region yet, say) is not kept: the next request tries again.
    built.catch(() => {
      if (signers.get(key) === built) signers.delete(key);
    });
    return built;
  };
  const read = config.defaultUserAgentProvider;
  let userAgent: Promise<UserAgent> | undefined;
  config.defaultUserAgentProvider = () => {
    if (!userAgent) {
      userAgent = read();
      userAgent.catch(() => {
        userAgent = undefined;
      });
    }
    return userAgent;
  };
  return client;
}
