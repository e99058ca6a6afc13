/**
 * Runs sst.config.ts as `sst deploy` would, under Pulumi's runtime mocks, and returns every
 * resource it registers with its resolved inputs and explicit `dependsOn`.
 *
 * The program is built the way SST's CLI builds it (pkg/project/stack.go, pkg/js/js.go in SST's
 * source), against the platform `sst install` unpacked into .sst/platform; the CLI's RPC calls
 * are answered by ./rpc.ts. One evaluation per process: SST's components keep per-process state.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { mockCall, mockState } from "./mocks.js";
import { type BuiltFunction, startRpc } from "./rpc.js";

export interface GraphResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  dependsOn: string[];
  /** Set only when the program keeps the resource on removal or protects it. */
  retainOnDelete?: true;
  protect?: true;
}

export interface Graph {
  resources: GraphResource[];
  /** The stack's outputs, as `sst deploy` prints them. */
  outputs: Record<string, unknown>;
  /** Each function SST built (Runtime.Build): its handler and the values of its links. */
  functions: BuiltFunction[];
}

export interface EvaluateOptions {
  stage: string;
  alertEmail?: string | undefined;
  /** A domain to send from (and site under), in place of the stage's own. */
  senderDomain?: string | undefined;
  /** A single verified address to send from (personal stages). */
  senderEmail?: string | undefined;
  dmarcReports?: string | undefined;
  /** Who writes the DNS records (TIPS_DNS): "manual" or, by default, "route53". */
  dns?: string | undefined;
  /** The site domain's ACM certificate, for manual DNS (TIPS_CERTIFICATE_ARN). */
  certificateArn?: string | undefined;
  /** Leaving by email on staging, or not on production (TIPS_INBOUND): "on" or "off". */
  inbound?: string | undefined;
  /** Click tracking (TIPS_CLICKS): "off", or on by default. */
  clicks?: string | undefined;
}

const ROOT = path.resolve(import.meta.dirname, "../../..");
const PLATFORM = path.join(ROOT, ".sst", "platform");

/** Environment the stage settings read (infra/stages.ts), from the options. */
function stageEnv(options: EvaluateOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (options.alertEmail) env.TIPS_ALERT_EMAIL = options.alertEmail;
  if (options.senderDomain) {
    // production and staging read the domain, any other stage the sender.
    env.TIPS_DOMAIN = options.senderDomain;
    env.TIPS_SENDER = options.senderDomain;
  }
  if (options.senderEmail) env.TIPS_SENDER = options.senderEmail;
  if (options.dmarcReports) env.TIPS_DMARC_REPORTS = options.dmarcReports;
  if (options.dns) env.TIPS_DNS = options.dns;
  if (options.certificateArn) env.TIPS_CERTIFICATE_ARN = options.certificateArn;
  if (options.inbound) env.TIPS_INBOUND = options.inbound;
  if (options.clicks) env.TIPS_CLICKS = options.clicks;
  return env;
}

/**
 * The part of @pulumi/pulumi used here. It lives in .sst/platform (made by `sst install`), so
 * its types are not there when the project's own code is type-checked.
 */
interface Pulumi {
  runtime: {
    setMocks(
      mocks: {
        newResource(args: {
          type: string;
          name: string;
          inputs: Record<string, unknown>;
          custom?: boolean;
        }): { id: string; state: Record<string, unknown> };
        call(args: { token: string; inputs: Record<string, unknown> }): Record<string, unknown>;
      },
      project: string,
      stack: string,
      preview: boolean,
    ): Promise<void>;
    registerStackTransformation(
      t: (args: {
        type: string;
        name: string;
        resource: unknown;
        opts: { dependsOn?: unknown; retainOnDelete?: boolean; protect?: boolean };
      }) => undefined,
    ): void;
    runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
    disconnect(): Promise<void>;
  };
  CustomResource: abstract new (...args: never[]) => unknown;
  Output: { isInstance(value: unknown): boolean };
}

