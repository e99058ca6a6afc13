/**
 * The infrastructure's wiring table (infra/wiring.ts, used by sst.config.ts) against the code:
 * every handler exists and exports `handler`, each function links exactly the resources its code
 * reads through functions/config.ts, only functions/config.ts touches SST's `Resource`, the
 * schedule is the one the README documents, and the table matches the local key design.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ACTIVE_INDEX, tableDefinition } from "../../functions/adapters/dynamo-table.js";
import {
  ACTIVE_INDEX_NAME,
  ALARMS,
  API,
  API_ROUTES,
  CONFIRM_OUTBOX,
  FROM_ADDRESS,
  FUNCTIONS,
  type IamStatement,
  LINK_EVIDENCE,
  LINK_NAMES,
  type LinkName,
  ROUTE_THROTTLING,
  SEND_QUEUE,
  SES_EVENTS,
  SETTINGS,
  TABLE,
  WEEKLY_EVENT,
  WEEKLY_SCHEDULE,
} from "../../infra/wiring.js";
import {
  CONFIG_FILE,
  configCalls,
  exportsHandler,
  importClosure,
  parse,
  ROOT,
  runtimeImports,
  tsFilesUnder,
} from "./scan.js";

/** functions/config.ts getter → the link it reads. */
const GETTER_LINK: Record<string, LinkName> = {
  tableName: "Subscribers",
  tokenKeys: "TokenKeys",
  queueUrl: "SendQueue",
  settings: "Settings",
  outboxUrl: "ConfirmOutbox",
  sesEventsTopic: "SesEvents",
  emailConfigurationSet: "Email",
};
const SES_SDK = "@aws-sdk/client-sesv2";

/** The links a handler's code needs, read from its source and everything it imports. */
function linksReadBy(entry: string) {
  const closure = importClosure(entry);
  const needed = new Set<LinkName>();
  for (const file of closure.files) {
    for (const getter of configCalls(file)) {
      const link = GETTER_LINK[getter];
      if (link) needed.add(link);
    }
  }
  if (closure.packages.has(SES_SDK)) needed.add("Email");
  return { needed: [...needed].sort(), unresolved: closure.unresolved };
}

const entries = Object.entries(FUNCTIONS);

