/**
 * Cold start of a Lambda bundle: the entry bundled as SST deploys it (bundle.ts), written to a
 * temporary .mjs, then imported in fresh node processes. Reports the median import time (from the
 * child's first line of code to the handler module being loaded) and the bundle's size.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { localEnvironment } from "../local/aws.js";
import { bundleLambda } from "./bundle.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

export interface ColdStart {
  entry: string;
  bytes: number;
  /** Median over `runs` fresh processes, ms. */
  importMs: number;
}

const CHILD = `
const started = performance.now();
await import(process.argv[1]);
process.stdout.write(String(performance.now() - started));
`;

export async function coldStart(entry: string, runs = 5): Promise<ColdStart> {
  const info = await bundleLambda(entry, { write: true });
  const dir = path.join(ROOT, ".artifacts/cold-start");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${path.basename(entry, ".ts")}.mjs`);
  writeFileSync(file, info.code ?? "");
  // The links a Lambda finds in its environment (a handler may check them at import, as the API
  // checks its keyring); nothing is called at import, so the endpoints need not answer.
  const links = localEnvironment(
    {
      dynamoEndpoint: "http://127.0.0.1:9",
      sesEndpoint: "http://127.0.0.1:9",
      tableName: "Subscribers",
      stop: async () => {},
    },
    { baseUrl: "https://tips.example.com" },
  );
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    let out: string;
    try {
      out = execFileSync(process.execPath, ["--input-type=module", "-e", CHILD, file], {
        cwd: dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { PATH: process.env.PATH ?? "", NODE_NO_WARNINGS: "1", ...links },
      });
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? error);
      throw new Error(`importing the ${entry} bundle failed: …${stderr.slice(-400)}`);
    }
    times.push(Number(out));
  }
  times.sort((a, b) => a - b);
  return { entry, bytes: info.bytes, importMs: times[Math.floor(times.length / 2)] as number };
}
