/**
 * Subscribers (core/ports.ts) on the DynamoDB table: one item per subscriber, or, once erased,
 * the erasure mark in its place (status "erased", the keyed-hash id and the time, nothing else).
 */
import { shardOf } from "../core/email.js";
import type {
  ActivateResult,
  PreferenceChanges,
  SignupRecord,
  Subscribers,
  UnsubscribeResult,
} from "../core/ports.js";
import { expiresAtFor } from "../core/retention.js";
import type { Subscriber } from "../core/types.js";
import {
  activeKey,
  type DynamoTable,
  dueSortKey,
  fromItem,
  type Item,
  subscriberKey,
  type TableUpdate,
  toItem,
} from "./dynamo-table.js";

/** The status of an erasure mark: never a Subscriber's (get() does not return it). */
const ERASED = "erased";

/** The record an old item held, for the counters (an erasure mark or nothing: none). */
const recordOf = (item: Item | undefined) =>
  item?.pk !== undefined && item.status !== ERASED ? fromItem(item) : undefined;

export class DynamoSubscribers implements Subscribers {
  constructor(private readonly table: DynamoTable) {}

  /**
   * A conditional write whose counters move only if it held: `after` says what it made of the
   * record it found. True when written.
   */
  private async counted(
    id: string,
    input: TableUpdate,
    now: Date,
    after: (before: Subscriber) => Subscriber,
  ): Promise<boolean> {
    const old = await this.table.change(input);
    if (old === undefined) return false;
    const before = recordOf(old);
    if (before) await this.table.count(id, before, after(before), now);
    return true;
  }

  async get(id: string): Promise<Subscriber | undefined> {
    const item = await this.table.read(subscriberKey(id));
    return item && item.status !== ERASED ? fromItem(item) : undefined;
  }

  async create(subscriber: Subscriber): Promise<boolean> {
    const expiresAt = expiresAtFor(subscriber.status, new Date(subscriber.createdAt));
    const created = await this.table.put({
      Item: toItem({ ...subscriber, ...(expiresAt ? { expiresAt } : {}) }, this.table.shards),
      // Over an erasure mark only for a signup given after the erasure.
      ConditionExpression:
        "attribute_not_exists(pk) OR (#status = :erased AND erasedAt < :consentAt)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":erased": ERASED, ":consentAt": subscriber.consent.at },
    });
    if (created) {
      await this.table.count(subscriber.id, undefined, subscriber, new Date(subscriber.updatedAt));
    }
    return created;
  }

  async erase(id: string, now: Date): Promise<"erased" | "absent"> {
    const old = await this.table.replace({
      Item: { ...subscriberKey(id), id, status: ERASED, erasedAt: now.toISOString() },
    });
    const before = recordOf(old);
    if (before) await this.table.count(id, before, undefined, now);
    return before ? "erased" : "absent";
  }

