/**
 * `npm run stats`: the operator's numbers, read from the counter items the stores keep as things
 * happen (core/stats.ts), never from a scan: readers by state, each week's signups, sends and
 * what followed them, and each tip's. On the running `npm start` stack, or on a deployed stage
 * with the operator's AWS credentials (dynamodb:Query on the table).
 *
 *   npm run stats [-- --json] [--stage <stage> --table <table> [--region <region>]]
 *
 * Exit 0 printed, 1 the counters could not be read (no stack, no table, AWS refused), 2 bad usage.
 */
import { parseArgs } from "node:util";
import { DynamoStats } from "../functions/adapters/dynamo-stats.js";
import { ACTIVE_SHARDS, DynamoTable } from "../functions/adapters/dynamo-table.js";
import {
  READER_STATES,
  type StatsReport,
  TIP_FIELDS,
  WEEK_FIELDS,
} from "../functions/core/stats.js";
import { isRefused, NO_LOCAL_STACK, runWhenExecuted } from "./cli.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./local/aws.js";
import { readStackFile } from "./local/stack-file.js";

const USAGE =
  "Usage: npm run stats -- [--json] [--weeks <n>] [--stage <stage> --table <table> [--region <region>]]";

/** Weeks the plain form shows (the latest); --json has every one. */
const DEFAULT_WEEKS = 8;

class UsageError extends Error {}

function tableOf(values: { stage?: string; table?: string; region?: string }): DynamoTable {
  if (values.stage !== undefined) {
    if (!values.stage.trim()) throw new UsageError("--stage needs a stage name");
    if (!values.table) throw new UsageError("--stage needs --table (the deploy's `table` output)");
    const region = values.region ?? process.env.AWS_REGION ?? "us-east-1";
    return new DynamoTable({
      tableName: values.table,
      shards: ACTIVE_SHARDS,
      clientOptions: { region },
    });
  }
  const endpoint = process.env.DYNAMODB_ENDPOINT ?? readStackFile()?.dynamoEndpoint;
  if (!endpoint) {
    throw new Error("No local stack is running: start it with `npm start`, or name a --stage.");
  }
  return new DynamoTable({
    tableName: values.table ?? "Subscribers",
    shards: ACTIVE_SHARDS,
    clientOptions: {
      endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    },
  });
}

/** A table of rows under a header, each column as wide as its widest cell. */
function grid(header: string[], rows: Array<Array<string | number>>): string[] {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells.map((r) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

/** The plain form: readers on one line, then the latest weeks and every tip. */
export function formatStats(report: StatsReport, weeks = DEFAULT_WEEKS): string {
  const total = READER_STATES.reduce((n, s) => n + report.readers[s], 0);
  const lines = [
    `Readers: ${READER_STATES.map((s) => `${s} ${report.readers[s]}`).join(", ")} (${total} in all)`,
    "",
  ];
  const shown = report.weeks.slice(-weeks);
  if (shown.length === 0) lines.push("No weeks counted yet.");
  else {
    lines.push(
      ...grid(
        ["week", ...WEEK_FIELDS],
        shown.map((w) => [w.week, ...WEEK_FIELDS.map((f) => w[f])]),
      ),
    );
    const earlier = report.weeks.length - shown.length;
    if (earlier > 0)
      lines.push(`(${earlier} earlier weeks: --weeks ${report.weeks.length}, or --json)`);
  }
  lines.push("");
  if (report.tips.length === 0) lines.push("No tips sent yet.");
  else {
    lines.push(
      ...grid(
        ["tip", ...TIP_FIELDS],
        report.tips.map((t) => [t.slug, ...TIP_FIELDS.map((f) => t[f])]),
      ),
    );
  }
  return lines.join("\n");
}

/** One line saying why the counters could not be read. */
function problem(error: unknown, table: DynamoTable): string {
  const name = (error as { name?: string })?.name ?? "";
  if (name === "ResourceNotFoundException") return `There is no table named ${table.name} there.`;
  if (isRefused(error)) return NO_LOCAL_STACK;
  if (/Credentials|AccessDenied|UnrecognizedClient|ExpiredToken/.test(name)) {
    return `AWS refused the read (${name}): run it with credentials that may Query ${table.name}.`;
  }
  return `The counters could not be read: ${(error as Error)?.message ?? String(error)}`;
}

export async function main(argv: string[]): Promise<number> {
  let values: {
    json?: boolean;
    help?: boolean;
    weeks?: string;
    stage?: string;
    table?: string;
    region?: string;
  };
  let table: DynamoTable;
  let weeks = DEFAULT_WEEKS;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        weeks: { type: "string" },
        stage: { type: "string" },
        table: { type: "string" },
        region: { type: "string" },
      },
    }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (values.weeks !== undefined) {
      if (!/^[1-9]\d{0,3}$/.test(values.weeks)) {
        throw new UsageError(`--weeks takes a whole number from 1 to 9999, not "${values.weeks}"`);
      }
      weeks = Number(values.weeks);
    }
    if (values.table !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(values.table)) {
      throw new UsageError(`"${values.table}" is not a DynamoDB table name`);
    }
    table = tableOf(values);
  } catch (error) {
    const message = (error as Error).message.split("\n")[0];
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      console.error(`npm run stats: ${message}. ${USAGE}`);
      return 2;
    }
    console.error(message);
    return 1;
  }
  let report: StatsReport;
  try {
    report = await new DynamoStats(table).read();
  } catch (error) {
    console.error(problem(error, table));
    return 1;
  }
  console.log(values.json ? JSON.stringify(report) : formatStats(report, weeks));
  return 0;
}

runWhenExecuted(import.meta.url, main);
