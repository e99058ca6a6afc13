/** The keyed hashes of the local stack's id key (scripts/local/keys.ts), as tests derive ids. */
import { keyedHashes } from "../../functions/core/email.js";
import { LOCAL_ID_KEY } from "../../scripts/local/keys.js";

export const localHashes = keyedHashes(LOCAL_ID_KEY);

/** A subscriber's id on the local stack (and in the in-memory tests). */
export const subscriberId = (email: string) => localHashes.subscriberId(email);
