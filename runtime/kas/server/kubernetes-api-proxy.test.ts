/** The proxy's answers before any tunnel (CI ID tokens from a loopback issuer): 401/403 as Kubernetes Status bodies, 503 when the agent is not connected. */
import { serveLoopback, type LoopbackHttp } from "../../../test/loopback-http";
import { startIssuer, type TestIssuer } from "../../../test/kubeapi/issuer";
import { createLogger } from "../../common";
import { parseAgentConfig } from "../agentcfg";
import { CredentialCache, JwksCache, ciBearerToken, type TargetAgent } from "../kubeapi-auth";
import { TunnelRegistry } from "../tunnel";
import { kubernetesApiProxy } from "./kubernetes-api-proxy";

const AUDIENCE = "https://kas.example";
let issuer: TestIssuer;
const idToken = (projectPath: string): string => issuer.idToken(projectPath);
function target(yaml: string): TargetAgent {
  const res = parseAgentConfig(yaml, { file: "config.yaml", configProjectId: "group/agent-config" });
  if (!res.ok) throw new Error(res.error);
  return { agent: { id: "7", name: "dude", configProjectPath: "group/agent-config" }, ciAccess: res.access.ci_access };
}
const AGENT = target("ci_access:\n  projects:\n  - id: group/app\n  - id: group/imp\n    access_as: {impersonate: {username: alice}}\n");

const logs: string[] = [];
let server: LoopbackHttp;
let url = "";
beforeAll(async () => {
  issuer = await startIssuer(AUDIENCE);
  const handler = kubernetesApiProxy({
    auth: { verify: { issuer: issuer.url, audience: AUDIENCE, jwks: new JwksCache({ issuer: issuer.url }) }, cache: new CredentialCache(), agent: (id) => (id === "7" ? AGENT : undefined) },
    tunnels: new TunnelRegistry({ maxIdlePerAgent: 4, maxRequestsPerAgent: 4 }, () => false),
    logger: createLogger({ level: "debug", write: (l) => void logs.push(l) }, { component: "kas" }),
  });
  server = await serveLoopback(handler);
  url = server.url;
});
afterAll(async () => {
  await server.close();
  await issuer.close();
});

async function get(authorization?: string): Promise<{ status: number; body: { kind: string; reason: string; message: string; code: number } }> {
  const res = await fetch(`${url}/api/v1/namespaces/dude/configmaps`, { headers: authorization === undefined ? {} : { authorization } });
  return { status: res.status, body: (await res.json()) as { kind: string; reason: string; message: string; code: number } };
}

test.each<[string, () => string | undefined, number, string, string]>([
  ["no credential", () => undefined, 401, "Unauthorized", "kas: no Authorization header"],
  ["a project not in ci_access", () => `Bearer ${ciBearerToken("7", idToken("group/other"))}`, 403, "Forbidden", "kas: project group/other is not authorised by the ci_access of agent group/agent-config:dude"],
  ["an unknown agent", () => `Bearer ${ciBearerToken("8", idToken("group/app"))}`, 403, "Forbidden", "kas: no agent with id 8"],
  ["an agent not connected", () => `Bearer ${ciBearerToken("7", idToken("group/app"))}`, 503, "ServiceUnavailable", "kas: agent 7 is not connected"],
])("%s: a Kubernetes Status", async (_name, auth, status, reason, message) => {
  expect(await get(auth())).toEqual({ status, body: expect.objectContaining({ kind: "Status", code: status, reason, message }) });
});

test("agentk's own paths (the preview) are not reachable through the proxy, before any credential is looked at", async () => {
  const res = await fetch(`${url}/.agentk/v1/preview`, { method: "POST", headers: { authorization: `Bearer ${ciBearerToken("7", idToken("group/app"))}` }, body: "{}" });
  expect(res.status).toBe(404);
  expect(await res.json()).toMatchObject({ kind: "Status", message: "kas: /.agentk/v1/preview is agentk's own path, not part of the Kubernetes API" });
});

test("a refused token is logged by fingerprint, never itself", async () => {
  const token = idToken("group/other");
  await get(`Bearer ${ciBearerToken("7", token)}`);
  const text = logs.join("");
  expect(text).toContain("Kubernetes API request refused");
  expect(text).not.toContain(token.split(".")[2]);
});
