/** GET /.kas/v1/allowed_agents with CI ID tokens from a loopback issuer: the agents a job may use and nothing about others; 401/405 as Kubernetes Status bodies; tokens never logged. */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { startIssuer, type TestIssuer } from "../../../test/kubeapi/issuer";
import { createLogger } from "../../common";
import { parseAgentConfig } from "../agentcfg";
import { KAS_ALLOWED_AGENTS_PATH, CredentialCache, JwksCache, ciBearerToken, type TargetAgent } from "../kubeapi-auth";
import { allowedAgentsHandler } from "./kubernetes-api-allowed-agents";

const AUDIENCE = "https://kas.example";
let issuer: TestIssuer;
function target(id: string, name: string, configProjectPath: string, yaml: string): TargetAgent {
  const res = parseAgentConfig(yaml, { file: "config.yaml", configProjectId: configProjectPath });
  if (!res.ok) throw new Error(res.error);
  return { agent: { id, name, configProjectPath }, ciAccess: res.access.ci_access };
}
const AGENTS = [
  target("7", "dude", "group/agent-config", "ci_access:\n  projects:\n  - id: group/app\n    default_namespace: dude\n  - id: group/imp\n    access_as: {impersonate: {username: alice}}\n"),
  target("8", "ops", "group/ops-config", "ci_access:\n  groups:\n  - id: group\n    access_as: {ci_job: {}}\n"),
  target("9", "prod", "group/prod-config", "ci_access:\n  projects:\n  - id: group/app\n    environments: [production]\n"),
  target("10", "elsewhere", "other/agent-config", "ci_access:\n  projects:\n  - id: other/app\n"),
];

const logs: string[] = [];
let server: http.Server;
let url = "";
beforeAll(async () => {
  issuer = await startIssuer(AUDIENCE);
  const handler = allowedAgentsHandler({
    auth: { verify: { issuer: issuer.url, audience: AUDIENCE, jwks: new JwksCache({ issuer: issuer.url }) }, cache: new CredentialCache() },
    agents: () => AGENTS,
    logger: createLogger({ level: "debug", write: (l) => void logs.push(l) }, { component: "kas" }),
  });
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${KAS_ALLOWED_AGENTS_PATH}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await issuer.close();
});

async function call(authorization?: string, method = "GET"): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method, headers: authorization === undefined ? {} : { authorization } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const names = (body: Record<string, unknown>): string[] => (body.allowed_agents as { name: string }[]).map((a) => a.name);

test("a project named in ci_access: that agent with its access_as kind and default namespace; a group entry adds another; nothing about the rest", async () => {
  const r = await call(`Bearer ${issuer.idToken("group/app")}`);
  expect(r.status).toBe(200);
  expect(r.body).toEqual({
    allowed_agents: [
      { id: "7", name: "dude", config_project: { path_with_namespace: "group/agent-config" }, configuration: { access_as: { agent: {} }, default_namespace: "dude" } },
      { id: "8", name: "ops", config_project: { path_with_namespace: "group/ops-config" }, configuration: { access_as: { ci_job: {} } } },
    ],
    job: { id: "4711" },
    project: { id: "42", path_with_namespace: "group/app" },
  });
  // Agent 9 admits only the production environment, agent 10 only other/app.
  expect(JSON.stringify(r.body)).not.toMatch(/prod-config|elsewhere/);
});

test.each<[string, string, string[]]>([
  ["impersonation is named by kind only", "group/imp", ["dude", "ops"]],
  ["an environment the rule admits", "group/app?production", ["dude", "ops", "prod"]],
  ["the agent's own configuration project, implicitly", "group/agent-config", ["dude", "ops"]],
  ["another top-level group: only the agent that names it", "other/app", ["elsewhere"]],
  ["no agent at all: an empty list, not an error", "third/app", []],
])("%s", async (_name, project, expected) => {
  const [path, env] = project.split("?");
  const r = await call(`Bearer ${issuer.idToken(path!, env === undefined ? {} : { environment: env })}`);
  expect([r.status, names(r.body)]).toEqual([200, expected]);
  if (project === "group/imp") expect((r.body.allowed_agents as { configuration: unknown }[])[0]!.configuration).toEqual({ access_as: { impersonate: {} } });
});

test.each<[string, () => string | undefined, string]>([
  ["no credential", () => undefined, "kas: no Authorization header; expected Bearer <CI ID token>"],
  ["the proxy's ci:<agent id>:<token> form", () => `Bearer ${ciBearerToken("7", issuer.idToken("group/app"))}`, "kas: Authorization: expected the plain CI ID token here, not ci:<agent id>:<token>"],
  ["an expired token", () => `Bearer ${issuer.idToken("group/app", { iat: 1, exp: 2 })}`, "kas: token expired"],
  ["another audience", () => `Bearer ${issuer.idToken("group/app", { aud: "https://elsewhere" })}`, "kas: audience"],
])("%s: 401 with a Kubernetes Status", async (_name, auth, message) => {
  const r = await call(auth());
  expect(r.status).toBe(401);
  expect(r.body).toMatchObject({ kind: "Status", status: "Failure", reason: "Unauthorized", code: 401 });
  expect(r.body.message).toContain(message);
});

test("only GET", async () => {
  const r = await call(`Bearer ${issuer.idToken("group/app")}`, "POST");
  expect(r).toMatchObject({ status: 405, body: { kind: "Status", reason: "MethodNotAllowed" } });
});

test("tokens are logged by fingerprint, never themselves", async () => {
  const good = issuer.idToken("group/app", { job_id: "5000" });
  const bad = issuer.idToken("group/app", { aud: "https://elsewhere", job_id: "5001" });
  await call(`Bearer ${good}`);
  await call(`Bearer ${bad}`);
  const text = logs.join("");
  expect(text).toContain("allowed_agents answered");
  expect(text).toContain("Kubernetes API request refused");
  expect(text).toMatch(/sha256:[0-9a-f]{12}/);
  for (const t of [good, bad]) expect(text).not.toContain(t.split(".")[2]);
});