  signOutLinks(id: string, at: number): Promise<boolean> {
    return this.table.update({
      Key: subscriberKey(id),
      UpdateExpression: "SET linksNotBefore = :at",
      ConditionExpression: "attribute_exists(pk) AND #status <> :erased",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":at": at, ":erased": ERASED },
    });
  }

  beginSignup(id: string, signup: SignupRecord, expected: string | undefined) {
    return this.counted(id, this.signupWrite(id, signup, expected), signup.now, (before) => ({
      ...before,
      status: "pending",
      consent: signup.consent,
    }));
  }

  private signupWrite(id: string, signup: SignupRecord, expected: string | undefined): TableUpdate {
    const named = signup.firstName !== undefined;
    const zoned = signup.timeZone !== undefined;
    const slotted = signup.deliverySlot !== undefined;
    const set = [
      "#status = :pending, generation = :generation, consent = :consent, updatedAt = :now",
      "expiresAt = :expires",
      "consentHistory = list_append(if_not_exists(consentHistory, :none), :consents)",
      ...(named ? ["firstName = :firstName"] : []),
      ...(zoned ? ["#tz = :timeZone"] : []),
      ...(slotted ? ["deliverySlot = :slot"] : []),
    ];
    // TIMEZONE is one of DynamoDB's reserved words: the attribute goes by #tz.
    const remove = [
      "unsubscribedAt",
      ...(named ? [] : ["firstName"]),
      ...(zoned ? [] : ["#tz"]),
      ...(slotted ? [] : ["deliverySlot"]),
    ];
    return {
      Key: subscriberKey(id),
      UpdateExpression: `SET ${set.join(", ")} REMOVE ${remove.join(", ")}`,
      ConditionExpression:
        "#status IN (:pending, :unsubscribed, :bounced, :complained) AND " +
        (expected === undefined ? "attribute_not_exists(generation)" : "generation = :expected"),
      ExpressionAttributeNames: { "#status": "status", "#tz": "timeZone" },
      ExpressionAttributeValues: {
        ":pending": "pending",
        ":unsubscribed": "unsubscribed",
        ":bounced": "bounced",
        ":complained": "complained",
        ":expires": expiresAtFor("pending", signup.now),
        ":generation": signup.generation,
        ":consent": signup.consent,
        ":consents": [signup.consent],
        ":none": signup.earlierConsents ?? [],
        ":now": signup.now.toISOString(),
        ...(named ? { ":firstName": signup.firstName } : {}),
        ...(zoned ? { ":timeZone": signup.timeZone } : {}),
        ...(slotted ? { ":slot": signup.deliverySlot } : {}),
        ...(expected === undefined ? {} : { ":expected": expected }),
      },
    };
  }

  markConfirmationSent(id: string, generation: string, now: Date) {
    return this.table.update({
      Key: subscriberKey(id),
      UpdateExpression: "SET confirmSentFor = :generation, confirmEmailSentAt = :now",
      ConditionExpression: "generation = :generation",
      ExpressionAttributeValues: { ":generation": generation, ":now": now.toISOString() },
    });
  }

  async activate(id: string, now: Date, ip: string, generation?: string): Promise<ActivateResult> {
    const write: TableUpdate = {
      Key: subscriberKey(id),
      UpdateExpression:
        "SET #status = :active, confirmedAt = :now, confirmIp = :ip, updatedAt = :now, gsi1pk = :gpk, gsi1sk = :gsk REMOVE dueAt, expiresAt, pausedUntil",
      ConditionExpression:
        generation === undefined
          ? "#status = :pending"
          : "#status = :pending AND generation = :generation",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":active": "active",
        ":pending": "pending",
        ":now": now.toISOString(),
        ":ip": ip,
        ":gpk": activeKey(shardOf(id, this.table.shards)),
        ":gsk": dueSortKey(id, undefined),
        ...(generation === undefined ? {} : { ":generation": generation }),
      },
    };
    const done = await this.counted(id, write, now, ({ pausedUntil: _, ...before }) => ({
      ...before,
      status: "active",
    }));
    if (done) return "activated";
    const current = await this.get(id);
    if (!current) return "missing";
    const sameSignup = generation === undefined || current.generation === generation;
    return current.status === "active" && sameSignup ? "already-active" : "not-pending";
  }

  async unsubscribe(id: string, now: Date): Promise<UnsubscribeResult> {
    const write: TableUpdate = {
      Key: subscriberKey(id),
      UpdateExpression:
        "SET #status = :unsubscribed, unsubscribedAt = :now, updatedAt = :now, expiresAt = :expires REMOVE gsi1pk, gsi1sk, generation",
      ConditionExpression: "#status IN (:pending, :active)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":unsubscribed": "unsubscribed",
        ":pending": "pending",
        ":active": "active",
        ":now": now.toISOString(),
        ":expires": expiresAtFor("unsubscribed", now),
      },
    };
    const done = await this.counted(id, write, now, (before) => ({
      ...before,
      status: "unsubscribed",
    }));
    if (done) return "unsubscribed";
    return (await this.get(id)) ? "already" : "missing";
  }

  suppress(id: string, status: "bounced" | "complained", now: Date) {
    const write: TableUpdate = {
      Key: subscriberKey(id),
      UpdateExpression:
        "SET #status = :status, updatedAt = :now, expiresAt = :expires REMOVE gsi1pk, gsi1sk, generation",
      ConditionExpression: "attribute_exists(pk) AND #status <> :status AND #status <> :erased",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":status": status,
        ":now": now.toISOString(),
        ":expires": expiresAtFor(status, now),
        ":erased": ERASED,
      },
    };
    return this.counted(id, write, now, (before) => ({ ...before, status }));
  }

  markDelivered(id: string, week: string): Promise<boolean> {
    const write: TableUpdate = {
      Key: subscriberKey(id),
      UpdateExpression: "SET deliveredWeek = :week",
      ConditionExpression:
        "attribute_exists(pk) AND #status <> :erased AND (attribute_not_exists(deliveredWeek) OR deliveredWeek < :week)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":week": week, ":erased": ERASED },
    };
    return this.counted(id, write, new Date(), (before) => ({ ...before, deliveredWeek: week }));
  }

  updatePreferences(id: string, changes: PreferenceChanges): Promise<boolean> {
    const values: Record<string, string> = {};
    const set: string[] = [];
    const remove: string[] = [];
    const names: Record<string, string> = { "#status": "status" };
    const fields: [string, string | null | undefined][] = [
      ["timeZone", changes.timeZone],
      ["deliverySlot", changes.deliverySlot],
      ["firstName", changes.firstName],
      ["pausedUntil", changes.pausedUntil === null ? null : changes.pausedUntil?.toISOString()],
      ["dueAt", changes.dueAt === null ? null : changes.dueAt?.toISOString()],
    ];
    for (const [field, value] of fields) {
      if (value === undefined) continue;
      // Names go through #aliases: timeZone is one of DynamoDB's reserved words.
      names[`#${field}`] = field;
      if (value === null) remove.push(`#${field}`);
      else {
        set.push(`#${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    if (changes.dueAt !== undefined) {
      set.push("gsi1sk = :gsk");
      values[":gsk"] = dueSortKey(id, changes.dueAt?.toISOString());
    }
    const write: TableUpdate = {
      Key: subscriberKey(id),
      UpdateExpression: [
        set.length ? `SET ${set.join(", ")}` : "",
        remove.length ? `REMOVE ${remove.join(", ")}` : "",
      ].join(" "),
      ConditionExpression: "#status = :active",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ":active": "active", ...values },
    };
    const paused = changes.pausedUntil;
    return this.counted(id, write, changes.at ?? new Date(), ({ pausedUntil, ...before }) => ({
      ...before,
      ...(paused === null ? {} : { pausedUntil: paused?.toISOString() ?? pausedUntil }),
    }));
  }
}
