/**
 * reuseRequestWork keeps one signer per auth scheme and one reading of the user agent per
 * client, and the client's config in V8's fast mode. These tests hold a client so built to the
 * SDK's own: at the same instant, the same requests byte for byte (signature and user agent
 * included), a day later too; a failed build is not kept; and V8 itself says the config of the
 * send path's clients has fast properties, before and after requests.
 */

import { setFlagsFromString } from "node:v8";
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { afterEach, describe, expect, it, vi } from "vitest";
import { dynamoUpdateClient } from "../../functions/adapters/dynamo-store.js";
import { reuseRequestWork } from "../../functions/adapters/sdk-client.js";
import { SES_CLIENT_POLICY, sesClient } from "../../functions/adapters/ses-mailer.js";
import { cannedHandler, type SentRequest } from "../support/sdk-handler.js";

/** A handler recording each request, answering `answer` with `contentType`. */
const recorder = (answer: string, contentType: string) =>
  cannedHandler(answer, { headers: { "content-type": contentType } });

const COMMON = {
  region: "eu-west-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" },
};

const update = (n: number) =>
  new UpdateItemCommand({
    TableName: "Subscribers",
    Key: { pk: { S: `SUB#${n}` } },
    UpdateExpression: "SET #n = :n",
    ExpressionAttributeNames: { "#n": "n" },
    ExpressionAttributeValues: { ":n": { N: String(n) } },
  });

const sendEmail = (n: number) =>
  new SendEmailCommand({
    FromEmailAddress: "tips@example.com",
    Destination: { ToAddresses: [`reader${n}@example.com`] },
    Content: { Simple: { Subject: { Data: `Tip ${n}` }, Body: { Text: { Data: "Squat." } } } },
  });

type Handler = ReturnType<typeof recorder>["handler"];

/** A client of each kind on the send path, as a function that sends request n. */
const CASES: {
  service: string;
  answer: [body: string, contentType: string];
  make: (handler: Handler, reuse: boolean) => (n: number) => Promise<unknown>;
}[] = [
  {
    service: "DynamoDB UpdateItem",
    answer: ["{}", "application/x-amz-json-1.0"],
    make(handler, reuse) {
      const client = fixedInvocationId(new DynamoDBClient({ ...COMMON, requestHandler: handler }));
      if (reuse) reuseRequestWork(client);
      return (n) => client.send(update(n));
    },
  },
  {
    service: "SES SendEmail",
    answer: ['{"MessageId":"m-1"}', "application/json"],
    make(handler, reuse) {
      const client = fixedInvocationId(
        new SESv2Client({ ...COMMON, requestHandler: handler, ...SES_CLIENT_POLICY }),
      );
      if (reuse) reuseRequestWork(client);
      return (n) => client.send(sendEmail(n));
    },
  },
];

/**
 * Sets the one signed header meant to differ on every request (a random id) to a fixed value,
 * just before signing, so that two clients' signatures can be compared.
 */
