/**
 * The local stack's keys: public, for development only (a deployed stage reads its own from SSM,
 * docs/deploying.md). TOKEN_KEYS and ID_KEY in the environment replace them.
 */

/** The token keyring: one key, 32 bytes as hex. */
export const LOCAL_TOKEN_KEYS =
  "local:cc600f32e6ba13149a3b67be570d009a57f67555f233a57418779094f99e22cb";
/** The id key (the keyed hashes of addresses). */
export const LOCAL_ID_KEY = "5d1f0e6c2b9a84733f0c9e1d7a6b52c48e3f19a0b7d6c5e4f3a2b1c0d9e8f7a6";
