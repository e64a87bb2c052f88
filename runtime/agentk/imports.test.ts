/**
 * Loading agentk must not load @kubernetes/client-node: its generated API
 * costs ~60 MiB of RSS (bench/README.md). It is imported only for exec
 * plugins, auth providers and proxies (kube/access.ts). Nor ws, which only a
 * ws:// or wss:// kas address needs.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";

test("agentk's modules load without @kubernetes/client-node and without ws", async () => {
  const root = path.resolve(__dirname, "..", "..");
  const script = [
    'require("./runtime/agentk");',
    "const loaded = Object.keys(require.cache);",
    'process.stdout.write(JSON.stringify({ agentk: loaded.filter((f) => f.includes("runtime/agentk/")).length, clientNode: loaded.filter((f) => f.includes("@kubernetes/client-node")), ws: loaded.filter((f) => f.includes("node_modules/ws/")) }));',
  ].join("\n");
  const { stdout } = await promisify(execFile)(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: root });
  const r = JSON.parse(stdout) as { agentk: number; clientNode: string[]; ws: string[] };
  expect(r.agentk).toBeGreaterThan(20);
  expect(r.clientNode).toEqual([]);
  // ws is loaded only to dial a ws:// or wss:// kas address (connection/transport.ts)
  expect(r.ws).toEqual([]);
}, 60_000);
