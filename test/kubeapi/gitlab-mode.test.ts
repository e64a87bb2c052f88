/**
 * Issue 17 item 4 end to end: kas in GitLab mode (agents.registry gitlab,
 * against test/fakes' stand-in GitLab) with the real kubectl and the real
 * test cluster. CI job tokens (`ci:<agent id>:<CI_JOB_TOKEN>`) are admitted
 * when GitLab's allowed_agents lists the agent; personal access tokens
 * (`pat:<agent id>:<token>`) through the agent's user_access and GitLab's
 * authorize_proxy_user, running as gitlab:user:<name> with the roles GitLab
 * names, which the apiserver's RBAC then judges.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import type { TestCluster } from "../cluster";
import type { FakeAllowedAgent, FakeJob } from "../fakes";
import { AGENT_NS } from "../agentk/scenario";
import { until } from "../until";
import { AGENT, CONFIG_PROJECT_ID, startKubeApiScenario, type KubeApiScenario } from "./scenario";

const CONFIG = "user_access:\n  access_as:\n    user: {}\n  projects:\n    - id: group/app\n";
const job = (n: number) => `glcbt-64_${randomBytes(15).toString("base64url")}${n}`;
const JOB_OK = job(1);
const JOB_ELSEWHERE = job(2);
const JOB_REVOKED = job(3);
const JOB_AS_CI_JOB = job(4);
const PAT_WALTER = `glpat-${randomBytes(15).toString("base64url")}`;
const PAT_DONNY = `glpat-${randomBytes(15).toString("base64url")}`;
const TOKENS = [JOB_OK, JOB_ELSEWHERE, JOB_REVOKED, JOB_AS_CI_JOB, PAT_WALTER, PAT_DONNY];
const AGENT_USER = `system:serviceaccount:${AGENT_NS}:agentk`;
const TTL_MS = 1000;

const agentHere: FakeAllowedAgent[] = [{ id: Number(AGENT.id), configProjectId: CONFIG_PROJECT_ID, configProjectPath: AGENT.configProject }];
const aJob = (jobId: number, allowedAgents = agentHere): FakeJob => ({ jobId, pipelineId: 99, projectId: 42, groupIds: [6, 2], user: { id: 1, username: "dude" }, allowedAgents });

/**
 * The agent may impersonate any user, exactly walter's groups and job 4714's
 * (ci_job) and the extras GitLab defines; developers of project 42 read
 * ConfigMaps in dude, and so do project 42's CI jobs.
 */
async function grantUserAccess(cluster: TestCluster): Promise<void> {
  const keys = ["id", "username", "access_type", "config_project_id", "project_id", "ci_pipeline_id", "ci_job_id"];
  const extras = keys.map((k) => `userextras/agent.gitlab.com/${k}`);
  const roles = ["guest", "reporter", "developer"].map((r) => `gitlab:project_role:42:${r}`);
  const ciJob = ["gitlab:ci_job", "gitlab:group:6", "gitlab:group:2", "gitlab:project:42"];
  const objects = [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "agentk-impersonate-users" },
      rules: [
        { apiGroups: [""], resources: ["users"], verbs: ["impersonate"] },
        { apiGroups: [""], resources: ["groups"], verbs: ["impersonate"], resourceNames: ["gitlab:user", ...roles, ...ciJob] },
        { apiGroups: ["authentication.k8s.io"], resources: extras, verbs: ["impersonate"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "agentk-impersonate-users" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "agentk-impersonate-users" },
      subjects: [{ kind: "ServiceAccount", name: "agentk", namespace: AGENT_NS }],
    },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "configmap-reader", namespace: "dude" }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }] },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "project-42-developers-read-configmaps", namespace: "dude" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "configmap-reader" },
      subjects: ["gitlab:project_role:42:developer", "gitlab:project:42"].map((name) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name })),
    },
  ];
  const file = path.join(cluster.dir, "user-access.yaml");
  writeFileSync(file, objects.map((o) => JSON.stringify(o)).join("\n"));
  await cluster.kubectl(["apply", "--server-side", "-f", file]);
  await cluster.kubectl(["create", "configmap", "-n", "dude", "gl-hello", "--from-literal=greeting=dude"]);
}

let sc: KubeApiScenario;

beforeAll(async () => {
  sc = await startKubeApiScenario({
    agentConfig: CONFIG,
    allowImpersonation: true,
    setup: grantUserAccess,
    gitlab: {
      cacheTtl: `${TTL_MS}ms`,
      errorCacheTtl: "500ms",
      jobs: {
        [JOB_OK]: aJob(4711),
        [JOB_ELSEWHERE]: aJob(4712, [{ id: 99, configProjectId: 77, configProjectPath: "other/agent-config" }]),
        [JOB_REVOKED]: aJob(4713),
        [JOB_AS_CI_JOB]: aJob(4714, [{ ...agentHere[0]!, configuration: { access_as: { ci_job: {} } } }]),
      },
      users: {
        [PAT_WALTER]: { id: 3, username: "walter", access: { [Number(AGENT.id)]: { user: { projects: [{ id: 42, roles: ["guest", "reporter", "developer"] }], groups: [] } } } },
        [PAT_DONNY]: { id: 4, username: "donny", access: {} },
      },
    },
  });
}, 240_000);