describe("infra wiring table", () => {
  it("names the evidence of every link", () => {
    expect(Object.keys(LINK_EVIDENCE).sort()).toEqual([...LINK_NAMES].sort());
    for (const [getter, link] of Object.entries(GETTER_LINK)) {
      if (link !== "Email") expect(LINK_EVIDENCE[link]).toBe(`${getter}()`);
    }
    expect(LINK_EVIDENCE.Email).toBe(SES_SDK);
  });

  it.each(entries)("%s: handler string, file and links are well formed", (_key, fn) => {
    expect(fn.file).toMatch(/^functions\/.+\.ts$/);
    expect(fn.handler).toBe(`${fn.file.slice(0, -".ts".length)}.handler`);
    expect(new Set(fn.links).size).toBe(fn.links.length);
    for (const link of fn.links) expect(LINK_NAMES).toContain(link);
    expect(fn.timeoutSeconds).toBeGreaterThan(0);
    expect(fn.timeoutSeconds).toBeLessThanOrEqual(900);
  });

  it.each(entries)("%s: the handler file exists and exports `handler`", (_key, fn) => {
    const file = path.join(ROOT, fn.file);
    expect(existsSync(file), `${fn.file} is missing`).toBe(true);
    expect(exportsHandler(file), `${fn.file} exports no \`handler\``).toBe(true);
  });

  it.each(entries)("%s: links exactly the resources its code reads", (_key, fn) => {
    const file = path.join(ROOT, fn.file);
    expect(existsSync(file), `${fn.file} is missing`).toBe(true);
    const { needed, unresolved } = linksReadBy(file);
    expect(unresolved, "relative imports that name no file").toEqual([]);
    expect([...fn.links].sort()).toEqual(needed);
  });

  it("gives the weekly planner every event field its handler reads", () => {
    // Scheduler sends WEEKLY_EVENT as is (no EventBridge envelope): a field the handler reads
    // that is not in it would be undefined in AWS.
    const source = parse(path.join(ROOT, FUNCTIONS.weekly.file));
    const handler = source.statements
      .filter(ts.isVariableStatement)
      .flatMap((s) => [...s.declarationList.declarations])
      .find((d) => ts.isIdentifier(d.name) && d.name.text === "handler");
    const fn = handler?.initializer;
    expect(fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))).toBeTruthy();
    if (!fn || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) return;
    const param = fn.parameters[0]?.name;
    const read = new Set<string>();
    if (param && ts.isIdentifier(param)) {
      const visit = (node: ts.Node) => {
        if (
          ts.isPropertyAccessExpression(node) &&
          ts.isIdentifier(node.expression) &&
          node.expression.text === param.text
        ) {
          read.add(node.name.text);
        }
        ts.forEachChild(node, visit);
      };
      visit(fn.body);
    } else if (param && ts.isObjectBindingPattern(param)) {
      for (const element of param.elements) {
        read.add((element.propertyName ?? element.name).getText(source));
      }
    }
    expect(read.size).toBeGreaterThan(0);
    for (const field of read) expect(Object.keys(WEEKLY_EVENT)).toContain(field);
    for (const value of Object.values(WEEKLY_EVENT))
      expect(value).toMatch(/^<aws\.scheduler\.[a-z-]+>$/);
  });

  it("keeps the API timeout within API Gateway's 30 s integration limit", () => {
    expect(FUNCTIONS.api.timeoutSeconds).toBeLessThanOrEqual(30);
  });

  it("lets SendQueue messages stay invisible for the whole run of a sender", () => {
    // Lambda refuses an SQS event source whose visibility timeout is below the function timeout.
    expect(SEND_QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
      FUNCTIONS.sendBatch.timeoutSeconds,
    );
    expect(SEND_QUEUE.visibilityTimeoutSeconds).toBeLessThanOrEqual(12 * 60 * 60);
    expect(SEND_QUEUE.maxReceiveCount).toBeGreaterThanOrEqual(1);
  });

  it("turns on partial batch responses exactly when the sender reports batchItemFailures", () => {
    // Without ReportBatchItemFailures, Lambda ignores the list and retries (or deletes) the batch.
    // The sender reports them through Powertools' processPartialResponse.
    const sender = readFileSync(path.join(ROOT, FUNCTIONS.sendBatch.file), "utf8");
    expect(SEND_QUEUE.partialResponses).toBe(
      /\b(batchItemFailures|processPartialResponse)\b/.test(sender),
    );
  });

  it("makes the claims' stale window the queue's visibility timeout, longer than any live sender", () => {
    // A redelivered batch must find its dead sender's claims stale by its second delivery, and
    // a live sender (at most the function timeout) must never see its own claims taken over.
    expect(SETTINGS.staleClaimSeconds).toBe(SEND_QUEUE.visibilityTimeoutSeconds);
    expect(SETTINGS.staleClaimSeconds).toBeGreaterThan(FUNCTIONS.sendBatch.timeoutSeconds);
  });

  it("alarms on the metric the sender emits when SES stops it", () => {
    const text = readFileSync(path.join(ROOT, "sst.config.ts"), "utf8");
    const metrics = readFileSync(path.join(ROOT, "functions/runtime/metrics.ts"), "utf8");
    expect(metrics).toContain("METRICS.sendingStopped");
    expect(metrics).toContain("METRICS_NAMESPACE");
    expect(text).toMatch(/metricName: wiring\.METRICS\.sendingStopped/);
    expect(text).toMatch(/namespace: wiring\.METRICS_NAMESPACE/);
  });

  it("caps the sender's concurrency at the Settings value, within AWS's 2..1000", () => {
    expect(SEND_QUEUE.maximumConcurrency).toBe(SETTINGS.senderConcurrency);
    expect(SEND_QUEUE.maximumConcurrency).toBeGreaterThanOrEqual(2);
    expect(SEND_QUEUE.maximumConcurrency).toBeLessThanOrEqual(1000);
  });

  it("declares the table of functions/adapters/dynamo-table.ts", () => {
    const local = tableDefinition("t");
    const attributes = Object.fromEntries(
      (local.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]),
    );
    expect(attributes).toEqual(
      Object.fromEntries(Object.keys(TABLE.fields).map((name) => [name, "S"])),
    );
    expect(local.KeySchema).toEqual([
      { AttributeName: TABLE.primaryIndex.hashKey, KeyType: "HASH" },
      { AttributeName: TABLE.primaryIndex.rangeKey, KeyType: "RANGE" },
    ]);
    const gsis = local.GlobalSecondaryIndexes ?? [];
    expect(gsis.map((g) => g.IndexName)).toEqual(Object.keys(TABLE.globalIndexes));
    const active = TABLE.globalIndexes.active;
    expect(ACTIVE_INDEX).toBe("active");
    expect(gsis[0]?.KeySchema).toEqual([
      { AttributeName: active.hashKey, KeyType: "HASH" },
      { AttributeName: active.rangeKey, KeyType: "RANGE" },
    ]);
    expect(gsis[0]?.Projection?.ProjectionType).toBe(active.projection.toUpperCase());
    expect(ACTIVE_INDEX_NAME).toBe(ACTIVE_INDEX);
    // A setting nobody reads is not a setting.
    expect(Object.keys(SETTINGS)).not.toContain("activeShards");
  });
});

