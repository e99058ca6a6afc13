/**
 * The runway report of `npm run check`: how many weeks of tips remain before the most advanced
 * subscribers run out, read from the LOCAL table (the one `npm start` serves) when it answers
 * within about a second. Never fails: it prints a warning instead.
 */
import { localEndpoints, reachable } from "./send.js";

export interface RunwayOptions {
  /** The tips to count (default: the generated bundle). */
  tips?: readonly { slug: string }[];
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
    const tips = options.tips ?? (await import("../functions/generated/content.js")).bundle.tips;
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
    // Only what runway() needs is kept, page by page.
    const seen: { status: string; sentTips: string[] }[] = [];
    await Promise.all(
      Array.from({ length: store.shards }, async (_, shard) => {
        let cursor: string | undefined;
        do {
          const page = await store.listActive(shard, cursor, 500);
          for (const s of page.items) seen.push({ status: s.status, sentTips: s.sentTips });
          cursor = page.cursor;
        } while (cursor);
      }),
    );
    const r = runway(tips, seen);
    if (r.subscribers === 0) {
      log(`runway: ${r.tips} weeks of tips (no active subscribers in the local table yet)`);
      return;
    }
    const warn = r.weeks <= 2 ? "⚠ " : "";
    log(
      `${warn}runway: ${r.weeks} week${r.weeks === 1 ? "" : "s"} until the most advanced subscribers run out (${r.tips} tips, most advanced has received ${r.maxReceived})`,
    );
  } catch (error) {
    log(`⚠ runway: could not read the local table at ${endpoint}: ${(error as Error).message}`);
  }
}
