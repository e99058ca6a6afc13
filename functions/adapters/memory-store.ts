/**
 * The whole table in memory, every port of it (Subscribers, SendLedger, Limits), with the same
 * semantics as the DynamoDB adapters: test/adapters/*.contract.ts holds both to them. The active
 * index is kept sorted per shard (a B+ tree), so a page costs what it does in DynamoDB, not a scan
 * of every subscriber: the simulation (sim/) runs a million readers on it.
 */

import rfdc from "rfdc";
import SortedBTree from "sorted-btree";
import { mailboxSlots } from "../core/confirmations.js";
import { verdict } from "../core/eligibility.js";
import { shardOf } from "../core/email.js";
import type { ChangeListener } from "../core/events.js";
import { unitsGiven } from "../core/pacing.js";
import type {
  ActivateResult,
  ActivePage,
  ClaimRequest,
  ClaimResult,
  Clicks,
  Limits,
  MailboxWindow,
  PreferenceChanges,
  Roster,
  RosterEntry,
  RosterPage,
  SendLedger,
  SignupRecord,
  Stats,
  Subscribers,
  UnitsRequest,
  UnsubscribeResult,
} from "../core/ports.js";
import { SCHEDULE_HORIZON_MS } from "../core/ports.js";
import { expiresAtFor } from "../core/retention.js";
import { type CounterItem, countsFor, type StatsReport, summarize } from "../core/stats.js";
import type { Subscriber } from "../core/types.js";
import { dueSortKey, dueUpperBound } from "./dynamo-table.js";

/** sorted-btree is CommonJS: Node's ESM loader hands over its module.exports, Vite its default. */
const BTree = (SortedBTree.default ?? SortedBTree) as typeof SortedBTree.default;
type Tree = SortedBTree.default<string, string>;

/** The items are plain data (strings, numbers, arrays, objects): a plain deep copy is enough. */
const structuredClone = rfdc();

/**
 * Stored items are frozen, all the way down, and handed out as they are: a reader gets the item
 * without a copy, and code that changes what it read fails loudly here, as it would silently
 * change nothing in DynamoDB. Writes replace an item (and any part of it they change).
 */
function frozen<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  for (const part of Object.values(value)) frozen(part);
  return Object.freeze(value);
}

export class MemoryStore implements Subscribers, SendLedger, Limits, Stats, Roster, Clicks {
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly hits = new Map<string, number>();
  /** Each send schedule's next free slot, ms since epoch. */
  private readonly schedules = new Map<string, number>();
  private readonly mailboxes = new Map<string, Array<{ at: number; signup: string }>>();
  /** Mailboxes that declined confirmations, until when (ms). */
  private readonly declinedMailboxes = new Map<string, number>();
  /** Units held, per key and holder (holdUnits). */
  private readonly holds = new Map<string, Map<string, { units: number; at: number }>>();
  /** Erasure marks: id → ISO time of the erasure. */
  private readonly erased = new Map<string, string>();
  /** The counter items (core/stats.ts): sort key → attribute → count. */
  private readonly counters = new Map<string, Record<string, number>>();

  /** Told of every write that changed a record (the table stream's twin). */
  onChange: ChangeListener | undefined;
  /** The sparse `active` index, one tree per shard: dueSortKey → id, active subscribers only. */
  private readonly active: Tree[];

  constructor(readonly shards = 4) {
    this.active = Array.from({ length: shards }, () => new BTree<string, string>());
  }

  /** Stores `next` under `id` (undefined: deletes it), keeping the active index in step. */
  private put(id: string, next: Subscriber | undefined): void {
    const before = this.subscribers.get(id);
    if (next === undefined) this.subscribers.delete(id);
    else this.subscribers.set(id, frozen(next));
    const was = before?.status === "active" ? dueSortKey(id, before.dueAt) : undefined;
    const is = next?.status === "active" ? dueSortKey(id, next.dueAt) : undefined;
    if (was === is) return;
    const tree = this.active[shardOf(id, this.shards)] as Tree;
    if (was !== undefined) tree.delete(was);
    if (is !== undefined) tree.set(is, id);
  }

  /** Every subscriber, for assertions in tests. */
  all(): Subscriber[] {
    return [...this.subscribers.values()];
  }

  private mutate(id: string, change: (s: Subscriber) => boolean, now = new Date()): boolean {
    const current = this.subscribers.get(id);
    if (!current) return false;
    const next = { ...current };
    if (!change(next)) return false;
    this.put(id, next);
    this.moveCounters(current, next, now);
    return true;
  }

  /** Moves the counters one write moved, as the DynamoDB adapters do after theirs. */
  private moveCounters(before: Subscriber | undefined, after: Subscriber | undefined, now: Date) {
    const id = (before ?? after)?.id;
    if (id !== undefined) {
      this.onChange?.({
        id,
        before,
        after,
        at: now,
      });
    }
    for (const { sk, field, by } of countsFor(before, after, now)) {
      const item = this.counters.get(sk) ?? {};
      item[field] = (item[field] ?? 0) + by;
      this.counters.set(sk, item);
    }
  }