export async function evaluateStack(options: EvaluateOptions): Promise<Graph> {
  const require = createRequire(path.join(PLATFORM, "package.json"));
  let pulumi: Pulumi;
  try {
    pulumi = require("@pulumi/pulumi");
  } catch {
    throw new Error(
      ".sst/platform is not installed: run `npm run typecheck:infra` (it runs `sst install`) first",
    );
  }

  for (const key of Object.keys(process.env)) {
    if (key.startsWith("TIPS_")) delete process.env[key];
  }
  Object.assign(process.env, stageEnv(options), {
    // sst.Secret reads SST_SECRET_<name>; a deploy takes them from `sst secret set`.
    SST_SECRET_PostalAddress: "1 Main St, Boston, MA 02110",
  });

  // sst.config.ts calls the global $config (the shim's identity function) at import.
  (globalThis as Record<string, unknown>).$config = (input: unknown) => input;
  const config = (await import(pathToFileURL(path.join(ROOT, "sst.config.ts")).href)).default as {
    app(input: { stage: string }): Promise<Record<string, unknown>> | Record<string, unknown>;
  };
  const app: Record<string, unknown> = {
    ...(await config.app({ stage: options.stage })),
    stage: options.stage,
  };
  const region = (app.providers as { aws?: { region?: string } } | undefined)?.aws?.region;

  const work = await mkdtemp(path.join(tmpdir(), "infra-graph-"));
  const rpc = await startRpc({ root: ROOT, out: work });
  process.env.SST_SERVER = rpc.url;
  const outfile = path.join(PLATFORM, `sst.graph.${process.pid}.${Date.now()}.mjs`);
  try {
    await buildProgram(app, outfile, work);
    const resources = new Map<string, GraphResource & { deps: unknown }>();
    const keyOf = (type: string, name: string) => `${type}::${name}`;

    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          const state = mockState(args.type, args.name, args.inputs, region ?? "us-east-1");
          if (args.custom && !args.type.startsWith("pulumi:providers:")) {
            const entry = resources.get(keyOf(args.type, args.name));
            // Inputs as the program set them, and the outputs AWS would compute (mocks.ts).
            if (entry) entry.props = unwrapSecrets(state) as Record<string, unknown>;
          }
          return { id: state.id as string, state };
        },
        call: (args) => mockCall(args.token, args.inputs, region ?? "us-east-1"),
      },
      String(app.name),
      options.stage,
      false,
    );

    // Records each resource's explicit dependsOn as the program leaves it (after SST's own
    // transformations and the component transforms of sst.config.ts).
    (globalThis as Record<string, unknown>).__graphHook = () =>
      pulumi.runtime.registerStackTransformation((args) => {
        if (!(args.resource instanceof pulumi.CustomResource)) return undefined;
        if (args.type.startsWith("pulumi:providers:")) return undefined;
        const key = keyOf(args.type, args.name);
        resources.set(key, {
          type: args.type,
          name: args.name,
          props: {},
          dependsOn: [],
          ...(args.opts.retainOnDelete ? { retainOnDelete: true as const } : {}),
          ...(args.opts.protect ? { protect: true as const } : {}),
          deps: args.opts.dependsOn,
        });
        return undefined;
      });

    const program = (await import(pathToFileURL(outfile).href)).default as () => Promise<
      Record<string, unknown>
    >;
    const failures: unknown[] = [];
    process.on("unhandledRejection", (reason) => failures.push(reason));
    const outputs = (await pulumi.runtime.runInPulumiStack(program)) as Record<string, unknown>;
    // Registrations still waiting on inputs (a function's build, say) finish before we read.
    await pulumi.runtime.disconnect();
    if (failures.length > 0) throw failures[0];

    for (const entry of resources.values()) {
      entry.dependsOn = await dependencyNames(pulumi, entry.deps);
    }
    return {
      resources: [...resources.values()].map(({ deps: _deps, ...resource }) => resource),
      outputs: unwrapSecrets(outputs) as Record<string, unknown>,
      functions: [...rpc.built].sort((a, b) => a.name.localeCompare(b.name)),
    };
  } finally {
    await rm(outfile, { force: true });
    await rm(`${outfile}.map`, { force: true });
    await rpc.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** Pulumi's marker of a secret value inside resolved inputs. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Inputs with every secret wrapper replaced by the value it wraps. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (SECRET_SIG in record && "value" in record) return unwrapSecrets(record.value);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
}

