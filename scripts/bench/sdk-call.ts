/**
 * What one SDK call costs the sending process, against what the same request costs without the
 * SDK: the floor is three SDK calls per email (two UpdateItem, one SendEmail), so this is the
 * part of "CPU per email" that no engine can go below. Runs in its own process; input: one JSON
 * argument; output: one JSON line.
 *
 * For each call: the client as the adapters build it (sesClient, dynamoUpdateClient, with a
 * keep-alive agent) against the stand-in, and the very request it sent (headers and body,
 * captured from its first call) sent again by node:http alone. Both run at the same concurrency,
 * in alternating rounds, and the median round is reported.
 */
import http, { Agent } from "node:http";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { type SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { HttpRequest } from "@smithy/core/protocols";
import { dynamoUpdateClient, updateItemInput } from "../../functions/adapters/dynamo-store.js";
import { subscriberKey } from "../../functions/adapters/dynamo-table.js";
import { sendEmailInput, sesClient } from "../../functions/adapters/ses-mailer.js";
import { systemClock } from "../../functions/adapters/system.js";
import { composeEmail } from "../../functions/core/sender.js";
import { inOrder } from "../../functions/core/sequence.js";
import { createSigner } from "../../functions/core/tokens.js";
import { bundle } from "../../functions/generated/content.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local/aws.js";

export interface SdkCallInput {
  dynamo: string;
  ses: string;
  table: string;
  parallel: number;
  /** Calls per round; three rounds of each kind. */
  calls: number;
}

/** CPU-ms per call: through the SDK, and the same request by node:http alone. */
export interface CallCost {
  sdk: number;
  http: number;
}

export interface SdkCallOutput {
  sendEmail: CallCost;
  updateItem: CallCost;
}

const input = JSON.parse(process.argv[2] ?? "{}") as SdkCallInput;
const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };

/** A keep-alive agent, as bench and production clients keep their sockets open. */
const keepAlive = () => ({ httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }) });

/**
 * Keeps the first request a client sends, as it leaves for the socket (signed): a middleware at
 * the end of the stack, nearest the request handler.
 */
function capture(client: { middlewareStack: SESv2Client["middlewareStack"] }): () => HttpRequest {
  let first: HttpRequest | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (!first && HttpRequest.isInstance(args.request)) {
        first = args.request.clone();
      }
      return next(args);
    },
    { step: "deserialize", priority: "low", name: "benchCaptureRequest" },
  );
  return () => {
    if (!first) throw new Error("no request was captured");
    return first;
  };
}

/** Sends the captured request again with node:http, reading the whole answer. */
function replayer(request: HttpRequest): () => Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const body = request.body as string;
  return () =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: request.hostname,
          port: request.port,
          path: request.path,
          method: request.method,
          headers: request.headers,
          agent,
        },
        (res) => {
          // A refused replay would be a different exchange: the figure must not rest on one.
          if ((res.statusCode ?? 0) >= 300) {
            reject(new Error(`the replayed ${request.path} was answered ${res.statusCode}`));
          }
          res.on("data", () => {});
          res.on("end", () => resolve());
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
}

async function cpuPerCall(call: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: input.parallel }, async () => {
      while (next < input.calls) {
        next += 1;
        await call();
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / input.calls;
}

/** Three alternating rounds of each (after one round each to warm up); the medians. */
async function compare(sdk: () => Promise<unknown>, raw: () => Promise<void>): Promise<CallCost> {
  await cpuPerCall(sdk);
  await cpuPerCall(raw);
  const rounds: { sdk: number[]; http: number[] } = { sdk: [], http: [] };
  for (let i = 0; i < 3; i += 1) {
    rounds.sdk.push(await cpuPerCall(sdk));
    rounds.http.push(await cpuPerCall(raw));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
  return { sdk: median(rounds.sdk), http: median(rounds.http) };
}

// SendEmail: one real email of the first tip, as the floor sends it.
const signer = createSigner(
  [{ kid: "bench", secret: "bench-signing-secret-0123456789abcdef" }],
  systemClock,
);
const tip = inOrder(bundle.tips)[0];
if (!tip) throw new Error("no tips in the bundle");
const email = composeEmail(
  { id: "0".repeat(32), email: "reader@example.com", tip: tip.slug },
  tip,
  "2026-W48",
  signer,
  { baseUrl: "https://tips.example.com", postalAddress: "Strength Tips, 1 Example Street" },
);
const ses = sesClient({ ...common, endpoint: input.ses, requestHandler: keepAlive() });
const sesRequest = capture(ses);
const sendEmail = () =>
  ses.send(new SendEmailCommand(sendEmailInput("Tips <tips@example.com>", undefined, email)));
await sendEmail();
const sendEmailCost = await compare(sendEmail, replayer(sesRequest()));

// UpdateItem: one attribute set on one item, the size of the store's claim and mark.
const dynamo = dynamoUpdateClient({
  ...common,
  endpoint: input.dynamo,
  requestHandler: keepAlive(),
});
const dynamoRequest = capture(dynamo);
let n = 0;
const updateItem = () => {
  n += 1;
  return dynamo.send(
    new UpdateItemCommand(
      updateItemInput(input.table, {
        Key: subscriberKey("sdk-call"),
        UpdateExpression: "SET #calls = :n, #at = :at",
        ExpressionAttributeNames: { "#calls": "benchCalls", "#at": "benchAt" },
        ExpressionAttributeValues: { ":n": n, ":at": new Date().toISOString() },
      }),
    ),
  );
};
await updateItem();
const updateItemCost = await compare(updateItem, replayer(dynamoRequest()));

const output: SdkCallOutput = { sendEmail: sendEmailCost, updateItem: updateItemCost };
process.stdout.write(`${JSON.stringify(output)}\n`);
process.exit(0);