  async read(): Promise<StatsReport> {
    const items: CounterItem[] = [...this.counters].map(([sk, counts]) => ({
      sk,
      counts: { ...counts },
    }));
    return summarize(items);
  }

  async get(id: string) {
    const found = this.subscribers.get(id);
    return found;
  }

  async create(subscriber: Subscriber) {
    if (this.subscribers.has(subscriber.id)) return false;
    const erasedAt = this.erased.get(subscriber.id);
    if (erasedAt !== undefined && !(erasedAt < subscriber.consent.at)) return false;
    this.erased.delete(subscriber.id);
    const expiresAt = expiresAtFor(subscriber.status, new Date(subscriber.createdAt));
    const created = { ...structuredClone(subscriber), ...(expiresAt ? { expiresAt } : {}) };
    this.put(subscriber.id, created);
    this.moveCounters(undefined, created, new Date(subscriber.updatedAt));
    return true;
  }

  async erase(id: string, now: Date): Promise<"erased" | "absent"> {
    const existed = this.subscribers.get(id);
    this.put(id, undefined);
    this.erased.set(id, now.toISOString());
    this.moveCounters(existed, undefined, now);
    return existed ? "erased" : "absent";
  }

  async signOutLinks(id: string, at: number) {
    return this.mutate(id, (s) => {
      s.linksNotBefore = at;
      return true;
    });
  }

  async beginSignup(id: string, signup: SignupRecord, expected: string | undefined) {
    return this.mutate(
      id,
      (s) => {
        if (s.status === "active") return false;
        if (s.generation !== expected) return false;
        s.status = "pending";
        s.expiresAt = expiresAtFor("pending", signup.now) as number;
        s.generation = signup.generation;
        if (signup.firstName === undefined) delete s.firstName;
        else s.firstName = signup.firstName;
        if (signup.timeZone === undefined) delete s.timeZone;
        else s.timeZone = signup.timeZone;
        if (signup.deliverySlot === undefined) delete s.deliverySlot;
        else s.deliverySlot = signup.deliverySlot;
        s.consent = structuredClone(signup.consent);
        const earlier = s.consentHistory ?? structuredClone(signup.earlierConsents ?? []);
        s.consentHistory = [...earlier, structuredClone(signup.consent)];
        s.updatedAt = signup.now.toISOString();
        delete s.unsubscribedAt;
        return true;
      },
      signup.now,
    );
  }

  async markConfirmationSent(id: string, generation: string, now: Date) {
    return this.mutate(id, (s) => {
      if (s.generation !== generation) return false;
      s.confirmSentFor = generation;
      s.confirmEmailSentAt = now.toISOString();
      return true;
    });
  }

  async reserveMailboxSlot(
    mailbox: string,
    signupId: string,
    now: Date,
    windows: readonly MailboxWindow[],
  ) {
    if ((this.declinedMailboxes.get(mailbox) ?? 0) > now.getTime()) return false;
    const { kept, allowed } = mailboxSlots(
      this.mailboxes.get(mailbox) ?? [],
      signupId,
      now,
      windows,
    );
    if (allowed !== "new") return allowed;
    this.mailboxes.set(mailbox, [...kept, { at: now.getTime(), signup: signupId }]);
    return true;
  }

  async declineMailbox(mailbox: string, until: Date) {
    const later = Math.max(this.declinedMailboxes.get(mailbox) ?? 0, until.getTime());
    this.declinedMailboxes.set(mailbox, later);
  }

  async releaseMailboxSlot(mailbox: string, signupId: string) {
    const slots = this.mailboxes.get(mailbox);
    if (slots)
      this.mailboxes.set(
        mailbox,
        slots.filter((slot) => slot.signup !== signupId),
      );
  }

  async activate(id: string, now: Date, ip: string, generation?: string): Promise<ActivateResult> {
    const current = this.subscribers.get(id);
    if (!current) return "missing";
    const sameSignup = generation === undefined || current.generation === generation;
    if (current.status === "active" && sameSignup) return "already-active";
    if (current.status !== "pending" || !sameSignup) return "not-pending";
    this.mutate(
      id,
      (s) => {
        s.status = "active";
        s.confirmedAt = now.toISOString();
        s.confirmIp = ip;
        s.updatedAt = now.toISOString();
        delete s.dueAt;
        delete s.expiresAt;
        delete s.pausedUntil;
        return true;
      },
      now,
    );
    return "activated";
  }

