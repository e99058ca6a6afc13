/**
 * `npm start`: the whole newsletter on this machine, in one process, with no Docker or Java.
 *
 *   dynalite (DynamoDB API)      data in .data/dynamo unless --in-memory
 *   aws-ses-v2-local (SES v2)    every email sent, viewable in the browser
 *   node:http                    each request adapted to an API Gateway v2 event and handed to
 *                                functions/http/api.ts, the same handler that runs in Lambda
 *   confirmation outbox          an in-process twin of ConfirmOutbox, drained by the Lambda's
 *                                functions/events/confirm-outbox.ts (scripts/local/outbox.ts)
 *
 * Flags: --port 3000 --dynamo-port 8000 --ses-port 8005 --in-memory --skip-build
 * TOKEN_KEYS and ID_KEY (optional) replace the local keys; they are checked as a Lambda's cold
 * start checks the stage's keys (a short, repeated or patterned key stops it before it listens).
 * startStack() is also what the integration and browser tests use (on random ports).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { DEFAULT_SITE_DIR } from "../compiler/paths.js";
import type { EventBus } from "../functions/core/events.js";
import { KeyringError, parseKeyring, parseSecret } from "../functions/core/tokens.js";
import { localSender } from "../studio/sample.js";
import {
  LOCAL_HOST,
  type LocalAws,
  localEnvironment,
  PortInUseError,
  startLocalAws,
} from "./local/aws.js";
import { type LocalEvents, logBus, startLocalEvents } from "./local/events.js";
import { closeHttp, createHttpServer, type HttpHandler, listenHttp } from "./local/http-adapter.js";
import { LOCAL_ID_KEY, LOCAL_TOKEN_KEYS } from "./local/keys.js";
import { type LocalOutbox, startLocalOutbox } from "./local/outbox.js";
import {
  keyFingerprint,
  readStackFile,
  removeStackFile,
  writeStackFile,
} from "./local/stack-file.js";

/** A start-up problem with a message a person can act on. */
class StartError extends Error {
  override name = "StartError";
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface StackOptions {
  /** 0 (the default) picks free ports. */
  port?: number;
  dynamoPort?: number;
  sesPort?: number;
  /** dynalite's LevelDB folder; undefined keeps the data in memory. */
  dataDir?: string;
  /** Extra Settings values (e.g. unsubscribeMailto), as localEnvironment() takes them. */
  settings?: Record<string, string | number>;
  /** Tests only: take the client IP from X-Forwarded-For (see http-adapter.ts). */
  trustForwardedFor?: boolean;
  /** LOG_LEVEL for the handlers; defaults to the environment's, else WARN. */
  logLevel?: string;
  /** The token keyring; defaults to TOKEN_KEYS from the environment, else a local key. */
  tokenKeys?: string;
  /** The id key; defaults to ID_KEY from the environment, else a local key. */
  idKey?: string;
  /** Tests only: the SES endpoint the handlers call (e.g. a proxy that fails on purpose). */
  sesEndpoint?: string;
  /** Where the readers' events go (npm start: a log line each); default nowhere. */
  eventBus?: EventBus;
}

export interface Stack {
  /** http://127.0.0.1:<port>, also settings().baseUrl. */
  baseUrl: string;
  aws: LocalAws;
  /** The environment applied to process.env (what config.ts reads). */
  env: Record<string, string>;
  /** The confirmation outbox, drained in this process by the Lambda's handler. */
  outbox: LocalOutbox;
  /** The readers' events, from the stores' changes in this process (no stream locally). */
  events: LocalEvents;
  stop(): Promise<void>;
}

/**
 * Starts the stand-ins and the HTTP server, applies the local environment to process.env and only
 * then imports the handler (config reads the environment once per process).
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const tokenKeys = options.tokenKeys ?? process.env.TOKEN_KEYS;
  const idKey = options.idKey ?? process.env.ID_KEY;
  // The same checks as a Lambda's cold start, before anything listens.
  if (tokenKeys !== undefined) parseKeyring(tokenKeys, "TOKEN_KEYS");
  if (idKey !== undefined) parseSecret(idKey, "ID_KEY");
  // Requests that arrive while the stand-ins start and the handler loads wait for it, rather than
  // failing: the port must be open first, because the base URL in the links names it.
  let loaded: (handler: HttpHandler) => void = () => {};
  let failed: (error: unknown) => void = () => {};
  const handler = new Promise<HttpHandler>((resolve, reject) => {
    loaded = resolve;
    failed = reject;
  });
  handler.catch(() => {});
  const server: Server = createHttpServer(
    async (event: APIGatewayProxyEventV2) => (await handler)(event),
    {
      trustForwardedFor: options.trustForwardedFor ?? false,
      onError: (error) => console.error("local http adapter:", error),
      // The figures, icons and social cards the build drew (emails link them here too).
      siteDir: DEFAULT_SITE_DIR,
    },
  );
  const port = await listenHttp(server, options.port ?? 0, "--port");
  let aws: LocalAws;
  try {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    aws = await startLocalAws({
      dynamoPort: options.dynamoPort ?? 0,
      sesPort: options.sesPort ?? 0,
      dataDir: options.dataDir,
    });
  } catch (error) {
    failed(error);
    await closeHttp(server);
    throw error;
  }
  const baseUrl = `http://${LOCAL_HOST}:${port}`;
  const env: Record<string, string> = {
    ...localEnvironment(aws, {
      baseUrl,
      ...(tokenKeys === undefined ? {} : { tokenKeys }),
      ...(idKey === undefined ? {} : { idKey }),
      ...(options.settings ? { extra: options.settings } : {}),
    }),
    LOG_LEVEL: options.logLevel ?? process.env.LOG_LEVEL ?? "WARN",
    ...(options.sesEndpoint ? { SES_ENDPOINT: options.sesEndpoint } : {}),
  };
  Object.assign(process.env, env);
  const events = startLocalEvents(options.eventBus ?? { publish: async () => {} });
  const { listenToTableChanges } = await import("../functions/runtime/table-changes.js");
  listenToTableChanges(events.listener);
  const api = await import("../functions/http/api.js");
  loaded(api.handler);
  const { outboxUrl } = await import("../functions/config.js");
  const outbox = await startLocalOutbox(outboxUrl());
  return {
    baseUrl,
    aws,
    env,
    outbox,
    events,
    async stop() {
      await closeHttp(server);
      await outbox.stop();
      listenToTableChanges(undefined);
      events.stop();
      await aws.stop();
    },
  };
}

/** The content module the last good build wrote (gitignored: absent on a fresh clone). */
const BUILT_CONTENT = join(ROOT, "functions/generated/content.ts");

/**
 * Builds the content. A failed build (a tip being written, its TODOs left) does not stop the
 * stack when an earlier build is there: the stack serves that one and says so.
 */
export function build(
  args: string[] = [],
  built = BUILT_CONTENT,
  log: (line: string) => void = console.error,
): void {
  // The runway is reported once the local table is up (below), not by the build.
  const result = spawnSync("npm", ["run", "--silent", "build", "--", "--skip-runway", ...args], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (result.status === 0) return;
  if (!existsSync(built)) {
    throw new StartError(
      `npm run build failed (exit code ${result.status ?? result.signal}), and there is no earlier build to serve: fix the problems above.`,
    );
  }
  log(
    "\n⚠ npm run build failed (the problems are above): serving the last good build. Fix them and restart npm start to serve the new content.\n",
  );
}

function portFlag(value: string | undefined, name: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new StartError(
      `--${name} must be a port number (0-65535), not ${JSON.stringify(value)}.`,
    );
  }
  return port;
}

const USAGE =
  "Usage: npm start -- [--port 3000] [--dynamo-port 8000] [--ses-port 8005] [--in-memory] [--skip-build]";

function parseStartArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        port: { type: "string", default: "3000" },
        "dynamo-port": { type: "string", default: "8000" },
        "ses-port": { type: "string", default: "8005" },
        "in-memory": { type: "boolean", default: false },
        "skip-build": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    throw new StartError(`${(error as Error).message}\n${USAGE}`);
  }
}

