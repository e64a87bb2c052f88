/**
 * Issue 17 item 3 end to end: `access_as: ci_job` and `impersonate` through
 * kas and agentk (--allow-impersonation) on the real test cluster. The
 * apiserver, not kas, decides what the impersonated identity may do (a
 * RoleBinding to gitlab:project:<id> grants exactly what it says) and whether
 * the agent may impersonate it at all (its ClusterRole's resourceNames); the
 * audit log names the agent and the identity it acted as.
 */
import { writeFileSync } from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import { ciBearerToken } from "../../runtime/kas/kubeapi-auth";
import { auditArgs, readAuditEvents, writeMetadataAuditPolicy, type AuditEvent, type TestCluster } from "../cluster";
import { AGENT_NS } from "../agentk/scenario";
import { tempDir, removeDir } from "../git";
import { until } from "../until";
import { AGENT, startKubeApiScenario, type KubeApiScenario } from "./scenario";

const CONFIG = [
  "ci_access:",
  "  projects:",
  "    - id: group/ci-project",
  "      access_as:",
  "        ci_job: {}",
  "    - id: group/alice-project",
  "      access_as:",
  "        impersonate:",
  "          username: alice",
  "          groups: [team-a]",
  "",
].join("\n");

const EXTRA_KEYS = ["id", "config_project_id", "project_id", "ci_pipeline_id", "ci_job_id", "username", "environment_slug", "environment_tier"].map((k) => `agent.gitlab.com/${k}`);
const AGENT_USER = `system:serviceaccount:${AGENT_NS}:agentk`;

/** What the agent may impersonate: any user (job ids are unbounded), exactly these groups, the agent.gitlab.com extras. */
async function grantImpersonation(cluster: TestCluster): Promise<void> {
  const file = path.join(cluster.dir, "impersonation.yaml");
  const role = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "agentk-impersonate" },
    rules: [
      { apiGroups: [""], resources: ["users"], verbs: ["impersonate"] },
      { apiGroups: [""], resources: ["groups"], verbs: ["impersonate"], resourceNames: ["gitlab:ci_job", "gitlab:project:42", "gitlab:group:6", "team-a"] },
      { apiGroups: ["authentication.k8s.io"], resources: EXTRA_KEYS.map((k) => `userextras/${k}`), verbs: ["impersonate"] },
    ],
  };
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "agentk-impersonate" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "agentk-impersonate" },
    subjects: [{ kind: "ServiceAccount", name: "agentk", namespace: AGENT_NS }],
  };
  // The project's jobs may read ConfigMaps in dude, and nothing else.
  const reader = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "configmap-reader", namespace: "dude" }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }] };
  const projectBinding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "project-42-reads-configmaps", namespace: "dude" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "configmap-reader" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "gitlab:project:42" }],
  };
  writeFileSync(file, [role, binding, reader, projectBinding].map((o) => JSON.stringify(o)).join("\n"));
  await cluster.kubectl(["apply", "--server-side", "-f", file]);
  await cluster.kubectl(["create", "configmap", "-n", "dude", "imp-hello", "--from-literal=greeting=dude"]);
}

let sc: KubeApiScenario;
let auditDir: string;
let auditFile: string;

beforeAll(async () => {
  auditDir = await tempDir("kubeapi-audit-");
  const policy = path.join(auditDir, "policy.yaml");
  auditFile = path.join(auditDir, "audit.log");
  writeMetadataAuditPolicy(policy);
  sc = await startKubeApiScenario({ cluster: { apiserverArgs: auditArgs(policy, auditFile) }, agentConfig: CONFIG, allowImpersonation: true, setup: grantImpersonation });
}, 240_000);

afterAll(async () => {
  await sc?.stop();
  if (auditDir) await removeDir(auditDir);
});

/** GET `path` through kas's proxy with this ID token; the status and body as the apiserver (or kas) answered. */
async function getThroughKas(path: string, idToken: string): Promise<{ status: number; body: string }> {
  const url = new URL(path, sc.kas.kubernetesApiUrl as string);
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: sc.caPem, headers: { authorization: `Bearer ${ciBearerToken(AGENT.id, idToken)}` } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
  });
}

