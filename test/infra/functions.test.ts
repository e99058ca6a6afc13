/**
 * Each deployed function, run as AWS would run it: its handler in a process of its own with only
 * the links the evaluated graph gives it, against the stand-ins (dynalite, aws-ses-v2-local, moto
 * for SQS) behind a proxy that records every AWS call. A reader signs up, confirms, gets a tip,
 * complains; the breaker trips. Each function must read only links it has and use each one, and
 * call exactly the actions its role allows.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateEventBusCommand, EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { APIGatewayProxyEventV2, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEND_RESERVE_MS } from "../../functions/adapters/ses-mailer.js";
import type { SendBatch } from "../../functions/core/planner.js";
import { evaluateGraph, type Graph } from "../../scripts/infra/graph/index.js";
import { ensureTable, type LocalAws, startLocalAws } from "../../scripts/local/aws.js";
import { LOCAL_ID_KEY, LOCAL_TOKEN_KEYS } from "../../scripts/local/keys.js";
import { type Recorder, startRecorder } from "../support/aws-recorder.js";
import { actionsOf, deployedFunctions, one } from "../support/graph.js";
import { subscriberId } from "../support/ids.js";
import { type Moto, motoMissing, startMoto } from "../support/moto.js";
import { sesEmails } from "../support/ses-local.js";
import { signed } from "../support/sns.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CHILD = path.join(ROOT, "test/support/handler-child.ts");
const TSX = path.join(ROOT, "node_modules/tsx/dist/esm/index.mjs");
const READER = "runner@reader.test";
const PAUSER = "pauser@reader.test";
const missing = motoMissing();

let graph: Graph;
let local: LocalAws;
let moto: Moto;
let recorder: Recorder;
let sqs: SQSClient;

interface Run {
  linksRead: string[];
  results: unknown[];
  error?: string;
  actions: string[];
}

/** The links a function was deployed with, by its handler file. */
function linksOf(file: string): Record<string, unknown> {
  const handler = `${file.replace(/\.ts$/, "")}.handler`;
  const built = graph.functions.find((f) => f.handler === handler);
  if (!built) throw new Error(`no function deployed for ${file}`);
  return built.links;
}

async function run(
  file: string,
  events: unknown[],
  options: { sns?: string; at?: Date; remainingMs?: number } = {},
): Promise<Run> {
  recorder.take();
  const input = {
    file,
    links: linksOf(file),
    events,
    snsCertificate: options.sns,
    at: options.at?.toISOString(),
    remainingMs: options.remainingMs,
  };
  const result = await new Promise<Omit<Run, "actions">>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX, CHILD, JSON.stringify(input)], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit", "pipe"],
      env: {
        PATH: process.env.PATH,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
        DYNAMODB_ENDPOINT: recorder.endpoints.dynamodb,
        SES_ENDPOINT: recorder.endpoints.ses,
        SQS_ENDPOINT: recorder.endpoints.sqs,
        SSM_ENDPOINT: recorder.endpoints.ssm,
        EVENTBRIDGE_ENDPOINT: recorder.endpoints.events,
        LOG_LEVEL: "SILENT",
        POWERTOOLS_METRICS_DISABLED: "true",
      },
    });
    let data = "";
    child.stdio[3]?.on("data", (chunk) => {
      data += chunk;
    });
    child.on("error", reject);
    child.on("close", () => {
      try {
        resolve(JSON.parse(data));
      } catch {
        reject(new Error(`${file} ended without a result`));
      }
    });
  });
  return { ...result, actions: [...new Set(recorder.take())].sort() };
}

function http(
  method: string,
  url: string,
  options: { body?: string; contentType?: string } = {},
): APIGatewayProxyEventV2 {
  const parsed = new URL(url, "https://tips.runner.test");
  const headers: Record<string, string> = {
    host: parsed.host,
    "user-agent": "functions-test",
    "sec-fetch-site": "same-origin",
    ...(options.contentType ? { "content-type": options.contentType } : {}),
  };
  const query = Object.fromEntries(parsed.searchParams);
  const now = new Date();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: parsed.pathname,
    rawQueryString: parsed.search.slice(1),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: "123456789012",
      apiId: "api0123456",
      domainName: parsed.host,
      domainPrefix: "tips",
      http: {
        method,
        path: parsed.pathname,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "functions-test",
      },
      requestId: `r-${now.getTime()}`,
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(options.body ? { body: options.body } : {}),
    isBase64Encoded: false,
  };
}

