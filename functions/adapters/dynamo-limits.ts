/** Limits (core/ports.ts) on the DynamoDB table: counters, mailbox slots, send schedules, holds. */
import { type MailboxSlot, mailboxSlots } from "../core/confirmations.js";
import { unitsGiven } from "../core/pacing.js";
import {
  type Limits,
  type MailboxWindow,
  SCHEDULE_HORIZON_MS,
  type UnitsRequest,
} from "../core/ports.js";
import {
  type DynamoTable,
  holdKey,
  isConditionFailure,
  mailboxItemKey,
  rateKey,
  turnKey,
} from "./dynamo-table.js";

export class DynamoLimits implements Limits {
  constructor(private readonly table: DynamoTable) {}

  async hit(key: string, windowStart: Date, windowSeconds: number, limit: number) {
    const attributes = await this.table.write({
      Key: rateKey(key, windowStart),
      UpdateExpression: "ADD hits :one SET expiresAt = :expires",
      ExpressionAttributeValues: {
        ":one": 1,
        // Expired counters are deleted by DynamoDB TTL in AWS (dynalite has no TTL; harmless).
        ":expires": Math.floor(windowStart.getTime() / 1000) + windowSeconds * 2,
      },
      ReturnValues: "UPDATED_NEW",
    });
    return Number(attributes?.hits ?? 0) > limit;
  }

  take(key: string, windowStart: Date, windowSeconds: number, limit: number) {
    return this.table.update({
      Key: rateKey(key, windowStart),
      UpdateExpression: "ADD hits :one SET expiresAt = :expires",
      ConditionExpression: "attribute_not_exists(hits) OR hits < :limit",
      ExpressionAttributeValues: {
        ":one": 1,
        ":limit": limit,
        ":expires": Math.floor(windowStart.getTime() / 1000) + windowSeconds * 2,
      },
    });
  }

  async giveBack(key: string, windowStart: Date) {
    await this.table.update({
      Key: rateKey(key, windowStart),
      UpdateExpression: "ADD hits :minus",
      ConditionExpression: "hits > :zero",
      ExpressionAttributeValues: { ":minus": -1, ":zero": 0 },
    });
  }

  async reserveMailboxSlot(
    mailbox: string,
    signupId: string,
    now: Date,
    windows: readonly MailboxWindow[],
  ): Promise<boolean> {
    return this.changeSlots(mailbox, "reserveMailboxSlot", (stored, declinedUntil) => {
      if (declinedUntil > now.getTime()) return { result: false };
      const { kept, allowed, keepSeconds } = mailboxSlots(stored, signupId, now, windows);
      if (allowed !== "new") return { result: allowed };
      return {
        result: true,
        slots: [...kept, { at: now.getTime(), signup: signupId }],
        expiresAt: Math.floor(Math.max(now.getTime() + keepSeconds * 1000, declinedUntil) / 1000),
      };
    });
  }

  async declineMailbox(mailbox: string, until: Date): Promise<void> {
    await this.changeSlots(mailbox, "declineMailbox", (slots, declinedUntil, expiresAt) => {
      const later = Math.max(declinedUntil, until.getTime());
      return {
        result: undefined,
        slots,
        declinedUntil: later,
        expiresAt: Math.max(expiresAt, Math.ceil(later / 1000)),
      };
    });
  }

  async releaseMailboxSlot(mailbox: string, signupId: string): Promise<void> {
    await this.changeSlots(mailbox, "releaseMailboxSlot", (slots) =>
      slots.some((slot) => slot.signup === signupId)
        ? { result: undefined, slots: slots.filter((slot) => slot.signup !== signupId) }
        : { result: undefined },
    );
  }

