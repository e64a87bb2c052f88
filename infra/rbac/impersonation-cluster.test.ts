/**
 * `agent.impersonation` on a real kube-apiserver with RBAC: the planned
 * `<agent>-impersonate` ClusterRole is applied as admin, then the agent's
 * ServiceAccount sends impersonated requests (a SelfSubjectReview, as
 * `kubectl auth whoami`, with Impersonate-User, -Group, -Uid and -Extra-*
 * headers from a kubeconfig's `as`, `as-groups`, `as-uid` and
 * `as-user-extra`), so the apiserver's own impersonation
 * filter decides: a ci_job identity with the listed groups and the
 * agent.gitlab.com extras passes; system:masters, an unlisted group, an
 * unlisted extra key or a ServiceAccount is refused with 403.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { canI, startTestCluster, untilCan, type TestCluster } from "../../test/cluster";
import { applyRbacPlan } from "../../test/rbac-plan";
import { parseStackConfig } from "../config";
import { planRbac } from "./index";

let cluster: TestCluster;
let sa: string;

beforeAll(async () => {
  cluster = await startTestCluster();
  const config = parseStackConfig({
    cluster: { provider: "existing", kubeconfig: "unused" },
    agent: { name: "ci-agent", namespace: "ci-agent-home", impersonation: { ciJob: true, groups: ["gitlab:ci_job", "gitlab:project:42"] } },
    namespaces: { dude: "write" },
  });
  sa = await applyRbacPlan(cluster, planRbac(config), "ci-agent.yaml");
  await untilCan(cluster, sa, ["impersonate", "groups/gitlab:project:42"]);
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

interface Identity {
  readonly user: string;
  readonly groups?: readonly string[];
  readonly uid?: string;
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

interface UserInfo {
  readonly username: string;
  readonly groups?: string[];
  readonly extra?: Record<string, string[]>;
}

let files = 0;
/** The agent ServiceAccount's kubeconfig, asking the apiserver to impersonate `who` (what agentk sends for kas). */
function impersonating(kubeconfig: string, who: Identity): string {
  const doc = parse(readFileSync(kubeconfig, "utf8")) as { users: { user: Record<string, unknown> }[] };
  const user = doc.users[0]!.user;
  user.as = who.user;
  if (who.groups) user["as-groups"] = [...who.groups];
  if (who.uid) user["as-uid"] = who.uid;
  if (who.extra) user["as-user-extra"] = who.extra;
  const file = path.join(cluster.dir, `impersonating-${++files}.kubeconfig`);
  writeFileSync(file, stringify(doc), { mode: 0o600 });
  return file;
}

/**
 * A SelfSubjectReview (what `kubectl auth whoami` asks, raw, since whoami hides the apiserver's
 * refusal behind its own message) as `who`: the user the apiserver saw, or its refusal.
 */
async function whoami(who: Identity, kubeconfig = sa): Promise<UserInfo | string> {
  const review = path.join(cluster.dir, "selfsubjectreview.json");
  writeFileSync(review, JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }));
  try {
    const out = await cluster.kubectl(["create", "--raw", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "-f", review], impersonating(kubeconfig, who));
    return (JSON.parse(out) as { status: { userInfo: UserInfo } }).status.userInfo;
  } catch (err) {
    return String((err as { stderr?: unknown }).stderr ?? err).trim();
  }
}

const CI_JOB_EXTRA = {
  "agent.gitlab.com/id": ["7"],
  "agent.gitlab.com/config_project_id": ["5"],
  "agent.gitlab.com/project_id": ["42"],
  "agent.gitlab.com/ci_pipeline_id": ["1001"],
  "agent.gitlab.com/ci_job_id": ["99"],
  "agent.gitlab.com/username": ["dude"],
  "agent.gitlab.com/environment_slug": ["production"],
  "agent.gitlab.com/environment_tier": ["production"],
};
const JOB_99: Identity = { user: "gitlab:ci_job:99", groups: ["gitlab:ci_job", "gitlab:project:42"], extra: CI_JOB_EXTRA };

