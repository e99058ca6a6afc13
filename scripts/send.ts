/**
 * `npm run send -- [--at 2026-11-23T07:00:00Z] [--week 2026-W48] [--dry-run] [--limit N] [--rate R]`
 * `npm run send -- --test <address> [--tip <slug>]` (scripts/test-send.ts)
 *
 * Runs the weekly send against the configured endpoints: by default the local stack of
 * `npm start` (DynamoDB stand-in on 127.0.0.1:8000, SES stand-in on 127.0.0.1:8005, or
 * DYNAMODB_ENDPOINT / SES_ENDPOINT). The same code path as the Lambdas: the planner writes
 * batches to a queue and a send worker consumes them (core/send-run.ts), with an in-process queue
 * in place of SQS.
 */
import { connect } from "node:net";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import type { SendBatch } from "../functions/core/planner.js";
import type { RunReport } from "../functions/core/send-run.js";
import { onInterrupt, runWhenExecuted } from "./cli.js";
import { keysMismatch, readStackFile } from "./local/stack-file.js";

/** Exit codes, as the usage documents them. */
export const EXIT = {
  /** Every planned recipient was settled. */
  done: 0,
  /** An error (the store failed, the content is missing, nothing listening). */
  error: 1,
  usage: 2,
  /** SES stopped the run: paused, configuration set paused, suspended, the daily quota, or the sender refused. */
  stopped: 3,
  /** Some recipients are left for a later run: deferred by throttling, transient errors, or in flight. */
  incomplete: 4,
  /** The email itself is wrong: a tip that cannot be filled, or a message SES rejects. */
  badContent: 5,
  /** A --test send refused: the address is unsubscribed, erased, bounced or complained (--force overrides). */
  refused: 6,
  /** Ctrl-C: no email started after it, claims not yet sent were given back. */
  interrupted: 130,
} as const;

export const USAGE = `Usage: npm run send -- [--at INSTANT] [--week 2026-W48] [--dry-run] [--limit N] [--rate R]
       npm run send -- --test ADDRESS [--tip SLUG] [--force]

  --at T       run as the hourly planner would at the ISO instant T (default: now): everyone
               whose own slot (Monday 07:00 unless they chose) has passed in their own week,
               not yet sent that week
  --week W     the operator's override: ISO week W for every active reader, whatever their zone.
               A week already sent sends nothing again, and a week older than a reader's last
               one sends them nothing.
  --dry-run    print the plan (recipients per week and tip, readers due per hour for the next
               day, duration, SES cost), send nothing and move nobody's schedule
  --limit N    send at most N emails
  --rate R     emails per second (default: the SES quota, else settings maxSendRate); every
               SES caller of the account shares it, and no second exceeds it
  --test A     send one tip now to the address A, its subject marked [Test], recording nothing
               (--tip SLUG picks the tip, default the first; series-finished is the series' end).
               An address that is unsubscribed, erased, bounced or complained is refused (exit
               6) unless --force: only with its owner's say-so
  -h, --help   this help

Exit codes: 0 done · 1 error · 2 usage · 3 stopped by SES (paused, suspended, daily quota: run
again once SES allows it) · 4 some recipients left for a later run (throttled, transient errors,
or claims of another run, taken over after the stale window if it died) · 5 the email itself is
wrong (a tip with a placeholder that cannot be filled, a message SES rejects): fix the content,
build, run again · 6 a --test address that asked for no mail or whose mail fails (--force
to send anyway) · 130 interrupted
(Ctrl-C: nothing started after it; run again).

Endpoints: those of the running \`npm start\`, whatever its ports; DYNAMODB_ENDPOINT,
SES_ENDPOINT and BASE_URL (for links) override them (defaults 127.0.0.1:8000, :8005, :3000).`;

/** SES pricing: $0.10 per 1,000 emails. */
export const USD_PER_EMAIL = 0.1 / 1000;

export class UsageError extends Error {
  override name = "UsageError";
}

export interface SendOptions {
  /** A test send to this address (scripts/test-send.ts), of `tip`. */
  test?: string;
  /** Send the test even to an address that asked for no mail or whose mail fails. */
  force?: boolean;
  tip?: string;
  week?: string;
  at?: Date;
  dryRun: boolean;
  limit?: number;
  rate?: number;
}

