/**
 * The stage's keys for a Lambda: the token keyring and the id key, read at cold start from SSM
 * SecureString parameters through Powertools Parameters (config.ts keySource names them), checked
 * (core/tokens.ts: a short, repeated or patterned key fails the cold start, naming the parameter),
 * and read again at most every REFRESH_SECONDS, so a key added to the ring reaches every running
 * container within minutes. On the local stack the values come from the environment.
 */
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { systemClock } from "../adapters/system.js";
import { aws, clientOptions, keySource } from "../config.js";
import { type KeyedHashes, keyedHashes } from "../core/email.js";
import {
  createSigner,
  KeyringError,
  parseKeyring,
  parseSecret,
  type Signer,
  type SigningKey,
} from "../core/tokens.js";

/** How long a container keeps a key it read before asking SSM again (Powertools' cache). */
export const REFRESH_SECONDS = 300;

let provider: SSMProvider | undefined;

/** The raw value of one key: the SSM parameter (decrypted), or the local environment's. */
async function raw(which: "tokenKeys" | "idKey"): Promise<string> {
  const source = keySource();
  if (source.from === "env") return source[which];
  provider ??= new SSMProvider({ clientConfig: clientOptions(aws().SSM_ENDPOINT) });
  const name = source[which];
  let value: string | undefined;
  try {
    value = await provider.get(name, { decrypt: true, maxAge: REFRESH_SECONDS });
  } catch (error) {
    throw new KeyringError(
      `cannot read the SSM parameter ${name}: ${(error as Error).name} (create it with \`npm run keys\`, docs/deploying.md)`,
    );
  }
  if (typeof value !== "string") throw new KeyringError(`the SSM parameter ${name} is empty`);
  return value;
}

/** Where a key came from, for its error messages. */
function nameOf(which: "tokenKeys" | "idKey"): string {
  const source = keySource();
  return source.from === "ssm" ? source[which] : which === "tokenKeys" ? "TOKEN_KEYS" : "ID_KEY";
}

let ring: { raw: string; keys: SigningKey[]; signer: Signer } | undefined;
let id: { raw: string; hashes: KeyedHashes } | undefined;

/** Reads (or re-reads, past REFRESH_SECONDS) the keys a function uses; throws KeyringError. */
export async function loadKeys(which: { tokens?: boolean; id?: boolean }): Promise<void> {
  const [tokens, idKey] = await Promise.all([
    which.tokens ? raw("tokenKeys") : undefined,
    which.id ? raw("idKey") : undefined,
  ]);
  if (tokens !== undefined && tokens !== ring?.raw) {
    const keys = parseKeyring(tokens, nameOf("tokenKeys"));
    ring = { raw: tokens, keys, signer: createSigner(keys, systemClock) };
  }
  if (idKey !== undefined && idKey !== id?.raw) {
    id = { raw: idKey, hashes: keyedHashes(parseSecret(idKey, nameOf("idKey"))) };
  }
}

/** The signer on the latest keyring read (loadKeys({ tokens: true }) first). */
export const tokenSigner = (): Signer => ({
  issue: (...args) => current().issue(...args),
  verify: (...args) => current().verify(...args),
  read: (...args) => current().read(...args),
});

function current(): Signer {
  if (!ring) throw new Error("runtime/keys: the token keys were not loaded (await loadKeys)");
  return ring.signer;
}

/** The keyed hashes of the id key (loadKeys({ id: true }) first). */
export function addressHashes(): KeyedHashes {
  if (!id) throw new Error("runtime/keys: the id key was not loaded (await loadKeys)");
  return id.hashes;
}