  async unsubscribe(id: string, now: Date): Promise<UnsubscribeResult> {
    const current = this.subscribers.get(id);
    if (!current) return "missing";
    if (current.status !== "pending" && current.status !== "active") return "already";
    this.mutate(
      id,
      (s) => {
        s.status = "unsubscribed";
        delete s.generation;
        s.expiresAt = expiresAtFor("unsubscribed", now) as number;
        s.unsubscribedAt = now.toISOString();
        s.updatedAt = now.toISOString();
        return true;
      },
      now,
    );
    return "unsubscribed";
  }

  async suppress(id: string, status: "bounced" | "complained", now: Date) {
    return this.mutate(
      id,
      (s) => {
        if (s.status === status) return false;
        s.status = status;
        delete s.generation;
        s.expiresAt = expiresAtFor(status, now) as number;
        s.updatedAt = now.toISOString();
        return true;
      },
      now,
    );
  }

  async listActive(shard: number, cursor: string | undefined, limit: number): Promise<ActivePage> {
    return this.activePage(shard, undefined, cursor, limit);
  }

  async listDue(shard: number, dueBy: Date, cursor: string | undefined, limit: number) {
    return this.activePage(shard, dueBy, cursor, limit);
  }

  /** The active index, as DynamoStore keeps it: sorted by dueSortKey, optionally cut at dueBy. */
  private activePage(
    shard: number,
    dueBy: Date | undefined,
    cursor: string | undefined,
    limit: number,
  ) {
    const upper = dueBy ? dueUpperBound(dueBy) : undefined;
    const tree = this.active[shard];
    const items: Subscriber[] = [];
    let last: string | undefined;
    let more = false;
    if (tree) {
      for (const [key, id] of tree.entries(cursor)) {
        if (cursor !== undefined && key <= cursor) continue;
        if (upper !== undefined && key >= upper) break;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(this.subscribers.get(id) as Subscriber);
        last = key;
      }
    }
    return more && last !== undefined ? { items, cursor: last } : { items };
  }

  async updatePreferences(id: string, changes: PreferenceChanges) {
    return this.mutate(
      id,
      (s) => {
        if (s.status !== "active") return false;
        const set = <K extends "timeZone" | "firstName" | "deliverySlot">(
          key: K,
          value: string | null | undefined,
        ) => {
          if (value === null) delete s[key];
          else if (value !== undefined) s[key] = value;
        };
        set("timeZone", changes.timeZone);
        set("deliverySlot", changes.deliverySlot);
        set("firstName", changes.firstName);
        for (const key of ["pausedUntil", "dueAt"] as const) {
          const value = changes[key];
          if (value === null) delete s[key];
          else if (value !== undefined) s[key] = value.toISOString();
        }
        return true;
      },
      changes.at,
    );
  }

  async markDelivered(id: string, week: string) {
    return this.mutate(id, (s) => {
      if (s.deliveredWeek !== undefined && s.deliveredWeek >= week) return false;
      s.deliveredWeek = week;
      return true;
    });
  }

  async reschedule(id: string, dueAt: Date) {
    this.mutate(id, (s) => {
      if (s.status !== "active") return false;
      s.dueAt = dueAt.toISOString();
      return true;
    });
  }

  /** One write to the send record: applies `change` and adds one to the send revision. */
  private sendWrite(id: string, change: (s: Subscriber) => boolean, now?: Date): boolean {
    return this.mutate(
      id,
      (s) => {
        if (!change(s)) return false;
        s.rev = (s.rev ?? 0) + 1;
        return true;
      },
      now,
    );
  }

  async claim(id: string, request: ClaimRequest): Promise<ClaimResult> {
    const judged = verdict(this.subscribers.get(id), request);
    if (judged.kind !== "eligible") return judged.kind;
    this.sendWrite(id, (next) => {
      next.claim = {
        week: request.week,
        state: "pending",
        tip: request.tip,
        at: request.now.toISOString(),
        runId: request.runId,
      };
      return true;
    });
    return "claimed";
  }

  async markSent(
    id: string,
    week: string,
    tip: string,
    runId: string,
    messageId: string,
    now: Date,
    nextDueAt: Date,
    slotZone?: { timeZone?: string },
  ) {
    this.sendWrite(
      id,
      (s) => {
        s.claim = { week, state: "sent", tip, at: now.toISOString(), runId, messageId };
        if (slotZone === undefined || slotZone.timeZone === s.timeZone) {
          s.dueAt = nextDueAt.toISOString();
        }
        s.lastWeekSent = week;
        s.updatedAt = now.toISOString();
        if (!s.sentTips.includes(tip)) s.sentTips = [...s.sentTips, tip];
        s.sentLog = [...(s.sentLog ?? []), { tip, week, at: now.toISOString() }];
        // A pause that has ended is over for the counters too: a tip went.
        if (s.pausedUntil !== undefined && s.pausedUntil <= now.toISOString()) delete s.pausedUntil;
        return true;
      },
      now,
    );
  }

