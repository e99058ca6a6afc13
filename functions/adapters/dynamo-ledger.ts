/**
 * The send ledger (core/ports.ts SendLedger) on the DynamoDB table: the active index sorted by
 * each reader's next due instant, and each subscriber's claim on this week's email.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { verdict } from "../core/eligibility.js";
import type { ActivePage, ClaimRequest, ClaimResult, SendLedger } from "../core/ports.js";
import { type Claim, READER_FIELDS, type Reader } from "../core/types.js";
import {
  ACTIVE_INDEX,
  activeKey,
  type DynamoTable,
  dueSortKey,
  dueUpperBound,
  fromItem,
  type Item,
  subscriberKey,
  type TableUpdate,
} from "./dynamo-table.js";

/**
 * The claim's write: the pending claim set and the revision moved, only while `rev` is the one
 * judged, the subscriber is still active and not paused at the claim's instant (pauses and other
 * status changes do not move `rev`), and, when given, `email` is still their address.
 */
function claimWrite(id: string, claim: Claim, rev: number, email?: string): TableUpdate {
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
 * `slotZone`, the write holds only while that is still the reader's zone (markSent
 * then records the email without the slot); without `nextDueAt`, the slot is left as it is.
 */
function markSentWrite(
  id: string,
  claim: Claim & { state: "sent" },
  now: Date,
  nextDueAt?: Date,
  slotZone?: { timeZone?: string },
): TableUpdate {
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
    UpdateExpression: `SET claim = :claim, lastWeekSent = :week, updatedAt = :now, sentLog = list_append(if_not_exists(sentLog, :none), :sent)${slot ? ", dueAt = :due, gsi1sk = :gsk" : ""} ADD sentTips :tip, rev :one`,
    ConditionExpression: [
      // Never onto an erasure mark: an erased reader's history is not written back.
      "attribute_exists(pk) AND #status <> :erased",
      ...(slotZone === undefined
        ? []
        : [zone === undefined ? "attribute_not_exists(#tz)" : "#tz = :tz"]),
    ].join(" AND "),
    ExpressionAttributeNames: {
      "#status": "status",
      ...(slotZone === undefined ? {} : { "#tz": "timeZone" }),
    },
    ExpressionAttributeValues: {
      ":erased": "erased",
      ":claim": claim,
      ":week": claim.week,
      ":now": now.toISOString(),
      ":tip": new Set([claim.tip]),
      ":one": 1,
      ":none": [],
      ":sent": [{ tip: claim.tip, week: claim.week, at: now.toISOString() }],
      ...slot,
      ...(zone === undefined ? {} : { ":tz": zone }),
    },
  };
}

export class DynamoSendLedger implements SendLedger {
  constructor(private readonly table: DynamoTable) {}

  get shards(): number {
    return this.table.shards;
  }

  listActive(shard: number, cursor: string | undefined, limit: number): Promise<ActivePage> {
    return this.queryActive(shard, undefined, cursor, limit);
  }

  listDue(shard: number, dueBy: Date, cursor: string | undefined, limit: number) {
    return this.queryActive(shard, dueBy, cursor, limit);
  }

  private async queryActive(
    shard: number,
    dueBy: Date | undefined,
    cursor: string | undefined,
    limit: number,
  ): Promise<ActivePage> {
    const result = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
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

  async reschedule(id: string, dueAt: Date): Promise<void> {
    await this.table.update({
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
        const item = await this.table.read(subscriberKey(id));
        const current = item ? fromItem(item) : undefined;
        const judged = verdict(current, request);
        if (judged.kind !== "eligible") return judged.kind;
        rev = current?.rev ?? 0;
      }
      const done = await this.table.update(claimWrite(id, claim, rev, request.email));
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
    let old = await this.table.change(markSentWrite(id, claim, now, nextDueAt, slotZone));
    // The zone changed since the batch was planned: the email is recorded, and the slot left to
    // the reader's new zone. A reader erased (or gone) meanwhile has nothing left to record.
    if (old === undefined) old = await this.table.change(markSentWrite(id, claim, now));
    if (!old?.pk) return;
    const before = fromItem(old);
    const entry = { tip, week, at: now.toISOString() };
    await this.table.count(
      id,
      before,
      { ...before, claim, sentLog: [...(before.sentLog ?? []), entry] },
      now,
    );
    if (before.pausedUntil !== undefined && before.pausedUntil <= now.toISOString()) {
      await this.endPause(id, now);
    }
  }

  /** A pause that has ended, followed by a tip, is over: the counters move it back. */
  private async endPause(id: string, now: Date): Promise<void> {
    const old = await this.table.change({
      Key: subscriberKey(id),
      UpdateExpression: "REMOVE pausedUntil",
      ConditionExpression: "pausedUntil <= :now",
      ExpressionAttributeValues: { ":now": now.toISOString() },
    });
    if (!old?.pk) return;
    const { pausedUntil: _, ...after } = fromItem(old);
    await this.table.count(id, fromItem(old), after, now);
  }

  async markFailed(
    id: string,
    week: string,
    runId: string,
    error: string,
    now: Date,
  ): Promise<void> {
    await this.table.update({
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
    await this.table.update({
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
}
