/**
 * The whole Subscribers table as one object, every port of it: what local tools and tests use to
 * seed and inspect the table (MemoryStore is its twin). The Lambdas take each port on its own
 * (functions/runtime/store.ts).
 */
import type { Clicks, Limits, Roster, SendLedger, Stats, Subscribers } from "../core/ports.js";
import { DynamoClicks } from "./dynamo-clicks.js";
import { DynamoSendLedger } from "./dynamo-ledger.js";
import { DynamoLimits } from "./dynamo-limits.js";
import { DynamoRoster } from "./dynamo-roster.js";
import { DynamoStats } from "./dynamo-stats.js";
import { DynamoSubscribers } from "./dynamo-subscribers.js";
import { DynamoTable, type DynamoTableOptions } from "./dynamo-table.js";

export class DynamoStore implements Subscribers, SendLedger, Limits, Stats, Roster, Clicks {
  readonly subscribers: DynamoSubscribers;
  readonly ledger: DynamoSendLedger;
  readonly limits: DynamoLimits;
  readonly stats: DynamoStats;
  readonly roster: DynamoRoster;
  readonly clicks: DynamoClicks;

  constructor(options: DynamoTableOptions) {
    const table = new DynamoTable(options);
    this.subscribers = new DynamoSubscribers(table);
    this.ledger = new DynamoSendLedger(table);
    this.limits = new DynamoLimits(table);
    this.stats = new DynamoStats(table);
    this.roster = new DynamoRoster(table);
    this.clicks = new DynamoClicks(table);
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
  markDelivered: Subscribers["markDelivered"] = (...a) => this.subscribers.markDelivered(...a);
  read: Stats["read"] = () => this.stats.read();

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
  releaseMailboxSlot: Limits["releaseMailboxSlot"] = (...a) => this.limits.releaseMailboxSlot(...a);
  declineMailbox: Limits["declineMailbox"] = (...a) => this.limits.declineMailbox(...a);
  reserveSlots: Limits["reserveSlots"] = (...a) => this.limits.reserveSlots(...a);
  holdUnits: Limits["holdUnits"] = (...a) => this.limits.holdUnits(...a);

  lookup: Roster["lookup"] = (...a) => this.roster.lookup(...a);
  add: Roster["add"] = (...a) => this.roster.add(...a);
  page: Roster["page"] = (...a) => this.roster.page(...a);

  count: Clicks["count"] = (...a) => this.clicks.count(...a);
  tipClicks: Clicks["tipClicks"] = (...a) => this.clicks.tipClicks(...a);
}