export async function parseSendArgs(argv: string[]): Promise<SendOptions | "help"> {
  const { isIsoWeek } = await import("../functions/core/week.js");
  const { localWeek } = await import("../functions/core/schedule.js");
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        week: { type: "string" },
        at: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        limit: { type: "string" },
        rate: { type: "string" },
        test: { type: "string" },
        tip: { type: "string" },
        force: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  const options: SendOptions = { dryRun: values["dry-run"] === true };
  if (typeof values.tip === "string" && typeof values.test !== "string") {
    throw new UsageError("--tip picks the tip of a --test send");
  }
  if (values.force === true && typeof values.test !== "string") {
    throw new UsageError("--force only overrides a --test send's refusal");
  }
  if (typeof values.test === "string") {
    const others = ["week", "at", "dry-run", "limit", "rate"].filter(
      (flag) => values[flag] !== undefined && values[flag] !== false,
    );
    if (others.length > 0) {
      throw new UsageError(`--test sends one email: it takes no --${others.join(", --")}`);
    }
    options.test = values.test;
    if (typeof values.tip === "string") options.tip = values.tip;
    if (values.force === true) options.force = true;
    return options;
  }
  if (typeof values.week === "string" && typeof values.at === "string") {
    throw new UsageError(
      "give --week or --at, not both: --week sends that week to every active reader, --at plans as the hourly planner would at that instant",
    );
  }
  if (typeof values.week === "string") {
    if (!isIsoWeek(values.week)) {
      throw new UsageError(
        `--week must be an ISO week like 2026-W48 (year, "-W", two-digit week that exists in that year), not ${JSON.stringify(values.week)}`,
      );
    }
    // No week that has not begun anywhere yet: it would be sent now and hold every week before it.
    const latest = localWeek(new Date(), "Pacific/Kiritimati");
    if (values.week > latest) {
      throw new UsageError(
        `--week ${values.week} has not begun yet anywhere (the latest is ${latest}); a future week would be sent now and hold back every week until then`,
      );
    }
    options.week = values.week;
  }
  if (typeof values.at === "string") {
    const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(values.at)
      ? new Date(values.at)
      : undefined;
    if (!at || Number.isNaN(at.getTime())) {
      throw new UsageError(
        `--at must be an ISO instant with its offset, like 2026-11-23T07:00:00Z, not ${JSON.stringify(values.at)}`,
      );
    }
    if (at.getTime() > Date.now() + 3_600_000) {
      throw new UsageError(
        `--at ${values.at} is in the future: readers due by then would get next week's tip now`,
      );
    }
    options.at = at;
  }
  if (typeof values.limit === "string") {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new UsageError(
        `--limit must be a whole number ≥ 1, not ${JSON.stringify(values.limit)}`,
      );
    }
    options.limit = limit;
  }
  if (typeof values.rate === "string") {
    const rate = Number(values.rate);
    if (!Number.isFinite(rate) || rate <= 0) {
      throw new UsageError(
        `--rate must be a number of emails per second > 0, not ${JSON.stringify(values.rate)}`,
      );
    }
    options.rate = rate;
  }
  return options;
}

/** True when something accepts TCP connections at the URL's host and port within `timeoutMs`. */
export function reachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) || 80 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * The local stack to talk to: the environment's endpoints if set, else the running `npm start`'s
 * (whatever ports it was given: scripts/local/stack-file.ts), else the default ports.
 */
export function localEndpoints(): { dynamo: string; ses: string; baseUrl: string } {
  const running = readStackFile();
  return {
    dynamo: process.env.DYNAMODB_ENDPOINT ?? running?.dynamoEndpoint ?? "http://127.0.0.1:8000",
    ses: process.env.SES_ENDPOINT ?? running?.sesEndpoint ?? "http://127.0.0.1:8005",
    baseUrl: process.env.BASE_URL ?? running?.baseUrl ?? "http://127.0.0.1:3000",
  };
}

const duration = (seconds: number) =>
  seconds < 90
    ? `${seconds.toFixed(1)} s`
    : seconds < 5400
      ? `${(seconds / 60).toFixed(1)} min`
      : `${(seconds / 3600).toFixed(1)} h`;