/** What Lambda's event source would deliver from a moto queue, all at once. */
async function drain(queueUrl: string): Promise<SQSEvent> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return {
    Records: Messages.map((m) => ({
      messageId: m.MessageId ?? "",
      receiptHandle: m.ReceiptHandle ?? "",
      body: m.Body ?? "",
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: String(Date.now()),
        SenderId: "AIDA",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:queue",
      awsRegion: "us-east-1",
    })),
  };
}

async function mailbox(): Promise<{ subject: string; html: string; text: string; to: string[] }[]> {
  return (await sesEmails(local.sesEndpoint)).map((e) => ({
    subject: e.subject,
    html: e.body.html ?? "",
    text: e.body.text ?? "",
    to: e.destination.to,
  }));
}

function linkIn(text: string, pathPrefix: string): string {
  const match = new RegExp(`https?://[^\\s"<>]*${pathPrefix.replace("/", "\\/")}[^\\s"<>]*`).exec(
    text,
  );
  if (!match) throw new Error(`no ${pathPrefix} link in the email`);
  return match[0].replace(/&amp;/g, "&");
}

const queueUrl = (link: string) =>
  (linksOf(link === "SendQueue" ? HANDLERS.weekly : HANDLERS.api)[link] as { url: string }).url;

const HANDLERS = {
  api: "functions/http/api.ts",
  confirmOutbox: "functions/events/confirm-outbox.ts",
  weekly: "functions/cron/weekly.ts",
  sendBatch: "functions/events/send-batch.ts",
  sesEvents: "functions/events/ses.ts",
  pauseSending: "functions/events/pause-sending.ts",
  tableStream: "functions/events/table-stream.ts",
} as const;
type Key = keyof typeof HANDLERS;

const runs: Partial<Record<Key, Run[]>> = {};
const record = (key: Key, result: Run) => {
  runs[key] = [...(runs[key] ?? []), result];
  return result;
};

