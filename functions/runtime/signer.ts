/** The token signer for a Lambda: built once per container from the TokenKeys secret. */

import { systemClock } from "../adapters/system.js";
import { tokenKeys } from "../config.js";
import { createSigner, type Signer } from "../core/tokens.js";

let signer: Signer | undefined;

export function tokenSigner(): Signer {
  signer ??= createSigner(tokenKeys(), systemClock);
  return signer;
}