export function formatSummary(report: RunReport): string {
  const rows: [string, string | number][] = [
    ["week", `${report.week ?? weeksOf(report.byWeek)} (run ${report.runId})`],
    ["planned", report.planned],
    ["sent", report.sent],
    ["skipped (already sent)", report.skippedAlreadySent],
    ["superseded (later week)", report.superseded],
    ["caught up (no tip left)", report.caughtUp],
    ["not yet due (slot ahead)", report.notDue],
    ["paused (by the reader)", report.paused],
    ["in flight (another run)", report.inFlight],
    ["failed", `${report.failed} (${report.failedTransient} transient)`],
    ["deferred (throttled)", report.deferred],
    ["left before sending", report.inactive],
    ["set aside (bad record)", report.setAside],
    ["held (unfillable tip)", report.heldForContent],
    ["unanswered (SES may have sent)", report.unanswered],
    ["SES calls", `${report.sesCalls} (${report.retries} retried: throttled, network or 5xx)`],
    ["duration", duration(report.durationMs / 1000)],
    [
      "rate",
      `${report.rate} emails/s (aim ${round(report.targetRate)}, limit ${round(report.limit)})`,
    ],
  ];
  if (report.stopped) {
    rows.push(["STOPPED", `${report.stopped.reason}: ${report.unattempted} not attempted`]);
  }
  return rows.map(([k, v]) => `  ${k.padEnd(24)} ${v}`).join("\n");
}

/** "2026-W48 ×3, 2026-W49 ×1", or a dash when nobody was planned. */
const weeksOf = (byWeek: Record<string, number>) =>
  Object.entries(byWeek)
    .sort()
    .map(([week, n]) => `${week} ×${n}`)
    .join(", ") || "each reader's own";

const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : "unpaced");

/** Stops that only a change to the content undoes, not waiting for SES. */
const CONTENT_STOPS = new Set<string>(["bad-content", "message-rejected"]);

/** The exit code a finished run deserves (EXIT). */
export function exitCode(report: RunReport): number {
  if (report.stopped?.reason === "interrupted") return EXIT.interrupted;
  if (report.stopped && CONTENT_STOPS.has(report.stopped.reason)) return EXIT.badContent;
  if (report.stopped) return EXIT.stopped;
  return report.leftForLater + report.inFlight > 0 ? EXIT.incomplete : EXIT.done;
}

