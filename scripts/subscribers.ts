/**
 * `npm run subscribers`: the operator's side of the list, on the running `npm start` stack, or on
 * a deployed stage with the operator's AWS credentials (docs/operating.md has every form and exit
 * code). The import and export logic is in functions/core/import.ts and export.ts; this file
 * reads and writes the files, shows progress and prints the summary.
 *
 * Locally the id key is ID_KEY, else the local stack's; DYNAMODB_ENDPOINT overrides the stack's.
 */

import { once } from "node:events";
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { finished } from "node:stream/promises";
import { parseArgs } from "node:util";
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { SingleBar } from "cli-progress";
import { parse } from "csv-parse";
import { stringify } from "csv-stringify";
import { DynamoRoster } from "../functions/adapters/dynamo-roster.js";
import { DynamoSubscribers } from "../functions/adapters/dynamo-subscribers.js";
import { ACTIVE_SHARDS, DynamoTable } from "../functions/adapters/dynamo-table.js";
import { systemClock } from "../functions/adapters/system.js";
import type { DeliveryOutcome, SignupRequest } from "../functions/core/confirmations.js";
import { type KeyedHashes, keyedHashes } from "../functions/core/email.js";
import { BadRequestError } from "../functions/core/errors.js";
import { EXPORT_COLUMNS, exportRows } from "../functions/core/export.js";
import {
  type ImportColumns,
  type ImportReport,
  type ImportRow,
  importColumns,
  importReaders,
} from "../functions/core/import.js";
import { eraseReader, idOfAddress, readerData } from "../functions/core/rights.js";
import type { DeliverySlot } from "../functions/core/schedule.js";
import { parseSecret } from "../functions/core/tokens.js";
import { keyParameter } from "../infra/wiring.js";
import { isRefused, NO_LOCAL_STACK, onInterrupt, runWhenExecuted } from "./cli.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./local/aws.js";
import { LOCAL_ID_KEY, LOCAL_TOKEN_KEYS } from "./local/keys.js";
import { keysMismatch, readStackFile } from "./local/stack-file.js";

const USAGE = `Usage:
  npm run subscribers -- import <file.csv> [--consented "<source>"] [--dry-run]
  npm run subscribers -- export [--out <file.csv>]     every reader, as CSV
  npm run subscribers -- export <address>              one reader's data, as JSON
  npm run subscribers -- erase <address>
  … --stage <stage> --table <table> [--region <region>]   a deployed stage`;

/** The exit codes (docs/operating.md). */
export const EXIT = {
  done: 0,
  error: 1,
  usage: 2,
  /** The import finished; some rows were refused (each reported with its line). */
  badRows: 3,
  /** The import finished; some invitations wait for a later hour's budget: run it again then. */
  waiting: 4,
  interrupted: 130,
} as const;

/** Bad input the operator can fix: one line, exit 2. */
class UsageError extends Error {
  override name = "UsageError";
}

interface Values {
  stage?: string | undefined;
  table?: string | undefined;
  region?: string | undefined;
}

interface Target {
  table: DynamoTable;
  hashes: KeyedHashes;
  local?: { dynamoEndpoint: string };
}