function fixedInvocationId<C extends DynamoDBClient | SESv2Client>(client: C): C {
  type Args = { request: { headers: Record<string, string> } };
  const setId = (next: (args: Args) => Promise<unknown>) => async (args: Args) => {
    args.request.headers["amz-sdk-invocation-id"] = "00000000-0000-4000-8000-000000000000";
    return next(args);
  };
  (client.middlewareStack as SESv2Client["middlewareStack"]).addRelativeTo(setId as never, {
    relation: "before",
    toMiddleware: "httpSigningMiddleware",
    name: "fixedInvocationId",
  });
  return client;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("reuseRequestWork", () => {
  for (const { service, make, answer } of CASES) {
    it(`${service}: the same requests as the SDK's own client, signed, at two dates`, async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const plain = recorder(...answer);
      const reused = recorder(...answer);
      const sendPlain = make(plain.handler, false);
      const sendReused = make(reused.handler, true);
      // Two requests on one day, one on the next: the kept signer signs for the new day.
      const instants = ["2026-11-23T09:00:00Z", "2026-11-23T09:00:05Z", "2026-11-24T00:00:01Z"];
      for (const [n, instant] of instants.entries()) {
        vi.setSystemTime(new Date(instant));
        await sendPlain(n);
        await sendReused(n);
      }
      expect(reused.sent).toHaveLength(3);
      expect(reused.sent).toEqual(plain.sent);
      expect(reused.sent[2]?.headers["x-amz-date"]).toBe("20261124T000001Z");
      expect(reused.sent[2]?.headers.authorization).toContain("/20261124/");
      expect(reused.sent[0]?.headers.authorization).not.toBe(reused.sent[1]?.headers.authorization);
    });
  }

  it("builds the signer once per auth scheme and reads the user agent once", async () => {
    const plain = recorder("{}", "application/x-amz-json-1.0");
    const client = new DynamoDBClient({ ...COMMON, requestHandler: plain.handler });
    let builds = 0;
    const build = client.config.signer;
    client.config.signer = (scheme) => {
      builds += 1;
      return build(scheme);
    };
    let readings = 0;
    const read = client.config.defaultUserAgentProvider;
    client.config.defaultUserAgentProvider = () => {
      readings += 1;
      return read();
    };
    reuseRequestWork(client);
    for (let n = 0; n < 4; n += 1) await client.send(update(n));
    expect(builds).toBe(1);
    expect(readings).toBe(1);
    expect(plain.sent).toHaveLength(4);
  });

  it("signs with credentials renewed after the signer was built", async () => {
    // Temporary credentials (an operator's role session, say) about to expire are fetched again
    // on the next request; the kept signer must sign with the new ones, as the SDK's own does.
    let current = "AKIDFIRST";
    const credentials = async () => ({
      accessKeyId: current,
      secretAccessKey: `secret-of-${current}`,
      expiration: new Date(Date.now() + 60_000),
    });
    const sent = recorder("{}", "application/x-amz-json-1.0");
    const client = reuseRequestWork(
      new DynamoDBClient({ ...COMMON, credentials, requestHandler: sent.handler }),
    );
    await client.send(update(0));
    current = "AKIDRENEWED";
    await client.send(update(1));
    const keyIds = sent.sent.map(
      (request) => /Credential=(\w+)\//.exec(request.headers.authorization ?? "")?.[1],
    );
    expect(keyIds).toEqual(["AKIDFIRST", "AKIDRENEWED"]);
  });

  it("signs with credentials set on the client after its first request, as the SDK's own does", async () => {
    const plain = recorder("{}", "application/x-amz-json-1.0");
    const reused = recorder("{}", "application/x-amz-json-1.0");
    const clients = [
      new DynamoDBClient({ ...COMMON, requestHandler: plain.handler }),
      reuseRequestWork(new DynamoDBClient({ ...COMMON, requestHandler: reused.handler })),
    ];
    for (const client of clients) await client.send(update(0));
    for (const client of clients) {
      client.config.credentials = { accessKeyId: "AKIDSECOND", secretAccessKey: "s2" } as never;
    }
    for (const client of clients) await client.send(update(1));
    const keyIds = (sent: SentRequest[]) =>
      sent.map((request) => /Credential=(\w+)\//.exec(request.headers.authorization ?? "")?.[1]);
    expect(keyIds(plain.sent)).toEqual(["AKIDEXAMPLE", "AKIDSECOND"]);
    expect(keyIds(reused.sent)).toEqual(keyIds(plain.sent));
  });

  it("does not keep a failed build: the next request builds again", async () => {
    const signer = { sign: async <T>(request: T) => request };
    let attempts = 0;
    let readings = 0;
    const client = reuseRequestWork({
      config: {
        signer: async () => {
          attempts += 1;
          if (attempts === 1) throw new Error("no credentials yet");
          return signer;
        },
        defaultUserAgentProvider: async () => {
          readings += 1;
          if (readings === 1) throw new Error("not yet");
          return [["aws-sdk-js", "3"]] as [string, string][];
        },
      },
    });
    await expect(client.config.signer()).rejects.toThrow("no credentials yet");
    await expect(client.config.defaultUserAgentProvider()).rejects.toThrow("not yet");
    await expect(client.config.signer()).resolves.toBe(signer);
    await expect(client.config.signer()).resolves.toBe(signer);
    await expect(client.config.defaultUserAgentProvider()).resolves.toEqual([["aws-sdk-js", "3"]]);
    await expect(client.config.defaultUserAgentProvider()).resolves.toEqual([["aws-sdk-js", "3"]]);
    expect(attempts).toBe(2);
    expect(readings).toBe(2);
  });

  it("keeps the send path's client configs in V8's fast mode, before and after requests", async () => {
    // V8's own answer, through its natives syntax (allowed here, in this test process only).
    setFlagsFromString("--allow-natives-syntax");
    const hasFastProperties = new Function("o", "return %HasFastProperties(o)") as (
      o: object,
    ) => boolean;
    const dynamo = recorder("{}", "application/x-amz-json-1.0");
    const ses = recorder('{"MessageId":"m-1"}', "application/json");
    const plain = recorder("{}", "application/x-amz-json-1.0");
    const dynamoClient = dynamoUpdateClient({ ...COMMON, requestHandler: dynamo.handler });
    const mailClient = sesClient({ ...COMMON, requestHandler: ses.handler });
    const plainClient = new DynamoDBClient({ ...COMMON, requestHandler: plain.handler });
    // The SDK's own client keeps its config as a dictionary: what reuseRequestWork changes. (This
    // also shows the probe can answer false. Should an SDK release build its config in fast mode,
    // this line fails, and toFastProperties in sdk-client.ts has nothing left to do.)
    expect(hasFastProperties(plainClient.config)).toBe(false);
    expect(hasFastProperties(dynamoClient.config)).toBe(true);
    expect(hasFastProperties(mailClient.config)).toBe(true);
    for (let n = 0; n < 3; n += 1) {
      await dynamoClient.send(update(n));
      await mailClient.send(sendEmail(n));
    }
    expect(dynamo.sent).toHaveLength(3);
    expect(ses.sent).toHaveLength(3);
    expect(hasFastProperties(dynamoClient.config)).toBe(true);
    expect(hasFastProperties(mailClient.config)).toBe(true);
  });
});