const asJob = (e: AuditEvent): boolean => e.impersonatedUser?.username === "gitlab:ci_job:4711";

test("ci_job: the job lists ConfigMaps in dude as gitlab:ci_job:<id>, the RoleBinding to gitlab:project:42 grants no more, and the audit log names both identities", async () => {
  const file = sc.kubeconfig("ci-job", sc.issuer.idToken("group/ci-project"));
  const ok = await sc.kubectl(file, ["get", "configmaps", "-n", "dude", "-o", "name"]);
  expect(ok).toMatchObject({ ok: true });
  expect(ok.stdout).toContain("configmap/imp-hello");
  // The agent's ServiceAccount may list pods in dude; the job may not: the request ran as the job.
  const pods = await sc.kubectl(file, ["get", "pods", "-n", "dude"]);
  expect(pods.ok).toBe(false);
  expect(pods.stderr).toContain('pods is forbidden: User "gitlab:ci_job:4711" cannot list resource "pods" in API group "" in the namespace "dude"');
  const naww = await sc.kubectl(file, ["get", "configmaps", "-n", "naww"]);
  expect(naww.stderr).toContain('User "gitlab:ci_job:4711" cannot list resource "configmaps" in API group "" in the namespace "naww"');

  const event = await until(
    "the job's list of ConfigMaps in the audit log",
    async () => readAuditEvents(auditFile).find((e) => asJob(e) && e.verb === "list" && e.objectRef?.resource === "configmaps" && e.objectRef.namespace === "dude" && e.responseStatus?.code === 200),
    10_000,
  );
  expect(event.user?.username).toBe(AGENT_USER);
  expect(event.impersonatedUser?.groups).toEqual(expect.arrayContaining(["gitlab:ci_job", "gitlab:group:6", "gitlab:project:42"]));
  expect(event.impersonatedUser?.extra).toMatchObject({
    "agent.gitlab.com/id": [AGENT.id],
    "agent.gitlab.com/project_id": ["42"],
    "agent.gitlab.com/ci_job_id": ["4711"],
    "agent.gitlab.com/ci_pipeline_id": ["99"],
  });
  // No request of the job ran as the agent itself.
  expect(readAuditEvents(auditFile).filter((e) => e.user?.username === AGENT_USER && !e.impersonatedUser && e.objectRef?.namespace === "naww")).toEqual([]);
  await sc.tunnelsFreed();
}, 60_000);

test("ci_job from a group the agent may not impersonate: the apiserver refuses the impersonation itself", async () => {
  // Straight to the resource: kubectl's discovery would show the apiserver's 403 only as "unknown".
  const r = await getThroughKas("/api/v1/namespaces/dude/configmaps", sc.issuer.idToken("group/ci-project", { namespace_id: "77" }));
  expect(r.status).toBe(403);
  expect(JSON.parse(r.body)).toMatchObject({ kind: "Status", reason: "Forbidden" });
  const message = (JSON.parse(r.body) as { message: string }).message;
  expect(message).toContain(`"${AGENT_USER}" cannot impersonate resource "groups"`);
  expect(message).toContain("gitlab:group:77");
  expect(readAuditEvents(auditFile).some((e) => e.impersonatedUser?.groups?.includes("gitlab:group:77") && e.responseStatus?.code === 200)).toBe(false);
}, 60_000);

test("impersonate: the request runs as the user and groups ci_access names", async () => {
  const file = sc.kubeconfig("alice", sc.issuer.idToken("group/alice-project"));
  const r = await sc.kubectl(file, ["get", "configmaps", "-n", "dude"]);
  expect(r.ok).toBe(false);
  expect(r.stderr).toContain('User "alice" cannot list resource "configmaps" in API group "" in the namespace "dude"');
  const event = await until("alice's request in the audit log", async () => readAuditEvents(auditFile).find((e) => e.impersonatedUser?.username === "alice" && e.objectRef?.resource === "configmaps"), 10_000);
  // The apiserver adds system:authenticated to every impersonated user.
  expect(event.impersonatedUser?.groups).toEqual(["team-a", "system:authenticated"]);
  expect(event.user?.username).toBe(AGENT_USER);
}, 60_000);
