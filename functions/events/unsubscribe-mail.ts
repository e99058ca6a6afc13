/**
 * Mail to the List-Unsubscribe mailto address: an SES receipt rule (infra/inbound.ts) invokes
 * this function with SES's inbound event; each record is parsed here, at the edge, and handed to
 * core/mail-unsubscribe.ts. Mail for another recipient, or that is not SES's event, is logged and
 * dropped. A store failure throws, and Lambda retries the invocation.
 */
import { systemClock } from "../adapters/system.js";
import { settings } from "../config.js";
import { type MailUnsubscribeOutcome, unsubscribeByMail } from "../core/mail-unsubscribe.js";
import * as z from "../core/zod.js";
import { addressHashes, loadKeys, tokenSigner } from "../runtime/keys.js";
import { log } from "../runtime/log.js";
import { limits, subscriberStore } from "../runtime/store.js";

const verdict = z.object({ status: z.string() });

/** SES's event for a receipt rule's Lambda action (the parts read). */
export const sesInboundEvent = z.object({
  Records: z.array(
    z.object({
      eventSource: z.literal("aws:ses"),
      ses: z.object({
        mail: z.object({
          messageId: z.string(),
          commonHeaders: z.object({
            from: z._default(z.array(z.string()), []),
            subject: z._default(z.string(), ""),
          }),
        }),
        receipt: z.object({
          recipients: z.array(z.string()),
          spamVerdict: verdict,
          virusVerdict: verdict,
          dmarcVerdict: verdict,
        }),
      }),
    }),
  ),
});

const KEYS = { tokens: true, id: true } as const;
await loadKeys(KEYS); // a missing or weak key fails the cold start

export const handler = async (event: unknown): Promise<MailUnsubscribeOutcome[]> => {
  await loadKeys(KEYS);
  const parsed = z.safeParse(sesInboundEvent, event);
  if (!parsed.success) {
    log().warn("unsubscribe mail: not an SES inbound event", {});
    return [];
  }
  const mailto = settings().unsubscribeMailto?.toLowerCase();
  const deps = {
    signer: tokenSigner(),
    subscribers: subscriberStore(),
    clock: systemClock,
    limits: limits(),
    hashes: addressHashes(),
  };
  const outcomes: MailUnsubscribeOutcome[] = [];
  for (const { ses } of parsed.data.Records) {
    const { mail, receipt } = ses;
    const outcome = receipt.recipients.some((r) => r.toLowerCase() === mailto)
      ? await unsubscribeByMail(deps, {
          subject: mail.commonHeaders.subject,
          from: mail.commonHeaders.from,
          dmarc: receipt.dmarcVerdict.status,
          spam: receipt.spamVerdict.status,
          virus: receipt.virusVerdict.status,
        })
      : ({ action: "ignored", reason: "another recipient" } as const);
    log().info("unsubscribe mail", { messageId: mail.messageId, ...outcome });
    outcomes.push(outcome);
  }
  return outcomes;
};
