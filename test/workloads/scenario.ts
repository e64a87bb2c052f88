/**
 * The workloads scenario (issue 21 item 3): kas in GitLab mode (test/fakes'
 * stand-in GitLab) with an api token, agentk as a process (bin/agentk, with
 * --allow-impersonation) syncing examples/dude-naww's nginx Deployment into
 * dude on the real test cluster, whose KWOK kubelet serves every fake pod's
 * log. The agent may also read events and pods' logs in dude (what the
 * console needs beyond its write rights); GitLab user walter (user_access,
 * access_as user) may read Deployments in dude but not pods, events or logs;
 * alice (maintainer of project 43) may read pods, their logs and events
 * there; donny may not use the agent at all.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { FakeUser } from "../fakes";
import { AGENT_NS } from "../agentk/scenario";
import type { TestCluster } from "../cluster";
import { AGENT, startKubeApiProcessScenario, type KubeApiProcessScenario } from "../kubeapi/scenario";

export const API_TOKEN = randomBytes(24).toString("base64url");
const PAT_WALTER = `glpat-${randomBytes(15).toString("base64url")}`;
const PAT_DONNY = `glpat-${randomBytes(15).toString("base64url")}`;
const PAT_ALICE = `glpat-${randomBytes(15).toString("base64url")}`;
export const DUDE = readFileSync(path.resolve(__dirname, "../../examples/dude-naww/manifests/dude.yaml"), "utf8");

/** The agent's config.yaml: its manifests, and user_access impersonating GitLab users. */
export const WORKLOADS_AGENT_CONFIG = [
  "gitops:",
  "  manifest_projects:",
  `    - id: ${AGENT.configProject}`,
  "      paths:",
  '        - glob: "manifests/**/*.yaml"',
  "user_access:",
  "  access_as:",
  "    user: {}",
  "  projects:",
  "    - id: group/app",
  "",
].join("\n");

const rbac = (kind: string, name: string, ns: string | undefined, rest: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind, metadata: { name, ...(ns ? { namespace: ns } : {}) }, ...rest });
const ref = (kind: string, name: string): Record<string, string> => ({ apiGroup: "rbac.authorization.k8s.io", kind, name });

/** The stand-in GitLab's users by personal access token: walter and alice may use the agent (impersonated with their project roles), donny not. */
export const WORKLOADS_USERS: Record<string, FakeUser> = {
  [PAT_WALTER]: { id: 3, username: "walter", access: { [Number(AGENT.id)]: { user: { projects: [{ id: 42, roles: ["developer"] }], groups: [] } } } },
  [PAT_DONNY]: { id: 4, username: "donny", access: {} },
  [PAT_ALICE]: { id: 5, username: "alice", access: { [Number(AGENT.id)]: { user: { projects: [{ id: 43, roles: ["maintainer"] }], groups: [] } } } },
};

/** The RBAC of the scenario (see the file's comment); apply before agentk starts. */
export async function grantWorkloadsRbac(cluster: TestCluster): Promise<void> {
  const developer = "gitlab:project_role:42:developer";
  const maintainer = "gitlab:project_role:43:maintainer";
  const objects = [
    // What the console reads as the agent, beyond its write rights: events and pods' logs in dude.
    rbac("Role", "agentk-workloads-read", "dude", { rules: [{ apiGroups: [""], resources: ["events", "pods/log"], verbs: ["get", "list"] }] }),
    rbac("RoleBinding", "agentk-workloads-read", "dude", { roleRef: ref("Role", "agentk-workloads-read"), subjects: [{ kind: "ServiceAccount", name: "agentk", namespace: AGENT_NS }] }),
    // The agent may impersonate GitLab users with walter's groups and extras.
    rbac("ClusterRole", "agentk-impersonate-users", undefined, {
      rules: [
        { apiGroups: [""], resources: ["users"], verbs: ["impersonate"] },
        { apiGroups: [""], resources: ["groups"], verbs: ["impersonate"], resourceNames: ["gitlab:user", developer, maintainer] },
        { apiGroups: ["authentication.k8s.io"], resources: ["id", "username", "access_type", "config_project_id"].map((k) => `userextras/agent.gitlab.com/${k}`), verbs: ["impersonate"] },
      ],
    }),
    rbac("ClusterRoleBinding", "agentk-impersonate-users", undefined, { roleRef: ref("ClusterRole", "agentk-impersonate-users"), subjects: [{ kind: "ServiceAccount", name: "agentk", namespace: AGENT_NS }] }),
    // Developers of project 42 see Deployments in dude, not their pods.
    rbac("Role", "deployment-reader", "dude", { rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] }] }),
    rbac("RoleBinding", "developers-read-deployments", "dude", { roleRef: ref("Role", "deployment-reader"), subjects: [{ ...ref("Group", developer) }] }),
    // Maintainers of project 43 see the Deployment, its pods, their logs and events in dude.
    rbac("Role", "workload-reader", "dude", {
      rules: [
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] },
        { apiGroups: [""], resources: ["pods", "events"], verbs: ["get", "list"] },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
      ],
    }),
    rbac("RoleBinding", "maintainers-read-workloads", "dude", { roleRef: ref("Role", "workload-reader"), subjects: [{ ...ref("Group", maintainer) }] }),
  ];
  const file = path.join(cluster.dir, "workloads-rbac.json");
  writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  await cluster.kubectl(["apply", "--server-side", "-f", file]);
}

export function startWorkloadsScenario(): Promise<KubeApiProcessScenario> {
  return startKubeApiProcessScenario({
    cluster: { kubeletServer: true },
    agentConfig: WORKLOADS_AGENT_CONFIG,
    files: { "manifests/dude.yaml": DUDE },
    allowImpersonation: true,
    apiToken: API_TOKEN,
    setup: grantWorkloadsRbac,
    gitlab: { users: WORKLOADS_USERS },
  });
}
