/**
 * moto (5.2.1), a second emulator of SQS and DynamoDB independent of the embedded stand-ins, on a
 * free loopback port. It is served one request at a time: moto_server's threaded server applies
 * a conditional write without a lock, so two racing writes could both pass their condition, which
 * DynamoDB never allows. On a machine without moto the suites that use it skip with the reason;
 * under CI=true they fail instead, since CI installs it (.ci/run).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { freePort } from "./ports.js";

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

/** Why moto cannot run here, or undefined when it can. */
/** moto's own server, as moto_server runs it, but answering one request at a time. */
const SERVE = [
  "import sys",
  "from moto.server import DomainDispatcherApplication, create_backend_app",
  "from werkzeug.serving import run_simple",
  "run_simple('127.0.0.1', int(sys.argv[1]), DomainDispatcherApplication(create_backend_app), threaded=False)",
].join("\n");

export function motoMissing(): string | undefined {
  const found = spawnSync("python3", ["-c", "import moto.server"], { stdio: "ignore" });
  if (found.error || found.status !== 0) {
    if (process.env.CI === "true") {
      throw new Error("moto_server is not installed, and CI must run every emulator suite");
    }
    return "moto_server is not installed (pip install 'moto[server]==5.2.1')";
  }
  return undefined;
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn("python3", ["-c", SERVE, String(port)], { stdio: "ignore" });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok || response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not start on ${endpoint}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}