async function main(): Promise<void> {
  const values = parseStartArgs(process.argv.slice(2));
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = portFlag(values.port, "port");
  const dynamoPort = portFlag(values["dynamo-port"], "dynamo-port");
  const sesPort = portFlag(values["ses-port"], "ses-port");
  if (!values["skip-build"]) build();

  const running = readStackFile();
  if (running) {
    throw new StartError(
      `Another npm start is running in this checkout (pid ${running.pid}, ${running.baseUrl}). ` +
        "Stop it first (Ctrl-C in its terminal): npm run send and npm run check talk to the one recorded in .data/local-stack.json.",
    );
  }
  const dataDir = values["in-memory"] ? undefined : join(ROOT, ".data/dynamo");
  const stack = await startStack({ port, dynamoPort, sesPort, dataDir, eventBus: logBus });
  // `npm run send` and `npm run check` find this stack on whatever ports it was given.
  writeStackFile({
    baseUrl: stack.baseUrl,
    dynamoEndpoint: stack.aws.dynamoEndpoint,
    sesEndpoint: stack.aws.sesEndpoint,
    keys: {
      token: keyFingerprint(process.env.TOKEN_KEYS ?? LOCAL_TOKEN_KEYS),
      id: keyFingerprint(process.env.ID_KEY ?? LOCAL_ID_KEY),
    },
  });

  console.log(`
${localSender()}: local stack is up

  Signup page      ${stack.baseUrl}/
  Mailbox viewer   ${stack.aws.sesEndpoint}/   (every email sent; JSON at ${stack.aws.sesEndpoint}/store)
  DynamoDB         ${stack.aws.dynamoEndpoint}   table ${stack.aws.tableName}, ${dataDir ? `data in ${dataDir}` : "in memory"}

  Send this week's tip now:   npm run send -- --week $(date +%G-W%V)
                              (in another terminal: it finds this stack's ports; plain
                              npm run send sends only readers whose slot has come)
  Readers' events (docs/events.md) appear below as "event <type> {…}" lines.

Press Ctrl-C to stop.
`);
  const { reportRunway } = await import("./runway.js");
  await reportRunway({ endpoint: stack.aws.dynamoEndpoint, tableName: stack.aws.tableName });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    removeStackFile();
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("error while stopping:", error);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // A problem a person can act on gets one line; anything else its stack.
    console.error(
      error instanceof PortInUseError ||
        error instanceof StartError ||
        error instanceof KeyringError
        ? error.message
        : error,
    );
    process.exit(1);
  });
}