beforeAll(async () => {
  if (missing) return;
  graph = await evaluateGraph({ stage: "alice", senderEmail: "alice@runner.test" }, "ignore");
  local = await startLocalAws();
  moto = await startMoto();
  recorder = await startRecorder({
    dynamodb: local.dynamoEndpoint,
    ses: local.sesEndpoint,
    sqs: moto.endpoint,
    ssm: moto.endpoint,
    events: moto.endpoint,
  });
  // What the operator does once per stage (`npm run keys`, docs/deploying.md).
  const ssm = new SSMClient({
    region: "us-east-1",
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const keys = linksOf(HANDLERS.api).Keys as { tokenKeys: string; idKey: string };
  for (const [name, value] of [
    [keys.tokenKeys, LOCAL_TOKEN_KEYS],
    [keys.idKey, LOCAL_ID_KEY],
  ] as const) {
    await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: "SecureString" }));
  }
  sqs = new SQSClient({
    region: "us-east-1",
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const table = (linksOf(HANDLERS.api).Subscribers as { name: string }).name;
  await ensureTable(local.dynamoEndpoint, table);
  for (const link of ["SendQueue", "ConfirmOutbox"]) {
    await sqs.send(new CreateQueueCommand({ QueueName: queueUrl(link).split("/").pop() }));
  }
  const events = new EventBridgeClient({
    region: "us-east-1",
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const bus = (linksOf(HANDLERS.tableStream).Events as { name: string }).name;
  await events.send(new CreateEventBusCommand({ Name: bus }));
}, 180_000);

afterAll(async () => {
  await recorder?.stop();
  await moto?.stop();
  await local?.stop();
});

describe.skipIf(missing)("each function as deployed", () => {
  it("runs readers' whole lives through the real handlers", async () => {
    const page = record("api", await run(HANDLERS.api, [http("GET", "/")]));
    expect(page.error).toBeUndefined();

    const form = (fields: Record<string, string>) => ({
      body: new URLSearchParams(fields).toString(),
      contentType: "application/x-www-form-urlencoded",
    });
    const signup = record(
      "api",
      await run(HANDLERS.api, [
        http("POST", "/subscribe", form({ email: READER, firstName: "Robin" })),
        http("POST", "/subscribe", form({ email: PAUSER, firstName: "Sam" })),
      ]),
    );
    for (const result of signup.results) {
      expect((result as { statusCode: number }).statusCode).toBeLessThan(300);
    }

    const outbox = await drain(queueUrl("ConfirmOutbox"));
    expect(outbox.Records).toHaveLength(2);
    const confirmations = record("confirmOutbox", await run(HANDLERS.confirmOutbox, [outbox]));
    expect(confirmations.results[0]).toEqual({ batchItemFailures: [] });
    for (const reader of [READER, PAUSER]) {
      const confirm = (await mailbox()).find((e) => e.to.includes(reader));
      const confirmUrl = linkIn(confirm?.html ?? "", "/confirm");
      const token = new URL(confirmUrl).searchParams.get("token") ?? "";
      const confirmed = record(
        "api",
        await run(HANDLERS.api, [
          http("GET", confirmUrl),
          http("POST", "/confirm", form({ token })),
        ]),
      );
      expect(confirmed.error).toBeUndefined();
    }

    // Whatever today is: a pass two hours before a Monday 07:00 (UTC for these readers) moves
    // them to that slot; the pass at that hour plans their first tip.
    const now = new Date();
    let monday = new Date(
      Date.UTC(
        now.getUTCFullYear(),
        now.getUTCMonth(),
        now.getUTCDate() + ((8 - now.getUTCDay()) % 7),
        7,
      ),
    );
    while (monday.getTime() - 3 * 3_600_000 < now.getTime()) {
      monday = new Date(monday.getTime() + 7 * 86_400_000);
    }
    const before = new Date(monday.getTime() - 2 * 3_600_000);
    // What EventBridge Scheduler sends: the deployed schedule's input, its context filled in.
    const input = (
      one(graph, "aws:scheduler/schedule:Schedule", () => true).props.target as { input: string }
    ).input;
    const scheduled = (id: string, at: Date) =>
      JSON.parse(
        input
          .replace("<aws.scheduler.execution-id>", id)
          .replace("<aws.scheduler.scheduled-time>", at.toISOString()),
      ) as unknown;
    const planned = record(
      "weekly",
      await run(HANDLERS.weekly, [scheduled("exec-1", before), scheduled("exec-2", monday)]),
    );
    expect(planned.error).toBeUndefined();

    // Between planning and sending, one reader pauses: the sender reads them again and skips them.
    const welcome = (await mailbox()).find(
      (e) => e.to.includes(PAUSER) && /Welcome/.test(e.subject),
    );
    const manageToken = new URL(linkIn(welcome?.text ?? "", "/manage")).searchParams.get("token");
    const paused = record(
      "api",
      await run(HANDLERS.api, [
        http("POST", "/manage", form({ token: manageToken ?? "", action: "pause", weeks: "2" })),
      ]),
    );
    expect((paused.results[0] as { statusCode: number }).statusCode).toBe(200);

    const queued = await drain(queueUrl("SendQueue"));
    expect(queued.Records.length).toBeGreaterThan(0);
    // Invoked with only its reserve left, the sender takes nobody and puts them all back on
    // SendQueue as new messages, so that they wait for no visibility timeout.
    const late = record(
      "sendBatch",
      await run(HANDLERS.sendBatch, [queued], {
        at: new Date(monday.getTime() + 30_000),
        remainingMs: SEND_RESERVE_MS,
      }),
    );
    expect(late.results[0]).toEqual({ batchItemFailures: [] });
    expect(await mailbox()).not.toContainEqual(
      expect.objectContaining({ subject: expect.stringMatching(/#1:/) }),
    );
    const batch = await drain(queueUrl("SendQueue"));
    const recipientsOf = (event: SQSEvent) =>
      event.Records.flatMap((r) => (JSON.parse(r.body) as SendBatch).recipients.map((x) => x.id));
    expect(recipientsOf(batch).sort()).toEqual(recipientsOf(queued).sort());
    // The sender runs when the planner's batch reaches it: at that Monday, a moment after 07:00.
    const sent = record(
      "sendBatch",
      await run(HANDLERS.sendBatch, [batch], { at: new Date(monday.getTime() + 60_000) }),
    );
    expect(sent.results[0]).toEqual({ batchItemFailures: [] });
    const tips = (await mailbox()).filter((e) => /#1:/.test(e.subject));
    expect(tips.map((e) => e.to)).toEqual([[READER]]);
    const tip = tips[0];
    const unsubscribeUrl = linkIn(tip?.text ?? "", "/unsubscribe");
    const manageUrl = linkIn(tip?.text ?? "", "/manage");

    record(
      "api",
      await run(HANDLERS.api, [
        http("GET", manageUrl),
        http("GET", unsubscribeUrl),
        http("GET", "/tips"),
        http("GET", "/feed.xml"),
      ]),
    );

    const topic = (linksOf(HANDLERS.sesEvents).SesEvents as { arn: string }).arn;
    const complaint = JSON.stringify(
      signed({
        TopicArn: topic,
        Message: JSON.stringify({
          eventType: "Complaint",
          mail: { messageId: "m-1", destination: [READER] },
          complaint: { complainedRecipients: [{ emailAddress: READER }] },
        }),
      }),
    );
    const events = record(
      "sesEvents",
      await run(HANDLERS.sesEvents, [{ Records: [{ ...sqsRecord("ses-1"), body: complaint }] }], {
        sns: readFileSync(path.join(ROOT, "test/fixtures/sns/signing-cert.pem"), "utf8"),
      }),
    );
    expect(events.results[0]).toEqual({ batchItemFailures: [] });

    // The table's stream carries the complaint to the events function, which publishes it.
    const { Item: item } = await new DynamoDBClient({
      region: "us-east-1",
      endpoint: local.dynamoEndpoint,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    }).send(
      new GetItemCommand({
        TableName: (linksOf(HANDLERS.api).Subscribers as { name: string }).name,
        Key: { pk: { S: `SUB#${subscriberId(READER)}` }, sk: { S: "SUB" } },
      }),
    );
    expect(item?.status?.S).toBe("complained");
    const streamed = record(
      "tableStream",
      await run(HANDLERS.tableStream, [
        {
          Records: [
            {
              eventID: "1",
              eventName: "MODIFY",
              eventSource: "aws:dynamodb",
              dynamodb: {
                ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
                Keys: { pk: item?.pk, sk: item?.sk },
                OldImage: { ...item, status: { S: "active" } },
                NewImage: item,
                SequenceNumber: "1",
                StreamViewType: "NEW_AND_OLD_IMAGES",
              },
            },
          ],
        },
      ]),
    );
    expect(streamed.results[0]).toEqual({ batchItemFailures: [] });

    // The reader who paused erases their data (the page asks first, then erases).
    const erased = record(
      "api",
      await run(HANDLERS.api, [
        http("POST", "/manage", form({ token: manageToken ?? "", action: "erase" })),
        http("POST", "/manage", form({ token: manageToken ?? "", action: "erase-confirmed" })),
      ]),
    );
    for (const result of erased.results) {
      expect((result as { statusCode: number }).statusCode).toBe(200);
    }
    expect((erased.results[1] as { body: string }).body).toContain("Your data is deleted");

    const alarm = JSON.parse(
      readFileSync(path.join(ROOT, "test/fixtures/alarms/complaint-rate-alarm.json"), "utf8"),
    ) as unknown;
    const breaker = record("pauseSending", await run(HANDLERS.pauseSending, [alarm]));
    expect(breaker.error).toBeUndefined();
    expect(recorder.paused()).toBe(true);
  }, 240_000);

  it.each(Object.keys(HANDLERS) as Key[])("%s reads only its links, and each of them", (key) => {
    const deployed = Object.keys(linksOf(HANDLERS[key])).sort();
    const read = [...new Set((runs[key] ?? []).flatMap((r) => r.linksRead))].sort();
    expect(runs[key]?.length).toBeGreaterThan(0);
    for (const r of runs[key] ?? []) expect(r.error).toBeUndefined();
    expect(read).toEqual(deployed);
  });

  it.each(Object.keys(HANDLERS) as Key[])("%s calls exactly what its role allows", (key) => {
    const called = [...new Set((runs[key] ?? []).flatMap((r) => r.actions))].sort();
    const fn = deployedFunctions(graph).get(`${HANDLERS[key].replace(/\.ts$/, "")}.handler`);
    if (!fn) throw new Error(`${key} is not deployed`);
    // Consuming its queue or stream is Lambda's event source's own doing, not the handler's.
    const allowed = actionsOf(fn).filter((a) => !CONSUMER.includes(a));
    expect(called).toEqual(allowed);
  });
});

const CONSUMER = [
  "dynamodb:DescribeStream",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
  "dynamodb:ListStreams",
  "sqs:ChangeMessageVisibility",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
  "sqs:GetQueueUrl",
  "sqs:ReceiveMessage",
];

/** One SQS record's fields around a body. */
function sqsRecord(messageId: string) {
  return {
    messageId,
    receiptHandle: "r",
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "0",
      SenderId: "AIDA",
      ApproximateFirstReceiveTimestamp: "0",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:SesEventsQueue",
    awsRegion: "us-east-1",
  };
}
