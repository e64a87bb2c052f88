/** GET /.kas/v1/commit_status over loopback http with CI ID tokens from a loopback issuer: answers from stored reports; 400/401/403/404/405 as Kubernetes Status bodies. */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { startIssuer, type TestIssuer } from "../../../test/kubeapi/issuer";
import { createLogger } from "../../common";
import { parseAgentConfig } from "../agentcfg";
import { commitStatusPath, isCommitNotFound } from "../commit-status";
import { ciBearerToken, CredentialCache, JwksCache, type TargetAgent } from "../kubeapi-auth";
import { AgentTracker } from "./agent-tracker";
import { CommitResults } from "./commit-results";
import { commitStatusHandler } from "./kubernetes-api-commit-status";
import { localStateOf } from "./local-state";
import { memorySharedState } from "../shared";

const AUDIENCE = "https://kas.example";
const C1 = "1".repeat(40);
const C2 = "2".repeat(40);
const agent = { id: "7", name: "dude", configProjectId: "group/agent-config" };
const parsed = parseAgentConfig("ci_access:\n  projects:\n  - id: group/app\n", { file: "config.yaml", configProjectId: agent.configProjectId });
if (!parsed.ok) throw new Error(parsed.error);
const TARGET: TargetAgent = { agent: { id: "7", name: "dude", configProjectPath: agent.configProjectId }, ciAccess: parsed.access.ci_access };

let issuer: TestIssuer;
let server: http.Server;
let base = "";
const logs: string[] = [];
beforeAll(async () => {
  issuer = await startIssuer(AUDIENCE);
  const tracker = new AgentTracker();
  const results = new CommitResults();
  tracker.objectsSent(agent, "group/manifests", C2);
  // An agent from before in_progress: its report is final.
  results.record("7", { project_id: "group/manifests", commit_id: C2, success: true, error: "", objects: [], started_at_unix_ms: 1, finished_at_unix_ms: 2 });
  const handler = commitStatusHandler({
    auth: { verify: { issuer: issuer.url, audience: AUDIENCE, jwks: new JwksCache({ issuer: issuer.url }) }, cache: new CredentialCache(), agent: (id) => (id === "7" ? TARGET : undefined) },
    shared: memorySharedState(localStateOf(tracker, results)),
    git: { hasCommit: async (_p, c) => c === C1 || c === C2, isAncestor: async (_p, a, d) => a === C1 && d === C2 },
    logger: createLogger({ level: "debug", write: (l) => void logs.push(l) }, { component: "kas" }),
  });
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await issuer.close();
});

async function call(path: string, authorization?: string, method = "GET"): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, { method, headers: authorization === undefined ? {} : { authorization } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
let token: string | undefined;
const allowed = () => `Bearer ${ciBearerToken("7", (token ??= issuer.idToken("group/app")))}`;

test("an earlier commit answered by the later commit that contains it, from the stored (final) report", async () => {
  const r = await call(commitStatusPath(C1), allowed());
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ agent: { id: "7", name: "dude" }, project: "group/manifests", commit: C1, state: "succeeded", result: { commit: C2, state: "succeeded" }, sent_commit: C2 });
});

test("a commit kas cannot place: 404 naming it", async () => {
  const r = await call(commitStatusPath("3".repeat(40)), allowed());
  expect(r.status).toBe(404);
  expect(isCommitNotFound(r.body)).toBe(true);
  expect(r.body.message).toContain("is not in any manifest project of agent dude (it follows group/manifests)");
});

test.each<[string, () => [string, string | undefined, string?], number, string]>([
  ["no credential", () => [commitStatusPath(C1), undefined], 401, "kas: "],
  ["a project not in ci_access", () => [commitStatusPath(C1), `Bearer ${ciBearerToken("7", issuer.idToken("group/other"))}`], 403, "kas: "],
  ["a short commit", () => [commitStatusPath("abc1234"), allowed()], 400, 'kas: query parameter commit is "abc1234"; expected a full commit SHA'],
  ["POST", () => [commitStatusPath(C1), allowed(), "POST"], 405, "kas: /.kas/v1/commit_status answers GET only"],
])("%s: refused with a Status", async (_name, args, status, message) => {
  const [path, auth, method] = args();
  const r = await call(path, auth, method);
  expect(r.status).toBe(status);
  expect(r.body).toMatchObject({ kind: "Status", code: status, message: expect.stringContaining(message) });
  expect(logs.join("")).toContain("Kubernetes API request refused");
  expect(logs.join("")).not.toContain((token as string).split(".")[2]);
});
