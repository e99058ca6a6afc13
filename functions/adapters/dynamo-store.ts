/**
 * The whole Subscribers table as one object, every port of it: what local tools and tests use to
 * seed and inspect the table (MemoryStore is its twin). The Lambdas take each port on its own
 * (functions/runtime/store.ts).
 */
import type { Limits, SendLedger, Subscribers } from "../core/ports.js";
import { DynamoSendLedger } from "./dynamo-ledger.js";
import { DynamoLimits } from "./dynamo-limits.js";
import { DynamoSubscribers } from "./dynamo-subscribers.js";
import { DynamoTable, type DynamoTableOptions } from "./dynamo-table.js";

export class DynamoStore implements Subscribers, SendLedger, Limits {
  readonly subscribers: DynamoSubscribers;
  readonly ledger: DynamoSendLedger;
  readonly limits: DynamoLimits;

  constructor(options: DynamoTableOptions) {
    const table = new DynamoTable(options);
    this.subscribers = new DynamoSubscribers(table);
    this.ledger = new DynamoSendLedger(table);
    this.limits = new DynamoLimits(table);
  }

  get shards(): number {
    return this.ledger.shards;
  }

  get: Subscribers["get"] = (...a) => this.subscribers.get(...a);
  create: Subscribers["create"] = (...a) => this.subscribers.create(...a);
  beginSignup: Subscribers["beginSignup"] = (...a) => this.subscribers.beginSignup(...a);
  markConfirmationSent: Subscribers["markConfirmationSent"] = (...a) =>
    this.subscribers.markConfirmationSent(...a);
  activate: Subscribers["activate"] = (...a) => this.subscribers.activate(...a);
  unsubscribe: Subscribers["unsubscribe"] = (...a) => this.subscribers.unsubscribe(...a);
  suppress: Subscribers["suppress"] = (...a) => this.subscribers.suppress(...a);
  erase: Subscribers["erase"] = (...a) => this.subscribers.erase(...a);
  signOutLinks: Subscribers["signOutLinks"] = (...a) => this.subscribers.signOutLinks(...a);
  updatePreferences: Subscribers["updatePreferences"] = (...a) =>
    this.subscribers.updatePreferences(...a);

  listActive: SendLedger["listActive"] = (...a) => this.ledger.listActive(...a);
  listDue: SendLedger["listDue"] = (...a) => this.ledger.listDue(...a);
  reschedule: SendLedger["reschedule"] = (...a) => this.ledger.reschedule(...a);
  claim: SendLedger["claim"] = (...a) => this.ledger.claim(...a);
  markSent: SendLedger["markSent"] = (...a) => this.ledger.markSent(...a);
  markFailed: SendLedger["markFailed"] = (...a) => this.ledger.markFailed(...a);
  releaseClaim: SendLedger["releaseClaim"] = (...a) => this.ledger.releaseClaim(...a);

  hit: Limits["hit"] = (...a) => this.limits.hit(...a);
  take: Limits["take"] = (...a) => this.limits.take(...a);
  giveBack: Limits["giveBack"] = (...a) => this.limits.giveBack(...a);
  reserveMailboxSlot: Limits["reserveMailboxSlot"] = (...a) => this.limits.reserveMailboxSlot(...a);
  reserveSlots: Limits["reserveSlots"] = (...a) => this.limits.reserveSlots(...a);
}
