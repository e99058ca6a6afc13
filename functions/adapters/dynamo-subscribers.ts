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
  subscriberKey,
  toItem,
} from "./dynamo-table.js";

/** The status of an erasure mark: never a Subscriber's (get() does not return it). */
const ERASED = "erased";

export class DynamoSubscribers implements Subscribers {
  constructor(private readonly table: DynamoTable) {}

  async get(id: string): Promise<Subscriber | undefined> {
    const item = await this.table.read(subscriberKey(id));
    return item && item.status !== ERASED ? fromItem(item) : undefined;
  }

  create(subscriber: Subscriber): Promise<boolean> {
    const expiresAt = expiresAtFor(subscriber.status, new Date(subscriber.createdAt));
    return this.table.put({
      Item: toItem({ ...subscriber, ...(expiresAt ? { expiresAt } : {}) }, this.table.shards),
      // Over an erasure mark only for a signup given after the erasure.
      ConditionExpression:
        "attribute_not_exists(pk) OR (#status = :erased AND erasedAt < :consentAt)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":erased": ERASED, ":consentAt": subscriber.consent.at },
    });
  }

  async erase(id: string, now: Date): Promise<"erased" | "absent"> {
    const old = await this.table.replace({
      Item: { ...subscriberKey(id), id, status: ERASED, erasedAt: now.toISOString() },
    });
    return old && old.status !== ERASED ? "erased" : "absent";
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
    return this.table.update({
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
    });
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
    const done = await this.table.update({
      Key: subscriberKey(id),
      UpdateExpression:
        "SET #status = :active, confirmedAt = :now, confirmIp = :ip, updatedAt = :now, gsi1pk = :gpk, gsi1sk = :gsk REMOVE dueAt, expiresAt",
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
    });
    if (done) return "activated";
    const current = await this.get(id);
    if (!current) return "missing";
    const sameSignup = generation === undefined || current.generation === generation;
    return current.status === "active" && sameSignup ? "already-active" : "not-pending";
  }

  async unsubscribe(id: string, now: Date): Promise<UnsubscribeResult> {
    const done = await this.table.update({
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
    });
    if (done) return "unsubscribed";
    return (await this.get(id)) ? "already" : "missing";
  }

  suppress(id: string, status: "bounced" | "complained", now: Date) {
    return this.table.update({
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
    });
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
    return this.table.update({
      Key: subscriberKey(id),
      UpdateExpression: [
        set.length ? `SET ${set.join(", ")}` : "",
        remove.length ? `REMOVE ${remove.join(", ")}` : "",
      ].join(" "),
      ConditionExpression: "#status = :active",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ":active": "active", ...values },
    });
  }
}
