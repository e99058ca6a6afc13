/**
 * Runs in a child process with the environment under test (config is read once per process):
 * loads the keys as a Lambda's cold start does (functions/runtime/keys.ts), then prints either the
 * error or a token issued and the id of an address, for the parent to check.
 */
import { addressHashes, loadKeys, tokenSigner } from "../../functions/runtime/keys.js";

try {
  await loadKeys({ tokens: true, id: true });
  process.stdout.write(
    JSON.stringify({
      token: tokenSigner().issue("manage", "0123456789abcdef0123456789abcdef"),
      id: addressHashes().subscriberId("ann@example.com"),
    }),
  );
} catch (error) {
  process.stdout.write(
    JSON.stringify({ error: `${(error as Error).name}: ${(error as Error).message}` }),
  );
}
