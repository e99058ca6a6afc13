/** SesEventsQueue → bounces and complaints applied to the list (see ./ses-records.ts). */
import type { Context, SQSEvent } from "aws-lambda";
import { systemClock } from "../adapters/system.js";
import { sesEventsTopic } from "../config.js";
import { addressHashes, loadKeys } from "../runtime/keys.js";
import { log } from "../runtime/log.js";
import { subscriberStore } from "../runtime/store.js";
import { handleSesBatch } from "./ses-records.js";
import { SnsSignatureVerifier } from "./sns-signature.js";

/** Per container: certificates are fetched once. */
const verifier = new SnsSignatureVerifier();

await loadKeys({ id: true }); // a missing or weak id key fails the cold start

export const handler = async (event: SQSEvent, context?: Context) => {
  await loadKeys({ id: true });
  return handleSesBatch(
    {
      store: subscriberStore(),
      hashes: addressHashes(),
      clock: systemClock,
      log: log(),
      topicArn: sesEventsTopic(),
      verifier,
    },
    event,
    context,
  );
};