afterAll(async () => {
  await sc?.stop();
});

test("a job token GitLab allows for the agent lists ConfigMaps in dude; naww is Forbidden by the apiserver", async () => {
  const file = sc.kubeconfig("job-ok", JOB_OK);
  const ok = await sc.kubectl(file, ["get", "configmaps", "-n", "dude", "-o", "name"]);
  expect(ok).toMatchObject({ ok: true });
  expect(ok.stdout).toContain("configmap/gl-hello");
  const naww = await sc.kubectl(file, ["get", "configmaps", "-n", "naww"]);
  expect(naww.ok).toBe(false);
  expect(naww.stderr).toContain(`User "${AGENT_USER}" cannot list resource "configmaps" in API group "" in the namespace "naww"`);
  expect(sc.gitlab?.lastJwtProblem).toBeUndefined();
  await sc.tunnelsFreed();
}, 60_000);

test("a job token GitLab does not allow for this agent: 403 from kas, nothing reaches the agent", async () => {
  const served = sc.agent.tunnels?.served;
  const r = await sc.kubectl(sc.kubeconfig("job-elsewhere", JOB_ELSEWHERE), ["get", "configmaps", "-n", "dude"]);
  expect(r.ok).toBe(false);
  expect(r.stderr).toContain("Error from server (Forbidden)");
  expect(sc.kas.logs.join("")).toContain("GitLab does not allow job 4712 of project 42 to use agent 7");
  expect(sc.agent.tunnels?.served).toBe(served);
}, 60_000);

test(`a job token GitLab revokes is refused within kas's allowed_agent_cache_ttl (${TTL_MS} ms here)`, async () => {
  const file = sc.kubeconfig("job-revoked", JOB_REVOKED);
  expect(await sc.kubectl(file, ["get", "configmaps", "-n", "dude", "-o", "name"])).toMatchObject({ ok: true });
  sc.gitlab?.revoke(JOB_REVOKED);
  const revokedAt = Date.now();
  const refused = await until("the revoked job token refused", async () => {
    const r = await sc.kubectl(file, ["get", "configmaps", "-n", "dude", "-o", "name"]);
    return r.ok ? undefined : { ...r, after: Date.now() - revokedAt };
  }, 10_000);
  expect(refused.stderr).toMatch(/Unauthorized|must be logged in/);
  // A refusal comes at the latest with the first request after the TTL (one kubectl run, well under 3 s here).
  expect(refused.after).toBeLessThan(TTL_MS + 3000);
  expect(sc.kas.logs.join("")).toContain("GitLab does not accept this CI job token");
}, 60_000);

test("a personal access token with user_access access_as user runs as gitlab:user:<name>; the RoleBinding to its role grants exactly that", async () => {
  const file = sc.kubeconfig("walter", PAT_WALTER, "pat");
  const ok = await sc.kubectl(file, ["get", "configmaps", "-n", "dude", "-o", "name"]);
  expect(ok).toMatchObject({ ok: true });
  expect(ok.stdout).toContain("configmap/gl-hello");
  // The agent's ServiceAccount may list pods in dude; walter may not: the request ran as walter.
  const pods = await sc.kubectl(file, ["get", "pods", "-n", "dude"]);
  expect(pods.stderr).toContain('User "gitlab:user:walter" cannot list resource "pods" in API group "" in the namespace "dude"');
  const naww = await sc.kubectl(file, ["get", "configmaps", "-n", "naww"]);
  expect(naww.stderr).toContain('User "gitlab:user:walter" cannot list resource "configmaps" in API group "" in the namespace "naww"');
  expect(sc.gitlab?.calls.authorizeProxyUser).toBeGreaterThan(0);
  await sc.tunnelsFreed();
}, 60_000);

test("a personal access token of a user without access to the agent: 403 from kas, nothing reaches the agent", async () => {
  const served = sc.agent.tunnels?.served;
  const r = await sc.kubectl(sc.kubeconfig("donny", PAT_DONNY, "pat"), ["get", "configmaps", "-n", "dude"]);
  expect(r.ok).toBe(false);
  expect(r.stderr).toContain("Error from server (Forbidden)");
  expect(sc.kas.logs.join("")).toContain("GitLab: the token's user may not use agent 7");
  expect(sc.agent.tunnels?.served).toBe(served);
}, 60_000);

test("a job token whose authorisation GitLab says is access_as ci_job runs as gitlab:ci_job:<id> with GitLab's ancestor groups", async () => {
  const file = sc.kubeconfig("ci-job", JOB_AS_CI_JOB);
  const ok = await sc.kubectl(file, ["get", "configmaps", "-n", "dude", "-o", "name"]);
  expect(ok).toMatchObject({ ok: true });
  expect(ok.stdout).toContain("configmap/gl-hello");
  const pods = await sc.kubectl(file, ["get", "pods", "-n", "dude"]);
  expect(pods.stderr).toContain('User "gitlab:ci_job:4714" cannot list resource "pods" in API group "" in the namespace "dude"');
  await sc.tunnelsFreed();
}, 60_000);

test("no token reached a log line of kas or agentk", () => {
  const logs = [...sc.kas.logs, ...sc.agentLogs].join("\n");
  expect(logs).toContain("Kubernetes API request refused");
  for (const t of TOKENS) expect(logs).not.toContain(t);
});