export async function main(argv: string[]): Promise<number> {
  let options: SendOptions | "help";
  try {
    options = await parseSendArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`npm run send: ${error.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    throw error;
  }
  if (options === "help") {
    console.log(USAGE);
    return EXIT.done;
  }

  // A deployed stage's links (`npx sst shell --stage <stage> -- npm run send …`), or else the
  // local stack's environment, as `npm start` sets it.
  if (!process.env.SST_RESOURCE_Settings) {
    const endpoints = localEndpoints();
    for (const [what, url] of [
      ["DynamoDB stand-in", endpoints.dynamo],
      ["SES stand-in", endpoints.ses],
    ] as const) {
      if (!(await reachable(url))) {
        console.error(
          `Nothing is listening at ${url} (the ${what}).\nStart the local stack first with \`npm start\` (in another terminal), then run \`npm run send\` again.`,
        );
        return EXIT.error;
      }
    }
    const { localEnvironment, LOCAL_ID_KEY, LOCAL_TOKEN_KEYS } = await import("./local/aws.js");
    const keys = {
      tokenKeys: process.env.TOKEN_KEYS ?? LOCAL_TOKEN_KEYS,
      idKey: process.env.ID_KEY ?? LOCAL_ID_KEY,
    };
    const running = readStackFile();
    const mismatch = keysMismatch(running, keys, endpoints.dynamo);
    if (mismatch) {
      console.error(mismatch);
      return EXIT.error;
    }
    Object.assign(
      process.env,
      localEnvironment(
        {
          dynamoEndpoint: endpoints.dynamo,
          sesEndpoint: endpoints.ses,
          tableName: process.env.TABLE_NAME ?? "Subscribers",
          stop: async () => {},
        },
        { baseUrl: endpoints.baseUrl, ...keys },
      ),
    );
  }

  let content: import("../functions/core/types.js").ContentBundle;
  try {
    content = (await import("../functions/generated/content.js")).bundle;
  } catch {
    console.error("functions/generated/content.ts is missing: run `npm run build` first.");
    return EXIT.error;
  }
  if (options.test !== undefined) {
    const { sendTestEmail } = await import("./test-send.js");
    const result = await sendTestEmail(content, {
      to: options.test,
      ...(options.tip ? { tip: options.tip } : {}),
      ...(options.force ? { force: true } : {}),
    });
    (result.code === 0 ? console.log : console.error)(
      result.code === 2 ? `npm run send: ${result.message}` : result.message,
    );
    return result.code;
  }
  const { settings, scheduleOf } = await import("../functions/config.js");
  const { systemClock } = await import("../functions/adapters/system.js");
  const { MemoryQueue } = await import("../functions/adapters/memory-queue.js");
  const { series } = await import("../functions/core/sequence.js");
  const tips = series(content.tips, content.emails.finished);
  const { sendInProcess } = await import("../functions/core/send-run.js");
  const { buildSendWorker, sendPorts } = await import("../functions/runtime/send-worker.js");
  const { accountLimit, scheduleRate } = await import("../functions/core/pacing.js");

  const config = settings();
  const at = options.at ?? systemClock.now();
  const runId = `local-${new Date().toISOString()}`;
  const ports = sendPorts();
  const { mailer } = ports;
  const schedule = scheduleOf(config);
  const planning = {
    ledger: ports.ledger,
    tips,
    ...(options.week ? { week: options.week } : {}),
    runId,
    now: at,
    schedule,
    batchSize: config.batchSize,
    staleClaimSeconds: config.staleClaimSeconds,
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  };

  if (options.dryRun) {
    const { plan } = await import("../functions/core/planner.js");
    const status = await mailer.status();
    const limit = accountLimit(status.quota, config.maxSendRate, options.rate);
    const aim = scheduleRate(limit);
    const report = await plan({
      ...planning,
      // The pass asks SES as the hourly one does: nobody while it would refuse, and no more
      // readers than the weekly send's part of the day's quota has left, which this run, one
      // sender, may all send.
      ...(options.week ? {} : { sending: { status: async () => status } }),
      dryRun: true,
      queue: { sendAll: async (_batches: readonly SendBatch[]) => {} },
      log: { error: (message, data) => console.error(`${message} ${JSON.stringify(data)}`) },
    });
    const seconds = report.planned / aim;
    const what = options.week ? `${options.week} for everyone` : `the pass at ${at.toISOString()}`;
    console.log(`Dry run for ${what}: nothing sent.\n`);
    if (status.stopped) console.log(`  SES WOULD REFUSE          ${status.stopped.message}`);
    else if (report.sendingStopped) {
      console.log(
        "  SES WOULD REFUSE          the weekly send's part of the day's quota is spent (a twentieth is kept for signups): the pass plans nobody",
      );
    } else if (report.quotaCapped) {
      console.log("  held back by the quota    the rest stay due for a later pass");
    }
    console.log(
      `  readers read              ${report.active}${options.week ? "" : " (due, or not yet scheduled)"}`,
    );
    console.log(`  would send                ${report.planned}`);
    for (const [week, n] of Object.entries(report.byWeek).sort()) {
      console.log(`    ${String(n).padStart(8)}  in their ${week}`);
    }
    for (const tip of tips) {
      const n = report.byTip[tip.slug];
      if (n) console.log(`    ${String(n).padStart(8)}  ${tip.slug}`);
    }
    console.log(`  already sent this week    ${report.skippedAlreadySent}`);
    console.log(`  superseded (later week)   ${report.superseded}`);
    console.log(`  caught up (no tip left)   ${report.caughtUp}`);
    console.log(`  in flight (another run)   ${report.inFlight}`);
    console.log(`  not yet due (slot ahead)  ${report.notDue}`);
    console.log(`  paused (by the reader)    ${report.paused}`);
    console.log(`  set aside (bad record)    ${report.setAside}`);
    console.log(`  held (unfillable tip)     ${report.heldForContent}`);
    for (const [slug, problem] of Object.entries(report.unfillable ?? {})) {
      console.log(`    ${slug}: ${problem}`);
    }
    const { dueByHour } = await import("../functions/core/due-hours.js");
    const hours = await dueByHour(planning.ledger, at, 24, schedule);
    console.log("  readers due per hour, next 24 h (UTC):");
    for (const { hour, readers } of hours) {
      console.log(`    ${hour.toISOString().slice(0, 13)}:00  ${String(readers).padStart(8)}`);
    }
    if (hours.length === 0) console.log("    nobody");
    console.log(
      `  estimated duration        ${duration(seconds)} at ${round(aim)} emails/s (${Math.round((aim / limit) * 100)}% of ${round(limit)}, ${status.quota ? "the SES quota" : options.rate ? "--rate" : "settings maxSendRate"})`,
    );
    console.log(
      `  estimated SES cost        $${(report.planned * USD_PER_EMAIL).toFixed(2)} ($0.10 per 1,000)`,
    );
    return EXIT.done;
  }

  const bar = new cliProgress.SingleBar(
    { format: "sending {bar} {value}/{total} | {eta_formatted} left | {rate}/s", etaBuffer: 200 },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let planned = 0;
  let done = 0;
  const errors: string[] = [];
  const quiet = () => {};
  // Ctrl-C: no email starts after it, claims not yet sent are given back, the summary is printed.
  const interrupt = new AbortController();
  const stopListening = onInterrupt(() => interrupt.abort());
  bar.start(0, 0, { rate: 0 });
  // Errors are printed after the progress bar; per-batch info is the bar itself.
  const log = {
    info: quiet,
    warn: (message: string, data: object) => errors.push(`${message} ${JSON.stringify(data)}`),
    error: (message: string, data: object) => errors.push(`${message} ${JSON.stringify(data)}`),
  };
  const onSettled = () => {
    done += 1;
    bar.update(done, { rate: (done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1) });
  };
  const onPlanned = (n: number) => {
    planned += n;
    bar.setTotal(planned);
  };
  // The readers' events of this run (tip sent, series finished): no stream locally (events.ts).
  const published = new Map<string, number>();
  const { startLocalEvents } = await import("./local/events.js");
  const { listenToTableChanges } = await import("../functions/runtime/table-changes.js");
  const events = startLocalEvents({
    publish: async (list) => {
      for (const e of list) published.set(e.type, (published.get(e.type) ?? 0) + 1);
    },
  });
  listenToTableChanges(events.listener);
  const report = await buildSendWorker(ports, {
    // One worker: in flight, enough for the whole rate. The rate itself is the account's,
    // shared with every other SES caller through the table.
    workers: 1,
    ...(options.rate !== undefined ? { rate: options.rate } : {}),
    signal: interrupt.signal,
    log,
    onSettled,
  })
    .then((worker) => {
      const queue = new MemoryQueue<SendBatch>({ capacity: 4 });
      return sendInProcess({
        planning: { ...planning, log },
        queue,
        worker,
        clock: systemClock,
        onPlanned,
      });
    })
    .finally(() => {
      bar.stop();
      stopListening();
    });
  await events.idle();
  listenToTableChanges(undefined);
  // Readers another run had claimed count as in flight (and hold their batch back for a later
  // run), and by now that run may have sent them: one more look, writing nothing, counts those
  // still in flight or due. When nobody is, nothing is left for a later run.
  if ((report.inFlight > 0 || report.leftForLater > 0) && !report.stopped) {
    const { plan } = await import("../functions/core/planner.js");
    const look = await plan({
      ...planning,
      dryRun: true,
      queue: { sendAll: async (_batches: readonly SendBatch[]) => {} },
      log,
    });
    const outstanding = look.inFlight + look.planned;
    report.inFlight = Math.min(report.inFlight, outstanding);
    if (outstanding === 0) report.leftForLater = 0;
  }
  console.log(`\nWeekly send finished:\n${formatSummary(report)}`);
  if (published.size > 0) {
    const counts = [...published].map(([type, n]) => `${n} ${type}`).join(", ");
    console.log(`  ${"events".padEnd(24)} ${counts} (docs/events.md)`);
  }
  for (const line of errors) console.error(line);
  const code = exitCode(report);
  if (options.limit !== undefined && report.planned >= options.limit) {
    console.error(
      `\n--limit ${options.limit} reached: more readers may be due; run \`npm run send\` again to go on.`,
    );
  }
  if (report.stopped?.reason === "interrupted") {
    console.error(
      `\nINTERRUPTED: no email started after Ctrl-C; claims not yet sent were given back. Run \`npm run send\` again to finish (exit code ${code}).`,
    );
  } else if (code === EXIT.badContent) {
    console.error(
      `\nSENDING STOPPED (${report.stopped?.reason}): ${report.stopped?.message}\nNothing more was sent. Fix the tip or template, run \`npm run build\`, then \`npm run send\` again (exit code ${code}).`,
    );
  } else if (report.stopped) {
    console.error(
      `\nSENDING STOPPED (${report.stopped.reason}): ${report.stopped.message}\nNothing more was sent. Run \`npm run send\` again once SES allows it (exit code ${code}).`,
    );
  } else if (code === EXIT.incomplete) {
    console.error(
      `\nRecipients left for a later run: deferred ${report.deferred}, transient ${report.failedTransient}, in flight ${report.inFlight} (another run's claims: if that run died, they are taken over ${Math.round(config.staleClaimSeconds / 60)} minutes after it took them). Run \`npm run send\` again later (exit code ${code}).`,
    );
  }
  return code;
}

runWhenExecuted(import.meta.url, main);
