/** The workloads routes for a viewer who may not see the agent: refused before anything is read (no shared state, no tunnel), the page saying why. */
import type * as http from "node:http";
import { silentLogger } from "../../common";
import type { AgentAccess, ConsoleRouteContext, ConsoleViewer } from "../console";
import { workloadsRoutes } from "./handler";

const DONNY: ConsoleViewer = { kind: "gitlab-user", username: "donny", accessToken: "glpat-donny" };
const reads: string[] = [];
const agentAccess: AgentAccess = async () => ({ status: 403, reason: "Forbidden", message: "kas: GitLab: the token's user may not use agent 7" });
const handler = workloadsRoutes({
  shared: { agents: async () => (reads.push("shared"), { status: "memory", agents: [] }) },
  tunnels: { acquire: async () => (reads.push("tunnel"), Promise.reject(new Error("no tunnel in this test"))) },
  logger: silentLogger,
  agentAccess,
});

async function get(path: string): Promise<{ status: number; type: string; body: string }> {
  let status = 0;
  let headers: Record<string, unknown> = {};
  let body = "";
  const res = { once: () => res, writeHead: (s: number, h: Record<string, unknown>) => ((status = s), (headers = h), res), end: (b?: Buffer | string) => void (body = String(b ?? "")), headersSent: false, destroyed: false } as unknown as http.ServerResponse;
  // The console's layout is the router's (tested in test/console); here the page's <main> as is.
  const ctx: ConsoleRouteContext = { sendPage: (to, s, _options, main) => void to.writeHead(s, { "content-type": "text/html; charset=utf-8" }).end(main) };
  expect(await handler({ method: "GET", url: path } as http.IncomingMessage, res, path.split("?")[0]!, DONNY, ctx)).toBe(true);
  return { status, type: String(headers["content-type"]), body };
}

test.each([
  ["/api/v1/agents/7/workloads", "application/json"],
  ["/api/v1/agents/7/pods/dude/web/log?follow=true", "application/json"],
  ["/agents/7/workloads", "text/html; charset=utf-8"],
])("%s: 403 with the refusal, nothing read", async (path, type) => {
  reads.length = 0;
  const r = await get(path);
  expect(r).toMatchObject({ status: 403, type });
  // Escaped in the page, as is in the JSON.
  expect(r.body).toMatch(/the token(&#39;|')s user may not use agent 7/);
  expect(reads).toEqual([]);
});

test("the asset needs no agent: served", async () => {
  expect((await get("/assets/workloads.js")).status).toBe(200);
});