  async markFailed(id: string, week: string, runId: string, error: string, now: Date) {
    this.sendWrite(id, (s) => {
      if (s.claim?.week !== week || s.claim.runId !== runId) return false;
      s.claim = { ...s.claim, state: "failed", at: now.toISOString(), error: error.slice(0, 500) };
      return true;
    });
  }

  async releaseClaim(id: string, week: string, runId: string) {
    this.sendWrite(id, (s) => {
      if (s.claim?.week !== week || s.claim.runId !== runId || s.claim.state !== "pending") {
        return false;
      }
      delete s.claim;
      return true;
    });
  }

  async reserveSlots(key: string, now: Date, count: number, spacingMs: number) {
    const next = this.schedules.get(key) ?? Number.NEGATIVE_INFINITY;
    const ahead = next > now.getTime() + SCHEDULE_HORIZON_MS;
    const first = ahead ? now.getTime() : Math.max(now.getTime(), next);
    this.schedules.set(key, first + count * spacingMs);
    return new Date(first);
  }

  async holdUnits(
    key: string,
    holder: string,
    units: UnitsRequest,
    now: Date,
    freshMs: number,
  ): Promise<number> {
    const at = now.getTime();
    const holders = this.holds.get(key) ?? new Map<string, { units: number; at: number }>();
    this.holds.set(key, holders);
    let others = 0;
    for (const [name, hold] of holders) {
      if (hold.at < at - freshMs) holders.delete(name);
      else if (name !== holder) others += hold.units;
    }
    const given = unitsGiven(units, others);
    if (units.holding + given > 0) holders.set(holder, { units: units.holding + given, at });
    else holders.delete(holder);
    return given;
  }

  async take(key: string, windowStart: Date, _windowSeconds: number, limit: number) {
    const k = `${key}|${windowStart.toISOString()}`;
    const n = this.hits.get(k) ?? 0;
    if (n >= limit) return false;
    this.hits.set(k, n + 1);
    return true;
  }

  async giveBack(key: string, windowStart: Date) {
    const k = `${key}|${windowStart.toISOString()}`;
    const n = this.hits.get(k) ?? 0;
    if (n > 0) this.hits.set(k, n - 1);
  }

  async hit(key: string, windowStart: Date, _windowSeconds: number, limit: number) {
    const k = `${key}|${windowStart.toISOString()}`;
    const n = (this.hits.get(k) ?? 0) + 1;
    this.hits.set(k, n);
    return n > limit;
  }

  /* ---------------------------------------------------------------- Roster */

  async lookup(ids: readonly string[]): Promise<Map<string, RosterEntry>> {
    const found = new Map<string, RosterEntry>();
    for (const id of ids) {
      const s = this.subscribers.get(id);
      if (s) {
        found.set(id, {
          status: s.status,
          ...(s.generation === undefined ? {} : { generation: s.generation }),
          ...(s.confirmSentFor === undefined ? {} : { confirmSentFor: s.confirmSentFor }),
        });
      } else if (this.erased.has(id)) {
        found.set(id, { status: "erased" });
      }
    }
    return found;
  }

  async add(subscribers: readonly Subscriber[]): Promise<boolean[]> {
    return subscribers.map((subscriber) => {
      if (this.subscribers.has(subscriber.id) || this.erased.has(subscriber.id)) return false;
      const expiresAt = expiresAtFor(subscriber.status, new Date(subscriber.createdAt));
      const added = { ...structuredClone(subscriber), ...(expiresAt ? { expiresAt } : {}) };
      this.put(subscriber.id, added);
      this.moveCounters(undefined, added, new Date(subscriber.updatedAt));
      return true;
    });
  }

  async page(cursor: string | undefined, limit: number): Promise<RosterPage> {
    const ids = [...this.subscribers.keys()].sort();
    const start = cursor === undefined ? 0 : ids.findIndex((id) => id > cursor);
    if (start < 0) return { items: [] };
    const slice = ids.slice(start, start + limit);
    const items = slice.map((id) => this.subscribers.get(id) as Subscriber);
    const last = slice[slice.length - 1];
    return start + limit < ids.length && last !== undefined ? { items, cursor: last } : { items };
  }

  /* ---------------------------------------------------------------- Clicks */

  async count(subscriberId: string, tip: string, week: string): Promise<void> {
    const item = this.counters.get(`TIP#${tip}`) ?? {};
    item.clicks = (item.clicks ?? 0) + 1;
    this.counters.set(`TIP#${tip}`, item);
    const reader = this.subscribers.get(subscriberId);
    if (reader) this.put(subscriberId, { ...reader, lastClickWeek: week });
  }

  async tipClicks(tip: string): Promise<number> {
    return this.counters.get(`TIP#${tip}`)?.clicks ?? 0;
  }
}