async function target(values: Values): Promise<Target> {
  if (process.env.SST_RESOURCE_Subscribers && !values.table) {
    // Inside `npx sst shell --stage <stage>`: the stage's own table and id key, from its links.
    const config = await import("../functions/config.js");
    const keys = await import("../functions/runtime/keys.js");
    await keys.loadKeys({ id: true });
    return {
      table: new DynamoTable({
        tableName: config.tableName(),
        shards: ACTIVE_SHARDS,
        clientOptions: config.clientOptions(config.aws().DYNAMODB_ENDPOINT),
      }),
      hashes: keys.addressHashes(),
    };
  }
  if (values.stage) {
    if (!values.table) throw new UsageError("--stage needs --table (the deploy's `table` output)");
    const region = values.region ?? process.env.AWS_REGION ?? "us-east-1";
    const name = keyParameter(values.stage, "id-key");
    const ssm = new SSMProvider({ clientConfig: { region } });
    const raw = await ssm.get(name, { decrypt: true });
    if (typeof raw !== "string") throw new Error(`the SSM parameter ${name} is empty`);
    return {
      table: new DynamoTable({
        tableName: values.table,
        shards: ACTIVE_SHARDS,
        clientOptions: { region },
      }),
      hashes: keyedHashes(parseSecret(raw, name)),
    };
  }
  const running = readStackFile();
  const endpoint = process.env.DYNAMODB_ENDPOINT ?? running?.dynamoEndpoint;
  if (!endpoint) {
    throw new Error("No local stack is running: start it with `npm start`, or name a --stage.");
  }
  const mismatch = keysMismatch(
    running,
    {
      tokenKeys: process.env.TOKEN_KEYS ?? LOCAL_TOKEN_KEYS,
      idKey: process.env.ID_KEY ?? LOCAL_ID_KEY,
    },
    endpoint,
  );
  if (mismatch) throw new Error(mismatch);
  return {
    table: new DynamoTable({
      tableName: values.table ?? "Subscribers",
      shards: ACTIVE_SHARDS,
      clientOptions: { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
    }),
    hashes: keyedHashes(parseSecret(process.env.ID_KEY ?? LOCAL_ID_KEY, "ID_KEY")),
    local: { dynamoEndpoint: endpoint },
  };
}

/**
 * The outbox's own delivery of a signup (core/confirmations.ts), wired as the outbox Lambda wires
 * it: on a stage from its links (`npx sst shell --stage <stage> -- npm run subscribers …`),
 * locally from the running stack.
 */
async function confirmer(
  t: Target,
  values: Values,
): Promise<{
  confirm: (request: SignupRequest) => Promise<DeliveryOutcome>;
  isBudgetSpent: (error: unknown) => boolean;
}> {
  if (!process.env.SST_RESOURCE_Settings) {
    if (!t.local) {
      throw new UsageError(
        `an import without --consented sends confirmation emails, which needs the stage's links: npx sst shell --stage ${values.stage} -- npm run subscribers -- import …`,
      );
    }
    const running = readStackFile();
    const { localEnvironment } = await import("./local/aws.js");
    Object.assign(
      process.env,
      localEnvironment(
        {
          dynamoEndpoint: t.local.dynamoEndpoint,
          sesEndpoint: process.env.SES_ENDPOINT ?? running?.sesEndpoint ?? "http://127.0.0.1:8005",
          tableName: t.table.name,
          stop: async () => {},
        },
        {
          baseUrl: process.env.BASE_URL ?? running?.baseUrl ?? "http://127.0.0.1:3000",
          ...(process.env.ID_KEY ? { idKey: process.env.ID_KEY } : {}),
          ...(process.env.TOKEN_KEYS ? { tokenKeys: process.env.TOKEN_KEYS } : {}),
        },
      ),
    );
  }
  const { ConfirmationDeferredError, deliverConfirmation } = await import(
    "../functions/core/confirmations.js"
  );
  const { settings } = await import("../functions/config.js");
  const keys = await import("../functions/runtime/keys.js");
  const { confirmationMailer } = await import("../functions/runtime/mailer.js");
  const store = await import("../functions/runtime/store.js");
  let emails: import("../functions/core/types.js").SystemEmails;
  try {
    emails = (await import("../functions/generated/content.js")).bundle.emails;
  } catch {
    throw new Error("functions/generated/content.ts is missing: run `npm run build` first.");
  }
  await keys.loadKeys({ tokens: true, id: true });
  const { baseUrl, postalAddress, unsubscribeMailto, confirmationsPerHour } = settings();
  const deps = {
    subscribers: store.subscriberStore(),
    limits: store.limits(),
    mailer: confirmationMailer(),
    clock: systemClock,
    signer: keys.tokenSigner(),
    hashes: keys.addressHashes(),
    emails,
    site: { baseUrl, postalAddress, ...(unsubscribeMailto ? { unsubscribeMailto } : {}) },
    confirmationsPerHour,
  };
  return {
    confirm: (request) => deliverConfirmation(deps, request),
    isBudgetSpent: (error) => error instanceof ConfirmationDeferredError,
  };
}

/** Checks that `file` is a readable file; UsageError otherwise. */
function fileSize(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new UsageError(`${file} is not a file`);
    return stat.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : code}`);
  }
}

interface CsvFile {
  columns: ImportColumns;
  rows: AsyncGenerator<ImportRow>;
  /** Records the parser could not read (an unclosed quote): line and reason. */
  unreadable: Array<{ line: number; reason: string }>;
}

/** The file's header and its data rows, streamed (csv-parse); `onBytes` follows the reading. */
async function readCsv(
  file: string,
  onBytes: (bytes: number) => void,
  stop: () => boolean,
): Promise<CsvFile> {
  const input = createReadStream(file);
  let bytes = 0;
  input.on("data", (data) => {
    bytes += data.length;
    onBytes(bytes);
  });
  const unreadable: Array<{ line: number; reason: string }> = [];
  const parser = input.pipe(
    parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      info: true,
    }),
  );
  parser.on("skip", (error: Error & { lines?: number }) => {
    unreadable.push({ line: error.lines ?? 0, reason: `unreadable CSV: ${error.message}` });
  });
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<{
    record: string[];
    info: { lines: number };
  }>;
  const first = await records.next();
  if (first.done) throw new UsageError(`${file} is empty: the first line must name the columns`);
  const columns = importColumns(first.value.record);
  async function* rows(): AsyncGenerator<ImportRow> {
    while (!stop()) {
      const next = await records.next();
      if (next.done) return;
      yield { line: next.value.info.lines, cells: next.value.record };
    }
    input.destroy();
  }
  return { columns, rows: rows(), unreadable };
}

const LABELS: Array<[keyof Omit<ImportReport, "invalid">, string]> = [
  ["rows", "rows read"],
  ["added", "added, active (with consent)"],
  ["invited", "invited (confirmation sent)"],
  ["toInvite", "to invite (a confirmation each; nothing sent yet)"],
  ["existing", "already on the list"],
  ["suppressed", "left, bounced or complained: not added"],
  ["erased", "erased: not added"],
  ["duplicates", "the same mailbox as an earlier row"],
  ["waiting", "waiting for a later hour's confirmation budget"],
];

/**
 * The stage's delivery day and hour, which a row's day or hour alone completes: from its links
 * (`npx sst shell`); without them, the import core's Monday 07:00.
 */
async function stageSlot(): Promise<{ slot?: DeliverySlot }> {
  if (!process.env.SST_RESOURCE_Settings) return {};
  const { scheduleOf, settings } = await import("../functions/config.js");
  return { slot: scheduleOf(settings()).slot };
}

async function runImport(
  file: string,
  values: Values & { consented?: string | undefined; "dry-run"?: boolean | undefined },
): Promise<number> {
  if (values.consented !== undefined && values.consented.trim() === "") {
    throw new UsageError(
      '--consented needs the source of the consent, e.g. --consented "Old tool, 2026-11"',
    );
  }
  const size = fileSize(file);
  const t = await target(values);
  const dryRun = values["dry-run"] === true;
  const consented = values.consented?.trim();
  const bar =
    process.stderr.isTTY && size > 0
      ? new SingleBar({
          format: "importing [{bar}] {percentage}% | {rows} rows",
          stream: process.stderr,
        })
      : undefined;
  let interrupted = false;
  const stopListening = onInterrupt(() => {
    interrupted = true;
  });
  try {
    bar?.start(size, 0, { rows: 0 });
    const csv = await readCsv(
      file,
      (bytes) => bar?.update(bytes),
      () => interrupted,
    );
    if (csv.columns.ignored.length > 0) {
      console.error(`Ignored columns: ${csv.columns.ignored.join(", ")}`);
    }
    // Invitations go through the outbox's own delivery; a dry run or consent sends nothing.
    const delivery =
      consented === undefined && !dryRun
        ? await confirmer(t, values)
        : { confirm: async () => "not-needed" as const, isBudgetSpent: () => false };
    const report = await importReaders(
      {
        roster: new DynamoRoster(t.table),
        hashes: t.hashes,
        ...delivery,
        ...(await stageSlot()),
      },
      csv.columns,
      csv.rows,
      { dryRun, now: systemClock.now(), ...(consented === undefined ? {} : { consented }) },
      (progress) => bar?.update({ rows: progress.rows }),
    );
    bar?.stop();
    const invalid = [...report.invalid, ...csv.unreadable].sort((a, b) => a.line - b.line);
    for (const bad of invalid) console.error(`line ${bad.line}: ${bad.reason}`);
    console.log(
      `${dryRun ? "Dry run (nothing written, nothing sent): " : ""}${path.basename(file)}`,
    );
    // A dry run sends nothing, so nobody is invited or waiting yet: it says whom it would invite.
    const shown = LABELS.filter(([key]) =>
      dryRun ? key !== "invited" && key !== "waiting" : key !== "toInvite",
    );
    for (const [key, label] of shown) console.log(`  ${label.padEnd(48)} ${report[key]}`);
    if (dryRun && report.toInvite > 0) {
      console.log(
        "Invitations go out within the hourly confirmation budget (an import takes a tenth of it): a list larger than that takes a run each hour.",
      );
    }
    console.log(`  ${"refused (line and reason above)".padEnd(48)} ${invalid.length}`);
    if (interrupted) {
      console.log("Interrupted: run the same import again to finish it.");
      return EXIT.interrupted;
    }
    if (report.waiting > 0) {
      console.log(
        "Some invitations wait for the hourly budget: run the same import again in an hour.",
      );
      return EXIT.waiting;
    }
    return invalid.length > 0 ? EXIT.badRows : EXIT.done;
  } finally {
    bar?.stop();
    stopListening();
  }
}

/** Every reader as CSV, to `out` (written whole, then moved into place) or standard output. */
async function runExport(values: Values & { out?: string | undefined }): Promise<number> {
  const t = await target(values);
  const temporary = values.out ? `${values.out}.partial-${process.pid}` : undefined;
  const sink = temporary ? createWriteStream(temporary) : process.stdout;
  const csv = stringify({
    header: true,
    columns: [...EXPORT_COLUMNS],
    quoted: true,
    quoted_empty: true,
  });
  csv.pipe(sink, { end: temporary !== undefined });
  let count = 0;
  try {
    for await (const row of exportRows(new DynamoRoster(t.table))) {
      if (!csv.write(row)) await once(csv, "drain");
      count += 1;
    }
    csv.end();
    await finished(csv);
    if (temporary && values.out) {
      await finished(sink);
      renameSync(temporary, values.out);
    }
  } catch (error) {
    if (temporary) rmSync(temporary, { force: true });
    throw error;
  }
  console.error(`Exported ${count} readers${values.out ? ` to ${values.out}` : ""}.`);
  return EXIT.done;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        stage: { type: "string" },
        table: { type: "string" },
        region: { type: "string" },
        consented: { type: "string" },
        "dry-run": { type: "boolean" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return EXIT.done;
    }
    const [command, argument, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
    const importOnly = values.consented !== undefined || values["dry-run"] !== undefined;
    if (command !== "import" && importOnly) {
      throw new UsageError("--consented and --dry-run belong to import");
    }
    if (command === "import") {
      if (!argument) throw new UsageError("import needs a CSV file: import <file.csv>");
      return await runImport(argument, values);
    }
    if (command === "export" && argument === undefined) return await runExport(values);
    if (values.out !== undefined)
      throw new UsageError("--out belongs to export without an address");
    if (command === "erase" && !argument)
      throw new UsageError("erase needs an address: erase <address>");
    if (command !== "erase" && command !== "export") {
      throw new UsageError(command ? `unknown command: ${command}` : "no command given");
    }
    return await single(command, argument as string, values);
  } catch (error) {
    if (isRefused(error)) {
      console.error(NO_LOCAL_STACK);
      return EXIT.error;
    }
    const usage =
      error instanceof UsageError ||
      error instanceof BadRequestError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    if (!usage) throw error;
    console.error(`${(error as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
}

/** Each built tip's title by slug, as the reader's own download names them (none if not built). */
async function tipTitles(): Promise<Map<string, string>> {
  try {
    const { bundle } = await import("../functions/generated/content.js");
    return new Map(bundle.tips.map((tip) => [tip.slug, tip.title]));
  } catch {
    return new Map();
  }
}

/** `erase` or `export` of one address. */
async function single(command: "erase" | "export", address: string, values: Values) {
  const { table, hashes } = await target(values);
  const subscribers = new DynamoSubscribers(table);
  const id = idOfAddress(hashes, address);
  if (command === "export") {
    const found = await subscribers.get(id);
    if (!found) {
      console.error("Nobody with that address is on the list (or it was erased).");
      return EXIT.error;
    }
    console.log(JSON.stringify(readerData(found, await tipTitles(), systemClock.now()), null, 2));
    return EXIT.done;
  }
  const result = await eraseReader({ subscribers, clock: systemClock }, id);
  console.log(
    result === "erased"
      ? "Erased: only the keyed hash of the address is left, as the erasure mark."
      : "Nobody with that address was on the list; the erasure mark is left all the same.",
  );
  return EXIT.done;
}

runWhenExecuted(import.meta.url, main);
