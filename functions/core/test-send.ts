/**
 * Whether `npm run send -- --test` may mail an address, from where it stands on the list: not one
 * that asked for no mail (unsubscribed, erased) or whose mail fails or is reported (bounced,
 * complained), unless the operator insists (--force). Any other address may get a test.
 */
import type { RosterEntry } from "./ports.js";

const WHY: Partial<Record<RosterEntry["status"], string>> = {
  unsubscribed: "is unsubscribed: its owner asked for no more email",
  erased: "was erased: its owner asked for their data to be deleted and for no more email",
  bounced: "has hard-bounced: mail to it fails, and each new bounce hurts the account's reputation",
  complained: "complained: its owner marked our email as spam",
};

/** Why a test send to an address in this state is refused; undefined when it may go. */
export function testSendRefusal(status: RosterEntry["status"] | undefined): string | undefined {
  return status === undefined ? undefined : WHY[status];
}