/** Names of the resources a dependsOn option holds (Inputs, arrays, Outputs of them). */
async function dependencyNames(pulumi: Pulumi, value: unknown): Promise<string[]> {
  if (value === undefined || value === null) return [];
  if (pulumi.Output.isInstance(value)) {
    return dependencyNames(
      pulumi,
      await (value as unknown as { promise(): Promise<unknown> }).promise(),
    );
  }
  if (value instanceof Promise) return dependencyNames(pulumi, await value);
  if (Array.isArray(value)) {
    return (await Promise.all(value.map((item) => dependencyNames(pulumi, item)))).flat();
  }
  const name = (value as { __name?: string }).__name;
  return name ? [name] : [];
}

/** Builds the program as SST's CLI does (pkg/js/js.go), as one function to run in a stack. */
async function buildProgram(app: Record<string, unknown>, outfile: string, work: string) {
  const lock = (await import(pathToFileURL(path.join(ROOT, ".sst", "provider-lock.json")).href, {
    with: { type: "json" },
  })) as { default: { alias: string; package: string }[] };
  const globals = [
    ...lock.default.map((entry) => `import * as ${entry.alias} from "${entry.package}";`),
    `import * as sst from "${path.join(PLATFORM, "src", "components")}";`,
  ].join("\n");
  const cli = {
    command: "deploy",
    dev: false,
    paths: { home: work, root: ROOT, work: path.join(ROOT, ".sst"), platform: PLATFORM },
    state: { version: {} },
  };
  await esbuild.build({
    banner: {
      js: [
        `import { createRequire as topLevelCreateRequire } from 'module';`,
        `const require = topLevelCreateRequire(import.meta.url);`,
        `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
        `const __filename = topLevelFileUrlToPath(import.meta.url)`,
        `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
      ].join("\n"),
    },
    mainFields: ["module", "main"],
    format: "esm",
    platform: "node",
    stdin: {
      contents: [
        `import { run } from "${path.join(PLATFORM, "src", "auto", "run.ts")}";`,
        `import mod from "${path.join(ROOT, "sst.config.ts")}";`,
        `export default () => run(async () => { globalThis.__graphHook(); return mod.run(); });`,
      ].join("\n"),
      resolveDir: ROOT,
      sourcefile: "eval.ts",
      loader: "ts",
    },
    nodePaths: [path.join(PLATFORM, "node_modules")],
    plugins: [
      {
        name: "InjectGlobals",
        setup(build) {
          build.onLoad({ filter: /\.(js|ts|jsx|tsx)$/ }, async (args) => {
            const { readFile } = await import("node:fs/promises");
            const contents = await readFile(args.path, "utf8");
            return {
              contents: args.path.includes(".sst") ? contents : `${globals}\n${contents}`,
              loader: "default",
            };
          });
        },
      },
    ],
    external: [
      "@pulumi/*",
      "undici",
      "@pulumiverse/*",
      "@sst-provider/*",
      "@aws-sdk/*",
      "esbuild",
      "archiver",
      "glob",
      "vite",
    ],
    define: {
      $app: JSON.stringify(app),
      $cli: JSON.stringify(cli),
      $dev: "false",
    },
    inject: [path.join(PLATFORM, "src", "shim", "run.js")],
    outfile,
    write: true,
    bundle: true,
    logLevel: "silent",
  });
}
