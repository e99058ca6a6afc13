/**
 * The embedded AWS stand-ins: dynalite (DynamoDB API) and aws-ses-v2-local (SES v2 API with a
 * mailbox at GET /store and a web viewer at /), both on loopback, in this process.
 * Used by `npm start`, the integration tests and the benchmarks.
 */
import { once } from "node:events";
import type { AddressInfo, Server } from "node:net";
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import sesLocalModule from "aws-ses-v2-local";
import dynalite from "dynalite";
import { DynamoStore } from "../../functions/adapters/dynamo-store.js";
import { ACTIVE_SHARDS, tableDefinition } from "../../functions/adapters/dynamo-table.js";
import { SETTINGS } from "../../infra/wiring.js";
import { LOCAL_POSTAL_ADDRESS, localSender } from "../../studio/sample.js";
import { LOCAL_ID_KEY, LOCAL_TOKEN_KEYS } from "./keys.js";

export const LOCAL_HOST = "127.0.0.1";
export const LOCAL_REGION = "us-east-1";
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export interface LocalAwsOptions {
  /** 0 picks a free port. */
  dynamoPort?: number;
  sesPort?: number;
  /** LevelDB folder for dynalite; undefined keeps everything in memory. */
  dataDir?: string;
  tableName?: string;
}

export interface LocalAws {
  dynamoEndpoint: string;
  sesEndpoint: string;
  tableName: string;
  stop(): Promise<void>;
}

/** Raised when a port is taken, with a message a person can act on. */
export class PortInUseError extends Error {
  override name = "PortInUseError";
}

// aws-ses-v2-local is CommonJS with `exports.default`; under ESM the default import is the module.
type StartSes = (config: { host: string; port: number }) => Promise<Server>;
const startSes = ((sesLocalModule as unknown as { default?: StartSes }).default ??
  sesLocalModule) as unknown as StartSes;

/** Listens on LOCAL_HOST:port (0 = any free port); a taken port is a PortInUseError naming `flag`. */
export async function listen(
  server: Server,
  port: number,
  what: string,
  flag: string,
): Promise<number> {
  server.listen(port, LOCAL_HOST);
  try {
    await Promise.race([
      once(server, "listening"),
      once(server, "error").then(([error]) => {
        throw error;
      }),
    ]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new PortInUseError(
        `${what} cannot listen on ${LOCAL_HOST}:${port}: the port is taken. Stop whatever uses it, or pick another with ${flag}.`,
      );
    }
    throw error;
  }
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}

async function startSesOn(port: number): Promise<Server> {
  // aws-ses-v2-local listens by itself; probe the port first so a clash gets a clear message.
  const probe = (await import("node:net")).createServer();
  await listen(probe, port, "The SES stand-in (aws-ses-v2-local)", "--ses-port");
  const chosen = (probe.address() as AddressInfo).port;
  await close(probe);
  return startSes({ host: LOCAL_HOST, port: chosen });
}

/** The subscriber store on a local DynamoDB stand-in. */
export function localStore(endpoint: string, tableName: string): DynamoStore {
  return new DynamoStore({
    tableName,
    shards: ACTIVE_SHARDS,
    clientOptions: { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
  });
}

export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  } finally {
    client.destroy();
  }
}

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const tableName = options.tableName ?? "Subscribers";
  const dynamo = dynalite({
    path: options.dataDir,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const dynamoPort = await listen(
    dynamo,
    options.dynamoPort ?? 0,
    "The DynamoDB stand-in (dynalite)",
    "--dynamo-port",
  );
  let ses: Server;
  try {
    ses = await startSesOn(options.sesPort ?? 0);
  } catch (error) {
    await close(dynamo);
    throw error;
  }
  const sesPort = (ses.address() as AddressInfo).port;
  const dynamoEndpoint = `http://${LOCAL_HOST}:${dynamoPort}`;
  await ensureTable(dynamoEndpoint, tableName);
  return {
    dynamoEndpoint,
    sesEndpoint: `http://${LOCAL_HOST}:${sesPort}`,
    tableName,
    async stop() {
      await Promise.all([close(ses), close(dynamo)]);
    },
  };
}

export { LOCAL_ID_KEY, LOCAL_TOKEN_KEYS };

export interface LocalSettings {
  baseUrl: string;
  fromAddress?: string;
  postalAddress?: string;
  tokenKeys?: string;
  idKey?: string;
  queueUrl?: string;
  outboxUrl?: string;
  extra?: Record<string, string | number>;
}

/**
 * The environment that functions/config.ts reads: the same SST_RESOURCE_* variables SST sets in
 * AWS, plus the stand-ins' endpoints, and the keys as values (TOKEN_KEYS, ID_KEY) where AWS links
 * SSM parameters. No List-Unsubscribe mailto: nothing here receives mail (a test that drives the
 * unsubscribe-by-mail handler sets one). Returned, not applied: callers assign it to process.env.
 */
export function localEnvironment(aws: LocalAws, settings: LocalSettings): Record<string, string> {
  return {
    SST_RESOURCE_App: JSON.stringify({ name: "strength-tips", stage: "local" }),
    SST_RESOURCE_Subscribers: JSON.stringify({ name: aws.tableName }),
    SST_RESOURCE_SendQueue: JSON.stringify({ url: settings.queueUrl ?? "memory://send-queue" }),
    SST_RESOURCE_ConfirmOutbox: JSON.stringify({
      url: settings.outboxUrl ?? "memory://confirm-outbox",
    }),
    SST_RESOURCE_Settings: JSON.stringify({
      baseUrl: settings.baseUrl,
      fromAddress: settings.fromAddress ?? `${localSender()} <tips@example.com>`,
      postalAddress: settings.postalAddress ?? LOCAL_POSTAL_ADDRESS,
      replyTo: `${localSender()} <coach@example.com>`,
      // What the infrastructure sets in AWS (sender concurrency, the claims' stale window).
      ...SETTINGS,
      ...settings.extra,
    }),
    TOKEN_KEYS: settings.tokenKeys ?? LOCAL_TOKEN_KEYS,
    ID_KEY: settings.idKey ?? LOCAL_ID_KEY,
    AWS_REGION: LOCAL_REGION,
    DYNAMODB_ENDPOINT: aws.dynamoEndpoint,
    SES_ENDPOINT: aws.sesEndpoint,
  };
}