describe("GIVEN ciJob with groups [gitlab:ci_job, gitlab:project:42], as system:serviceaccount:ci-agent-home:ci-agent", () => {
  test("the ci_job identity of job 99, with both groups and every agent.gitlab.com extra, is impersonated: whoami answers as it", async () => {
    expect(await whoami(JOB_99)).toEqual({
      username: "gitlab:ci_job:99",
      groups: ["gitlab:ci_job", "gitlab:project:42", "system:authenticated"],
      extra: CI_JOB_EXTRA,
    });
  });

  test("any job id: gitlab:ci_job:100000 with one of the groups passes too (users has no resourceNames)", async () => {
    expect(await whoami({ user: "gitlab:ci_job:100000", groups: ["gitlab:ci_job"] })).toMatchObject({ username: "gitlab:ci_job:100000" });
  });

  test.each<[string, Identity, RegExp]>([
    ["group system:masters", { ...JOB_99, groups: ["gitlab:ci_job", "system:masters"] }, /cannot impersonate resource "groups" in API group "" at the cluster scope/],
    ["an unlisted group (another project)", { ...JOB_99, groups: ["gitlab:ci_job", "gitlab:project:43"] }, /cannot impersonate resource "groups"/],
    ["an unlisted extra key", { ...JOB_99, extra: { ...CI_JOB_EXTRA, scopes: ["admin"] } }, /cannot impersonate resource "userextras\/scopes" in API group "authentication.k8s.io"/],
    ["a uid (none configured)", { ...JOB_99, uid: "u-1" }, /cannot impersonate resource "uids" in API group "authentication.k8s.io"/],
    ["a ServiceAccount (any user never covers serviceaccounts)", { user: "system:serviceaccount:kube-system:default" }, /cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"/],
  ])("%s is refused by the apiserver with 403 Forbidden", async (_what, who, refusal) => {
    const out = await whoami(who);
    expect(out).toMatch(/Error from server \(Forbidden\)/);
    expect(out).toMatch(refusal);
  });

  test.each<[string, "allowed" | "denied", string[]]>([
    ["impersonate users/gitlab:ci_job:99", "allowed", ["impersonate", "users/gitlab:ci_job:99"]],
    ["impersonate groups/gitlab:ci_job", "allowed", ["impersonate", "groups/gitlab:ci_job"]],
    ["impersonate groups/system:masters", "denied", ["impersonate", "groups/system:masters"]],
    ["impersonate groups/gitlab:project:43", "denied", ["impersonate", "groups/gitlab:project:43"]],
    ["impersonate serviceaccounts in kube-system", "denied", ["impersonate", "serviceaccounts", "-n", "kube-system"]],
    ["create clusterrolebindings", "denied", ["create", "clusterrolebindings.rbac.authorization.k8s.io"]],
  ])("SSAR %s: %s", async (_what, expected, args) => {
    expect((await canI(cluster, sa, args)) ? "allowed" : "denied").toBe(expected);
  });

  test("impersonated, the agent holds the job's rights, not its own: the job's group may read pods in dude, the identity may not patch deployments the agent could", async () => {
    await cluster.kubectl(["create", "rolebinding", "project-42-view", "-n", "dude", "--clusterrole=view", "--group=gitlab:project:42"]);
    const job = impersonating(sa, JOB_99);
    await untilCan(cluster, job, ["list", "pods", "-n", "dude"]);
    expect(await canI(cluster, job, ["patch", "deployments.apps", "-n", "dude"])).toBe(false);
    expect(await canI(cluster, sa, ["patch", "deployments.apps", "-n", "dude"])).toBe(true);
  });
});

test("an agent without agent.impersonation cannot impersonate at all", async () => {
  const plain = await applyRbacPlan(
    cluster,
    planRbac(parseStackConfig({ cluster: { provider: "existing", kubeconfig: "unused" }, agent: { name: "plain-agent", namespace: "plain-home" }, namespaces: {} })),
    "plain-agent.yaml",
  );
  const out = await whoami({ user: "gitlab:ci_job:99", groups: ["gitlab:ci_job"] }, plain);
  // 1.36's apiserver names the constrained-impersonation verb it tried last (impersonate-on:user-info:create).
  expect(out).toMatch(/Error from server \(Forbidden\).*User "system:serviceaccount:plain-home:plain-agent" cannot impersonate/s);
});
