/**
 * The runway report of `npm run check`: how many weeks of tips remain before the most advanced
 * subscribers run out, read from the LOCAL table (the one `npm start` serves) when it answers
 * within about a second. Never fails: it prints a warning instead. Only tips that are out count
 * (a `publishedAt` after today is held back, and said apart); each reader's delivery hour is their
 * own day and hour in their own zone (the stage's Monday 07:00 UTC for those who chose none).
 */
import type { Schedule } from "../functions/core/schedule.js";
import { localEndpoints, reachable } from "./send.js";

export interface RunwayOptions {
  /** The tips to count (default: the generated bundle's archive, with its dates). */
  tips?: readonly { slug: string; publishedAt?: string | Date }[];
  /** The stage's schedule, for readers who chose no zone or slot (default: Monday 07:00 UTC). */
  schedule?: Schedule;
  /** Now (default: the clock). */
  now?: Date;
  endpoint?: string;
  tableName?: string;
  log?: (line: string) => void;
}

export async function reportRunway(options: RunwayOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const endpoint = options.endpoint ?? localEndpoints().dynamo;
  try {
    if (!(await reachable(endpoint, 1000))) {
      log(
        `⚠ runway: the local table is not reachable at ${endpoint} (start it with \`npm start\`); skipped`,
      );
      return;
    }
    const all = options.tips ?? (await import("../functions/generated/content.js")).bundle.archive;
    const now = options.now ?? new Date();
    const { isPublished, utcDay } = await import("../functions/core/archive.js");
    const today = utcDay(now);
    const dated = (t: (typeof all)[number]) =>
      t.publishedAt instanceof Date ? t.publishedAt.toISOString().slice(0, 10) : t.publishedAt;
    const tips = all.filter((t) => isPublished({ publishedAt: dated(t) }, today));
    const held = all.length - tips.length;
    const { DynamoStore } = await import("../functions/adapters/dynamo-store.js");
    const { ACTIVE_SHARDS } = await import("../functions/adapters/dynamo-table.js");
    const { LOCAL_CREDENTIALS, LOCAL_REGION } = await import("./local/aws.js");
    const { runway } = await import("../functions/core/sequence.js");
    const store = new DynamoStore({
      tableName: options.tableName ?? process.env.TABLE_NAME ?? "Subscribers",
      shards: ACTIVE_SHARDS,
      clientOptions: {
        endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        requestHandler: { requestTimeout: 2000, connectionTimeout: 1000 },
        maxAttempts: 1,
      },
    });
    const { DEFAULT_SCHEDULE, deliveryInstant, localWeek, slotOf, zoneOf } = await import(
      "../functions/core/schedule.js"
    );
    const schedule = options.schedule ?? DEFAULT_SCHEDULE;
    // Only what runway() needs is kept, page by page, with the pauses and delivery hours.
    const seen: { status: string; sentTips: string[] }[] = [];
    let paused = 0;
    const hours = new Map<string, number>();
    await Promise.all(
      Array.from({ length: store.shards }, async (_, shard) => {
        let cursor: string | undefined;
        do {
          const page = await store.listActive(shard, cursor, 500);
          for (const s of page.items) {
            seen.push({ status: s.status, sentTips: s.sentTips });
            if (s.pausedUntil && s.pausedUntil > now.toISOString()) paused += 1;
            // Where this reader's own day and hour fall in UTC (else the stage's).
            const zone = zoneOf(s, schedule);
            const slot = deliveryInstant(localWeek(now, zone), zone, slotOf(s, schedule));
            const hour = `${slot.toUTCString().slice(0, 3)} ${slot.toISOString().slice(11, 13)}:00 UTC`;
            hours.set(hour, (hours.get(hour) ?? 0) + 1);
          }
          cursor = page.cursor;
        } while (cursor);
      }),
    );
    const r = runway(tips, seen);
    const heldBack = held > 0 ? `; ${held} more held back until their publishedAt` : "";
    if (r.subscribers === 0) {
      log(
        `runway: ${r.tips} weeks of tips (no active subscribers in the local table yet${heldBack})`,
      );
      return;
    }
    const warn = r.weeks <= 2 ? "⚠ " : "";
    log(
      `${warn}runway: ${r.weeks} week${r.weeks === 1 ? "" : "s"} until the most advanced subscribers run out (${r.tips} tips${held > 0 ? " out" : ""}, most advanced has received ${r.maxReceived}${heldBack})`,
    );
    const byHour = [...hours]
      .sort((a, b) => b[1] - a[1])
      .map(([hour, n]) => `${hour}: ${n}`)
      .join(" · ");
    log(`readers: ${r.subscribers} active, ${paused} paused; delivery hours ${byHour}`);
  } catch (error) {
    log(`⚠ runway: could not read the local table at ${endpoint}: ${(error as Error).message}`);
  }
}
