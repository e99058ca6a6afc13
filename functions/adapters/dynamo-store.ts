/**
 * SubscriberStore on DynamoDB, through one DocumentClient. Every write that can race is
 * conditional; no transactions (dynalite has none, and each operation touches one item).
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { verdict } from "../core/eligibility.js";
import { shardOf } from "../core/email.js";
import type {
  ActivateResult,
  ActivePage,
  ClaimRequest,
  ClaimResult,
  PreferenceChanges,
  SignupRecord,
  SubscriberStore,
  UnsubscribeResult,
} from "../core/ports.js";
import { type Claim, READER_FIELDS, type Reader, type Subscriber } from "../core/types.js";
import {
  ACTIVE_INDEX,
  activeKey,
  dueSortKey,
  dueUpperBound,
  mailboxItemKey,
  rateKey,
  subscriberKey,
  turnKey,
} from "./dynamo-table.js";

type Item = Record<string, unknown>;

export interface DynamoStoreOptions {
  tableName: string;
  shards: number;
  client?: DynamoDBClient;
  /** Client options when no client is given (region, endpoint, credentials). */
  clientOptions?: DynamoDBClientConfig;
}

/** An UpdateItem before the table is named. */
type PlainUpdate = Omit<UpdateCommandInput, "TableName">;

/**
 * The claim's write: the pending claim set and the revision moved, only while `rev` is the one
 * judged, the subscriber is still active and not paused at the claim's instant (pauses and other
 * status changes do not move `rev`), and, when given, `email` is still their address.
 */
function claimWrite(id: string, claim: Claim, rev: number, email?: string): PlainUpdate {
  const conditions = [
    "#status = :active",
    "(attribute_not_exists(pausedUntil) OR pausedUntil <= :at)",
    ...(email !== undefined ? ["email = :email"] : []),
    rev === 0 ? "(attribute_not_exists(rev) OR rev = :rev)" : "rev = :rev",
  ];
  return {
    Key: subscriberKey(id),
    UpdateExpression: "SET claim = :claim ADD rev :one",
    ConditionExpression: conditions.join(" AND "),
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: {
      ":active": "active",
      ":claim": claim,
      ":at": claim.at,
      ":one": 1,
      ":rev": rev,
      ...(email !== undefined ? { ":email": email } : {}),
    },
  };
}

/**
 * The mark's write, unconditional but for the item's existence: SES has accepted the email, so
 * the record must say so whatever else changed; the reader's next slot moves with it. With
 * `slotZone`, the write holds only while that is still the reader's zone (DynamoStore.markSent
 * then records the email without the slot); without `nextDueAt`, the slot is left as it is.
 */
function markSentWrite(
  id: string,
  claim: Claim & { state: "sent" },
  now: Date,
  nextDueAt?: Date,
  slotZone?: { timeZone?: string },
): PlainUpdate {
  const slot =
    nextDueAt === undefined
      ? undefined
      : {
          ":due": nextDueAt.toISOString(),
          // Harmless on someone who left meanwhile: without gsi1pk the item is not in the index.
          ":gsk": dueSortKey(id, nextDueAt.toISOString()),
        };
  const zone = slotZone?.timeZone;
  return {
    Key: subscriberKey(id),
    UpdateExpression: `SET claim = :claim, lastWeekSent = :week, updatedAt = :now${slot ? ", dueAt = :due, gsi1sk = :gsk" : ""} ADD sentTips :tip, rev :one`,
    ConditionExpression: [
      "attribute_exists(pk)",
      ...(slotZone === undefined
        ? []
        : [zone === undefined ? "attribute_not_exists(#tz)" : "#tz = :tz"]),
    ].join(" AND "),
    ...(slotZone === undefined ? {} : { ExpressionAttributeNames: { "#tz": "timeZone" } }),
    ExpressionAttributeValues: {
      ":claim": claim,
      ":week": claim.week,
      ":now": now.toISOString(),
      ":tip": new Set([claim.tip]),
      ":one": 1,
      ...slot,
      ...(zone === undefined ? {} : { ":tz": zone }),
    },
  };
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string })?.name === "ConditionalCheckFailedException"
  );
}