/** Every function's IAM actions, exactly: the least each one's code needs. */
const EXPECTED_ACTIONS: Record<keyof typeof FUNCTIONS, string[]> = {
  // Signups are written by the outbox: the API only reads, counts and updates.
  api: ["dynamodb:GetItem", "dynamodb:UpdateItem", "ses:SendEmail", "sqs:SendMessage"],
  confirmOutbox: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "ses:SendEmail"],
  weekly: [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "sqs:SendMessage",
  ],
  sendBatch: [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "ses:GetAccount",
    "ses:GetConfigurationSet",
    "ses:SendEmail",
  ],
  sesEvents: ["dynamodb:UpdateItem", "sqs:SendMessage"],
  pauseSending: ["ses:PutConfigurationSetSendingOptions"],
};

const statementsOf = (fn: { permissions: readonly IamStatement[] }) => fn.permissions;

describe("IAM: least privilege", () => {
  it.each(entries)("%s: exactly its expected actions", (key, fn) => {
    const actions = [...new Set(statementsOf(fn).flatMap((s) => s.actions))].sort();
    expect(actions).toEqual(EXPECTED_ACTIONS[key as keyof typeof FUNCTIONS]);
  });

  it.each(entries)("%s: no wildcard action, no scan or table administration", (_key, fn) => {
    for (const statement of statementsOf(fn)) {
      for (const action of statement.actions) {
        expect(action).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
        expect(action).not.toMatch(
          /^dynamodb:(Scan|DeleteTable|UpdateTable|CreateTable|DeleteItem|Batch\w+|PartiQL\w+)$/,
        );
        expect(action).not.toMatch(/^(sns|sqs|ses|dynamodb):\*$/);
      }
    }
  });

  it.each(entries)(
    "%s: a resource of * only for actions that have no resource scope",
    (_key, fn) => {
      for (const statement of statementsOf(fn)) {
        if (statement.resources.includes("*"))
          expect(statement.actions).toEqual(["ses:GetAccount"]);
      }
    },
  );

  it.each(entries)(
    "%s: SendEmail only from our address, through our identity and set",
    (_key, fn) => {
      for (const statement of statementsOf(fn).filter((s) => s.actions.includes("ses:SendEmail"))) {
        expect(statement.actions).toEqual(["ses:SendEmail"]);
        expect([...statement.resources].sort()).toEqual(["configurationSet", "identity"]);
        expect(statement.conditions).toEqual([
          { test: "StringEquals", variable: "ses:FromAddress", values: [FROM_ADDRESS] },
        ]);
      }
    },
  );

  it.each(entries)(
    "%s: Query on the active index only; item actions on the table only",
    (_key, fn) => {
      for (const statement of statementsOf(fn)) {
        const dynamo = statement.actions.filter((a) => a.startsWith("dynamodb:"));
        if (dynamo.includes("dynamodb:Query")) expect(statement.resources).toEqual(["activeIndex"]);
        else if (dynamo.length > 0) expect(statement.resources).toEqual(["table"]);
      }
    },
  );

  it.each(entries)(
    "%s: DynamoDB and SES actions only with the links that name them",
    (_key, fn) => {
      const actions = statementsOf(fn).flatMap((s) => s.actions);
      const links = fn.links as readonly LinkName[];
      expect(actions.some((a) => a.startsWith("dynamodb:"))).toBe(links.includes("Subscribers"));
      expect(actions.some((a) => a.startsWith("ses:"))).toBe(links.includes("Email"));
    },
  );

  it("sst.config.ts takes links' permissions away and gives each function its statements", () => {
    const text = readFileSync(path.join(ROOT, "sst.config.ts"), "utf8");
    for (const component of ["Dynamo", "Queue", "SnsTopic", "Email"]) {
      expect(text).toMatch(
        new RegExp(
          `sst\\.Linkable\\.wrap\\(sst\\.aws\\.${component},[^)]*\\) => \\(\\{\\s*properties:`,
        ),
      );
    }
    expect(text).not.toMatch(/include:/);
    expect(text).toContain("permissions: fn.permissions.map(");
  });
});