  /**
   * Optimistic concurrency on one mailbox's item: read the slots, write back what `decide` makes
   * of them only if nobody else wrote in between (`version`), else read again. Expired slots are
   * dropped on each reservation, and the whole item expires through TTL once its newest slot is
   * out of the window.
   */
  private async changeSlots<T>(
    mailbox: string,
    name: string,
    decide: (
      slots: MailboxSlot[],
      /** Until when (ms) the mailbox declined confirmations; 0 if it never did. */
      declinedUntil: number,
      expiresAt: number,
    ) => { result: T; slots?: MailboxSlot[]; expiresAt?: number; declinedUntil?: number },
  ): Promise<T> {
    const key = mailboxItemKey(mailbox);
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const item = await this.table.read(key);
      const { result, slots, expiresAt, declinedUntil } = decide(
        (item?.slots ?? []) as MailboxSlot[],
        Number(item?.declinedUntil ?? 0),
        Number(item?.expiresAt ?? 0),
      );
      if (slots === undefined) return result;
      const version = Number(item?.version ?? 0);
      const written = await this.table.put({
        Item: {
          ...item,
          ...key,
          slots,
          version: version + 1,
          ...(expiresAt === undefined ? {} : { expiresAt }),
          ...(declinedUntil === undefined ? {} : { declinedUntil }),
        },
        ConditionExpression: "attribute_not_exists(pk) OR version = :version",
        ExpressionAttributeValues: { ":version": version },
      });
      if (written) return result;
    }
    throw new Error(`${name}: too much contention on one mailbox`);
  }

  /**
   * The item holds `nextAt`, the schedule's next free slot (ms). Ahead of now, it is moved on by
   * the run with an atomic ADD (conditional on still being ahead); else the run starts now and
   * `nextAt` is set after it (conditional on still being behind). A caller that loses the race
   * between the two tries again; neither write can hand a slot out twice.
   */
  async reserveSlots(key: string, now: Date, count: number, spacingMs: number): Promise<Date> {
    const span = count * spacingMs;
    const at = now.getTime();
    for (let attempt = 0; attempt < 8; attempt += 1) {
      try {
        const moved = await this.table.write({
          Key: turnKey(key),
          UpdateExpression: "ADD nextAt :span",
          ConditionExpression: "nextAt > :now AND nextAt <= :horizon",
          ExpressionAttributeValues: {
            ":span": span,
            ":now": at,
            ":horizon": at + SCHEDULE_HORIZON_MS,
          },
          ReturnValues: "UPDATED_NEW",
        });
        return new Date(Number(moved?.nextAt) - span);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const started = await this.table.update({
        Key: turnKey(key),
        UpdateExpression: "SET nextAt = :next",
        ConditionExpression: "attribute_not_exists(nextAt) OR nextAt <= :now OR nextAt > :horizon",
        ExpressionAttributeValues: {
          ":next": at + span,
          ":now": at,
          ":horizon": at + SCHEDULE_HORIZON_MS,
        },
      });
      if (started) return now;
    }
    throw new Error(`reserveSlots: too much contention on schedule ${key}`);
  }

  /**
   * One item per key holds every holder's units and when they were written; optimistic
   * concurrency as for a mailbox's slots (`version`). Entries gone stale are dropped on each write,
   * and the item expires through TTL once nobody has written it for a while.
   */
  async holdUnits(
    key: string,
    holder: string,
    units: UnitsRequest,
    now: Date,
    freshMs: number,
  ): Promise<number> {
    const itemKey = holdKey(key);
    const at = now.getTime();
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const item = await this.table.read(itemKey);
      const holders: Record<string, { units: number; at: number }> = {};
      let others = 0;
      for (const [name, hold] of Object.entries(
        (item?.holders ?? {}) as Record<string, { units: number; at: number }>,
      )) {
        if (Number(hold.at) < at - freshMs || name === holder) continue;
        holders[name] = { units: Number(hold.units), at: Number(hold.at) };
        others += Number(hold.units);
      }
      const given = unitsGiven(units, others);
      if (units.holding + given > 0) holders[holder] = { units: units.holding + given, at };
      const version = Number(item?.version ?? 0);
      // UpdateItem, not PutItem: the sender's role has no PutItem.
      const written = await this.table.update({
        Key: itemKey,
        UpdateExpression: "SET holders = :holders, version = :next, expiresAt = :expires",
        ConditionExpression: "attribute_not_exists(pk) OR version = :version",
        ExpressionAttributeValues: {
          ":holders": holders,
          ":next": version + 1,
          ":version": version,
          ":expires": Math.floor((at + 2 * freshMs) / 1000),
        },
      });
      if (written) return given;
      // Another holder wrote first: wait a moment, longer each time, at random, and read again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * (attempt + 1)));
    }
    throw new Error(`holdUnits: too much contention on ${key}`);
  }
}