function toItem(subscriber: Subscriber, shards: number): Item {
  const { sentTips, ...rest } = subscriber;
  const item: Item = { ...subscriberKey(subscriber.id), ...rest };
  if (sentTips.length > 0) item.sentTips = new Set(sentTips);
  if (subscriber.status === "active") {
    item.gsi1pk = activeKey(shardOf(subscriber.id, shards));
    item.gsi1sk = dueSortKey(subscriber.id, subscriber.dueAt);
  }
  return item;
}

function fromItem(item: Item): Subscriber {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, sentTips, ...rest } = item;
  return {
    ...(rest as unknown as Omit<Subscriber, "sentTips">),
    sentTips: sentTips instanceof Set ? [...(sentTips as Set<string>)] : [],
  };
}

export class DynamoStore implements SubscriberStore {
  readonly shards: number;
  private readonly table: string;
  private readonly doc: DynamoDBDocumentClient;

  constructor(options: DynamoStoreOptions) {
    this.table = options.tableName;
    this.shards = options.shards;
    const client = options.client ?? new DynamoDBClient(options.clientOptions ?? {});
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  /** UpdateItem; returns the attributes asked for, if any. */
  private async write(input: PlainUpdate): Promise<Record<string, unknown> | undefined> {
    const result = await this.doc.send(new UpdateCommand({ TableName: this.table, ...input }));
    return result.Attributes;
  }

  /** Runs a conditional update; false when the condition did not hold. */
  private async update(input: PlainUpdate) {
    try {
      await this.write(input);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(id: string): Promise<Subscriber | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: subscriberKey(id), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async create(subscriber: Subscriber): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: toItem(subscriber, this.shards),
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  beginSignup(id: string, signup: SignupRecord, expected: string | undefined) {
    const named = signup.firstName !== undefined;
    const zoned = signup.timeZone !== undefined;
    const set = [
      "#status = :pending, generation = :generation, consent = :consent, updatedAt = :now",
      "consentHistory = list_append(if_not_exists(consentHistory, :none), :consents)",
      ...(named ? ["firstName = :firstName"] : []),
      ...(zoned ? ["#tz = :timeZone"] : []),
    ];
    // TIMEZONE is one of DynamoDB's reserved words: the attribute goes by #tz.
    const remove = ["unsubscribedAt", ...(named ? [] : ["firstName"]), ...(zoned ? [] : ["#tz"])];
    return this.update({
      Key: subscriberKey(id),
      UpdateExpression: `SET ${set.join(", ")} REMOVE ${remove.join(", ")}`,
      ConditionExpression:
        "#status IN (:pending, :unsubscribed) AND " +
        (expected === undefined ? "attribute_not_exists(generation)" : "generation = :expected"),
      ExpressionAttributeNames: { "#status": "status", "#tz": "timeZone" },
      ExpressionAttributeValues: {
        ":pending": "pending",
        ":unsubscribed": "unsubscribed",
        ":generation": signup.generation,
        ":consent": signup.consent,
        ":consents": [signup.consent],
        ":none": signup.earlierConsents ?? [],
        ":now": signup.now.toISOString(),
        ...(named ? { ":firstName": signup.firstName } : {}),
        ...(zoned ? { ":timeZone": signup.timeZone } : {}),
        ...(expected === undefined ? {} : { ":expected": expected }),
      },
    });
  }

  markConfirmationSent(id: string, generation: string, now: Date) {
    return this.update({
      Key: subscriberKey(id),
      UpdateExpression: "SET confirmSentFor = :generation, confirmEmailSentAt = :now",
      ConditionExpression: "generation = :generation",
      ExpressionAttributeValues: { ":generation": generation, ":now": now.toISOString() },
    });
  }

  /**
   * Optimistic concurrency on one item: read the slots, write them back only if nobody else did
   * in between (`version`), else read again. Expired slots are dropped on each write, and the
   * whole item expires through TTL once its newest slot is out of the window.
   */
  async reserveMailboxSlot(
    mailbox: string,
    signupId: string,
    now: Date,
    windowSeconds: number,
    limit: number,
  ): Promise<boolean> {
    const key = mailboxItemKey(mailbox);
    const since = now.getTime() - windowSeconds * 1000;
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
      );
      const slots = ((Item?.slots ?? []) as Array<{ at: number; signup: string }>).filter(
        (slot) => slot.at > since,
      );
      if (slots.some((slot) => slot.signup === signupId)) return true;
      if (slots.length >= limit) return false;
      const version = Number(Item?.version ?? 0);
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              ...key,
              slots: [...slots, { at: now.getTime(), signup: signupId }],
              version: version + 1,
              expiresAt: Math.floor(now.getTime() / 1000) + windowSeconds,
            },
            ConditionExpression: "attribute_not_exists(pk) OR version = :version",
            ExpressionAttributeValues: { ":version": version },
          }),
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new Error(`reserveMailboxSlot: too much contention on one mailbox`);
  }

  async activate(id: string, now: Date, ip: string, generation?: string): Promise<ActivateResult> {
    const done = await this.update({
      Key: subscriberKey(id),
      UpdateExpression:
        "SET #status = :active, confirmedAt = :now, confirmIp = :ip, updatedAt = :now, gsi1pk = :gpk, gsi1sk = :gsk REMOVE dueAt",
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
        ":gpk": activeKey(shardOf(id, this.shards)),
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
    const done = await this.update({
      Key: subscriberKey(id),
      UpdateExpression:
        "SET #status = :unsubscribed, unsubscribedAt = :now, updatedAt = :now REMOVE gsi1pk, gsi1sk, generation",
      ConditionExpression: "#status IN (:pending, :active)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":unsubscribed": "unsubscribed",
        ":pending": "pending",
        ":active": "active",
        ":now": now.toISOString(),
      },
    });
    if (done) return "unsubscribed";
    return (await this.get(id)) ? "already" : "missing";
  }

  suppress(id: string, status: "bounced" | "complained", now: Date) {
    return this.update({
      Key: subscriberKey(id),
      UpdateExpression: "SET #status = :status, updatedAt = :now REMOVE gsi1pk, gsi1sk",
      ConditionExpression: "attribute_exists(pk) AND #status <> :status",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":status": status, ":now": now.toISOString() },
    });
  }

  listActive(shard: number, cursor: string | undefined, limit: number): Promise<ActivePage> {
    return this.queryActive(shard, undefined, cursor, limit);
  }

  listDue(shard: number, dueBy: Date, cursor: string | undefined, limit: number) {
    return this.queryActive(shard, dueBy, cursor, limit);
  }

  /** One page of a shard of the active index, all of it or only the part due by `dueBy`. */
  private async queryActive(
    shard: number,
    dueBy: Date | undefined,
    cursor: string | undefined,
    limit: number,
  ): Promise<ActivePage> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: ACTIVE_INDEX,
        KeyConditionExpression: dueBy ? "gsi1pk = :pk AND gsi1sk < :upper" : "gsi1pk = :pk",
        // Only what the send engine reads: the consent history and the rest stay in the table.
        ProjectionExpression: READER_FIELDS.map((_, i) => `#r${i}`).join(", "),
        ExpressionAttributeNames: Object.fromEntries(READER_FIELDS.map((f, i) => [`#r${i}`, f])),
        ExpressionAttributeValues: {
          ":pk": activeKey(shard),
          ...(dueBy ? { ":upper": dueUpperBound(dueBy) } : {}),
        },
        Limit: limit,
        ExclusiveStartKey: cursor
          ? (JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Item)
          : undefined,
      }),
    );
    const items: Reader[] = (result.Items ?? []).map(fromItem);
    return result.LastEvaluatedKey
      ? {
          items,
          cursor: Buffer.from(JSON.stringify(result.LastEvaluatedKey)).toString("base64url"),
        }
      : { items };
  }

  updatePreferences(id: string, changes: PreferenceChanges): Promise<boolean> {
    const values: Record<string, string> = {};
    const set: string[] = [];
    const remove: string[] = [];
    const names: Record<string, string> = { "#status": "status" };
    const fields: [string, string | null | undefined][] = [
      ["timeZone", changes.timeZone],
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
    return this.update({
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

  async reschedule(id: string, dueAt: Date): Promise<void> {
    await this.update({
      Key: subscriberKey(id),
      UpdateExpression: "SET dueAt = :due, gsi1sk = :gsk",
      ConditionExpression: "#status = :active",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":active": "active",
        ":due": dueAt.toISOString(),
        ":gsk": dueSortKey(id, dueAt.toISOString()),
      },
    });
  }

  /**
   * The claim as optimistic concurrency on the send revision (`rev`): the rule is judged in
   * core/eligibility.ts on the item as last seen, and the write holds only if `rev` is still the
   * one judged and the subscriber is still active (status changes do not touch `rev`). With the
   * planner's `seenRev` the first try needs no read; a lost race reads again and judges afresh.
   */
  async claim(id: string, request: ClaimRequest): Promise<ClaimResult> {
    const claim: Claim = {
      week: request.week,
      state: "pending",
      tip: request.tip,
      at: request.now.toISOString(),
      runId: request.runId,
    };
    let rev = request.seenRev;
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      if (rev === undefined) {
        const current = await this.get(id);
        const judged = verdict(current, request);
        if (judged.kind !== "eligible") return judged.kind;
        rev = current?.rev ?? 0;
      }
      const done = await this.update(claimWrite(id, claim, rev, request.email));
      if (done) return "claimed";
      rev = undefined;
    }
    // Five writes lost to five other writers in a row: someone else is on it.
    return "in-flight";
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
  ): Promise<void> {
    const claim = { week, state: "sent", tip, at: now.toISOString(), runId, messageId } as const;
    if (await this.update(markSentWrite(id, claim, now, nextDueAt, slotZone))) return;
    // The zone changed since the batch was planned (or the item is gone, and this write says so
    // by failing): the email is recorded, and the slot left to the reader's new zone.
    await this.write(markSentWrite(id, claim, now));
  }

  async markFailed(
    id: string,
    week: string,
    runId: string,
    error: string,
    now: Date,
  ): Promise<void> {
    await this.update({
      Key: subscriberKey(id),
      UpdateExpression:
        "SET claim.#state = :failed, claim.#at = :now, claim.#error = :error ADD rev :one",
      ConditionExpression: "claim.week = :week AND claim.runId = :runId",
      ExpressionAttributeNames: { "#state": "state", "#at": "at", "#error": "error" },
      ExpressionAttributeValues: {
        ":failed": "failed",
        ":now": now.toISOString(),
        ":error": error.slice(0, 500),
        ":week": week,
        ":runId": runId,
        ":one": 1,
      },
    });
  }

  async releaseClaim(id: string, week: string, runId: string): Promise<void> {
    await this.update({
      Key: subscriberKey(id),
      UpdateExpression: "REMOVE claim ADD rev :one",
      ConditionExpression:
        "claim.week = :week AND claim.runId = :runId AND claim.#state = :pending",
      ExpressionAttributeNames: { "#state": "state" },
      ExpressionAttributeValues: {
        ":week": week,
        ":runId": runId,
        ":pending": "pending",
        ":one": 1,
      },
    });
  }

  async takeTurn(key: string, at: Date, spacingMs: number) {
    return this.update({
      Key: turnKey(key),
      UpdateExpression: "SET lastAt = :at",
      ConditionExpression: "attribute_not_exists(lastAt) OR lastAt <= :free",
      ExpressionAttributeValues: { ":at": at.getTime(), ":free": at.getTime() - spacingMs },
    });
  }

  async hit(key: string, windowStart: Date, windowSeconds: number, limit: number) {
    const attributes = await this.write({
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
}
