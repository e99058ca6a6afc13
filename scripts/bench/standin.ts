/**
 * One AWS stand-in in its own process, on loopback, in memory: `dynamo` (dynalite, with the
 * Subscribers tables named on the command line) or `ses` (aws-ses-v2-local). Prints
 * {"endpoint": "..."} on one line when ready; exits when its stdin closes (the parent went away).
 */
import type { AddressInfo, Server } from "node:net";
import sesLocalModule from "aws-ses-v2-local";
import dynalite from "dynalite";
import { ensureTable, LOCAL_HOST } from "../local/aws.js";

type StartSes = (config: { host: string; port: number }) => Promise<Server>;
const startSes = ((sesLocalModule as unknown as { default?: StartSes }).default ??
  sesLocalModule) as unknown as StartSes;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOCAL_HOST, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Idle keep-alive connections are kept a minute, not Node's default 5 s: the bench's two sides
 * take turns, and a side that waits out the other's turn must not find its sockets being closed
 * under it as it sends again (a reset connection at that instant crashed a run).
 */
function keepIdleSockets(server: Server) {
  const http = server as Server & { keepAliveTimeout?: number; headersTimeout?: number };
  http.keepAliveTimeout = 60_000;
  http.headersTimeout = 61_000;
}

const [kind, ...tables] = process.argv.slice(2);
let endpoint: string;
if (kind === "dynamo") {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  keepIdleSockets(server);
  endpoint = `http://${LOCAL_HOST}:${await listen(server)}`;
  for (const table of tables) await ensureTable(endpoint, table);
} else if (kind === "ses") {
  // Pick a free port first (aws-ses-v2-local listens by itself).
  const probe = (await import("node:net")).createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  const server = await startSes({ host: LOCAL_HOST, port });
  keepIdleSockets(server);
  endpoint = `http://${LOCAL_HOST}:${(server.address() as AddressInfo).port}`;
} else {
  console.error("usage: standin.ts dynamo <table>... | ses");
  process.exit(2);
}
process.stdout.write(`${JSON.stringify({ endpoint })}\n`);
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
