/**
 * A loopback proxy in front of the AWS stand-ins that records each call's IAM action
 * (`dynamodb:GetItem`, `sqs:SendMessage`, `ses:SendEmail`, …) and forwards it. SES calls the
 * stand-in lacks (the configuration set's sending switch) are answered here.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Service = "dynamodb" | "sqs" | "ses" | "ssm" | "events";

/** JSON-protocol targets (X-Amz-Target) whose IAM action is another's. */
const ACTION_OF: Record<string, string> = {
  "sqs:SendMessageBatch": "sqs:SendMessage",
  "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
  "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
};

/** SES v2 REST calls: method and path → action. */
function sesAction(method: string, path: string): string {
  const p = path.split("?")[0] ?? "";
  if (method === "POST" && p === "/v2/email/outbound-emails") return "ses:SendEmail";
  if (method === "GET" && p === "/v2/email/account") return "ses:GetAccount";
  if (method === "GET" && /^\/v2\/email\/configuration-sets\/[^/]+$/.test(p)) {
    return "ses:GetConfigurationSet";
  }
  if (method === "PUT" && /^\/v2\/email\/configuration-sets\/[^/]+\/sending$/.test(p)) {
    return "ses:PutConfigurationSetSendingOptions";
  }
  return `ses:${method} ${p}`;
}

export interface Recorder {
  /** Endpoint to give the SDK for each service. */
  endpoints: Record<Service, string>;
  /** Actions recorded since the last take(), in order. */
  take(): string[];
  /** Whether the configuration set was paused through the proxy. */
  paused(): boolean;
  stop(): Promise<void>;
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(target: string, req: IncomingMessage, body: Buffer, res: ServerResponse) {
  const url = new URL(req.url ?? "/", target);
  const upstream = request(
    url,
    { method: req.method, headers: { ...req.headers, host: url.host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => {
    res.writeHead(502);
    res.end();
  });
  upstream.end(body);
}

export async function startRecorder(targets: Record<Service, string>): Promise<Recorder> {
  let recorded: string[] = [];
  let paused = false;
  const servers = await Promise.all(
    (Object.keys(targets) as Service[]).map(async (service) => {
      const server = createServer(async (req, res) => {
        const body = await read(req);
        const method = req.method ?? "GET";
        const path = req.url ?? "/";
        let action: string;
        if (service === "ses") {
          action = sesAction(method, path);
        } else {
          const target = String(req.headers["x-amz-target"] ?? "");
          const operation = target.split(".").pop() ?? target;
          const named = `${service}:${operation}`;
          action = ACTION_OF[named] ?? named;
        }
        recorded.push(action);
        if (action === "ses:GetConfigurationSet") {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ SendingOptions: { SendingEnabled: !paused } }));
          return;
        }
        if (action === "ses:PutConfigurationSetSendingOptions") {
          paused = !(JSON.parse(body.toString() || "{}") as { SendingEnabled?: boolean })
            .SendingEnabled;
          res.writeHead(200, { "content-type": "application/json" });
          res.end("{}");
          return;
        }
        forward(targets[service], req, body, res);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as AddressInfo;
      return [service, server, `http://127.0.0.1:${port}`] as const;
    }),
  );
  return {
    endpoints: Object.fromEntries(servers.map(([s, , url]) => [s, url])) as Record<Service, string>,
    take() {
      const out = recorded;
      recorded = [];
      return out;
    },
    paused: () => paused,
    stop: async () => {
      await Promise.all(
        servers.map(([, server]) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
    },
  };
}