describe("edges: API, outbox, feedback, alarms", () => {
  const text = readFileSync(path.join(ROOT, "sst.config.ts"), "utf8");

  it("gives every queue's dead letters a queue of their own, kept and alarmed", () => {
    // deadLetterQueue() makes the queue with its retention and the alarm on the Alerts topic.
    expect(text).toMatch(
      /const deadLetterQueue = [\s\S]*new aws\.cloudwatch\.MetricAlarm\(`\$\{name\}Alarm`/,
    );
    expect(text).toMatch(/alarmActions: \[alerts\.arn\],\s*\}\);\s*return queue;/);
    for (const [variable, name] of [
      ["sendDlq", "SendDlq"],
      ["confirmOutboxDlq", "ConfirmOutboxDlq"],
      ["sesEventsDlq", "SesEventsDlq"],
    ]) {
      expect(text).toMatch(new RegExp(`const ${variable} = deadLetterQueue\\(\\s*"${name}",`));
    }
    expect(text).toContain("dlq: { queue: sendDlq.arn, retry: wiring.SEND_QUEUE.maxReceiveCount }");
  });

  it("turns CORS off and the execute-api URL off behind a custom domain", () => {
    expect(API).toEqual({ cors: false, disableExecuteApiEndpointWithDomain: true });
    expect(text).toContain("cors: wiring.API.cors");
    expect(text).toContain("args.disableExecuteApiEndpoint = true");
  });

  it("throttles every route on its own, one-click unsubscribes above signups", () => {
    expect(Object.keys(ROUTE_THROTTLING).sort()).toEqual([...API_ROUTES].sort());
    const signup = ROUTE_THROTTLING["POST /subscribe"];
    const oneClick = ROUTE_THROTTLING["POST /unsubscribe"];
    expect(oneClick.rateLimit).toBeGreaterThan(signup.rateLimit * 10);
    for (const limit of Object.values(ROUTE_THROTTLING)) {
      expect(limit.burstLimit).toBeGreaterThanOrEqual(limit.rateLimit);
    }
    expect(text).toContain("args.routeSettings = Object.entries(wiring.ROUTE_THROTTLING)");
  });

  it("gives the outbox room for the consumer and hours of retries before its dead-letter queue", () => {
    expect(CONFIRM_OUTBOX.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
      FUNCTIONS.confirmOutbox.timeoutSeconds,
    );
    expect(
      CONFIRM_OUTBOX.visibilityTimeoutSeconds * CONFIRM_OUTBOX.maxReceiveCount,
    ).toBeGreaterThan(3600);
    const consumer = readFileSync(path.join(ROOT, FUNCTIONS.confirmOutbox.file), "utf8");
    expect(CONFIRM_OUTBOX.partialResponses).toBe(/\bbatchItemFailures\b/.test(consumer));
    expect(text).toMatch(/confirmOutboxDlq = deadLetterQueue\(\s*"ConfirmOutboxDlq",/);
  });

  it("sends failed SES events to a dead-letter queue with an alarm on its depth", () => {
    expect(SES_EVENTS.maximumRetryAttempts).toBe(2);
    expect(text).toMatch(
      /FunctionEventInvokeConfig\("SesEventsRetries",[\s\S]*onFailure: \{ destination: sesEventsDlq\.arn \}/,
    );
    expect(text).toMatch(/sesEventsDlq = deadLetterQueue\(\s*"SesEventsDlq",/);
    expect(text).toContain(
      'sesEventsTopic.subscribe("SesEventsSubscription", sesEventsHandler.arn)',
    );
  });

  it("alarms at half of SES's review thresholds, notifying Alerts and pausing the set", async () => {
    const { REPUTATION_THRESHOLDS } = await import("../../functions/core/breaker.js");
    expect(ALARMS.bounceRate.threshold).toBe(0.05 / 2);
    expect(ALARMS.complaintRate.threshold).toBe(0.001 / 2);
    expect(REPUTATION_THRESHOLDS).toEqual({
      bounceRate: ALARMS.bounceRate.threshold,
      complaintRate: ALARMS.complaintRate.threshold,
    });
    expect(text).toContain('new sst.aws.SnsTopic("Alerts")');
    expect(text).toContain('alerts.subscribe("AlertsEmail", config.alertEmail)');
    expect(text).toContain("alarmActions: [alerts.arn, pauseSending.arn]");
    expect(text).toContain('principal: "lambda.alarms.cloudwatch.amazonaws.com"');
  });
});

describe("functions/ and SST", () => {
  it("imports SST (Resource) only in functions/config.ts", () => {
    const offenders = tsFilesUnder(path.join(ROOT, "functions"))
      .filter((file) => file !== CONFIG_FILE)
      .filter((file) =>
        runtimeImports(parse(file)).some((s) => s === "sst" || s.startsWith("sst/")),
      )
      .map((file) => path.relative(ROOT, file));
    expect(offenders).toEqual([]);
    expect(runtimeImports(parse(CONFIG_FILE))).toContain("sst/resource");
  });
});

describe("sst.config.ts", () => {
  const configPath = path.join(ROOT, "sst.config.ts");
  const text = readFileSync(configPath, "utf8");
  const source = parse(configPath);

  it("has no top-level imports (SST refuses them) and loads the wiring table", () => {
    expect(source.statements.filter(ts.isImportDeclaration)).toEqual([]);
    expect(text).toContain('import("./infra/wiring")');
  });

  it("takes every handler path from the wiring table", () => {
    expect(text).not.toMatch(/["'`]functions\//);
    for (const key of Object.keys(FUNCTIONS)) {
      expect(text, `functionArgs("${key}")`).toContain(`functionArgs("${key}")`);
    }
    expect(text).toContain("wiring.API_ROUTES");
    expect(API_ROUTES).toContain("GET /view/{slug}");
  });

  it("builds a component for every link name, named as functions/config.ts reads it", () => {
    const names: Record<LinkName, RegExp> = {
      Subscribers: /new sst\.aws\.Dynamo\("Subscribers"/,
      TokenKeys: /new sst\.Secret\("TokenKeys"\)/,
      SendQueue: /new sst\.aws\.Queue\("SendQueue"/,
      Settings: /new sst\.Linkable\("Settings"/,
      Email: /new sst\.aws\.Email\(\s*"Email"/,
      ConfirmOutbox: /new sst\.aws\.Queue\("ConfirmOutbox"/,
      SesEvents: /new sst\.aws\.SnsTopic\("SesEvents"\)/,
    };
    for (const link of LINK_NAMES) expect(text).toMatch(names[link]);
  });
});

describe("README deploy guide", () => {
  it("documents the weekly schedule that sst.config.ts deploys", () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const crons = readme.match(/cron\([^)]*\)/g) ?? [];
    expect(crons, "README.md names no cron(...) schedule").not.toEqual([]);
    for (const cron of crons) expect(cron).toBe(WEEKLY_SCHEDULE);
  });
});
