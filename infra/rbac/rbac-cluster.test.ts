/**
 * The plan's rights, checked by a real kube-apiserver with RBAC: the
 * rendered manifests are applied as admin, then SelfSubjectAccessReviews are
 * asked AS the agent's ServiceAccount (`kubectl auth can-i` with its token).
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { podSecurityLabels } from "../../runtime/common/pod-security";
import { canI, startTestCluster, untilCan, type TestCluster } from "../../test/cluster";
import { applyRbacPlan } from "../../test/rbac-plan";
import { parseStackConfig, readStackFile } from "../config";
import { planRbac, type RbacPlan } from "./index";

const EXAMPLE = path.join(__dirname, "../../examples/dude-naww/Pulumi.dude-naww.yaml");
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster();
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Applies the plan as admin and returns a kubeconfig of the agent's ServiceAccount. */
const applyPlan = (plan: RbacPlan, file: string): Promise<string> => applyRbacPlan(cluster, plan, file);

describe("the dude/naww plan on a real apiserver, as system:serviceaccount:gitlab-k8s-agent:dude-agent", () => {
  let sa: string;

  beforeAll(async () => {
    sa = await applyPlan(planRbac(parseStackConfig(readStackFile(EXAMPLE))), "dude-naww.yaml");
    // The authorizer's informers see new bindings a moment after the apply.
    await untilCan(cluster, sa, ["patch", "deployments", "-n", "dude"]);
  });

  test("the namespaces exist, labelled for the agent; naww holds no Role and no RoleBinding", async () => {
    const names = await cluster.kubectl(["get", "namespaces", "-l", "gitops-agent.dev/agent=dude-agent", "-o", "jsonpath={.items[*].metadata.name}"]);
    expect(names.split(" ").sort()).toEqual(["dude", "gitlab-k8s-agent", "naww"]);
    expect((await cluster.kubectl(["get", "roles,rolebindings", "-n", "naww", "-o", "name"])).trim()).toBe("");
  });

  test.each<[string, "allowed" | "denied", string[]]>([
    ["patch deployments in dude", "allowed", ["patch", "deployments.apps", "-n", "dude"]],
    ["create services in dude", "allowed", ["create", "services", "-n", "dude"]],
    ["delete configmaps in dude (prune)", "allowed", ["delete", "configmaps", "-n", "dude"]],
    ["get secrets in dude (not asked for)", "denied", ["get", "secrets", "-n", "dude"]],
    ["patch deployments in naww", "denied", ["patch", "deployments.apps", "-n", "naww"]],
    ["get pods in naww", "denied", ["get", "pods", "-n", "naww"]],
    ["patch its inventory ConfigMap", "allowed", ["patch", "configmaps/dude-agent-inventory", "-n", "gitlab-k8s-agent"]],
    ["update its Lease (leader election)", "allowed", ["update", "leases.coordination.k8s.io/dude-agent-lock", "-n", "gitlab-k8s-agent"]],
    ["patch another agent's inventory ConfigMap in its namespace", "denied", ["patch", "configmaps/other-agent-inventory", "-n", "gitlab-k8s-agent"]],
    ["update another agent's Lease in its namespace", "denied", ["update", "leases.coordination.k8s.io/other-agent-lock", "-n", "gitlab-k8s-agent"]],
    ["create configmaps in its own namespace (its inventory is created up front)", "denied", ["create", "configmaps", "-n", "gitlab-k8s-agent"]],
    ["create leases in its own namespace (its Lease is created up front)", "denied", ["create", "leases.coordination.k8s.io", "-n", "gitlab-k8s-agent"]],
    ["get secrets in its own namespace", "denied", ["get", "secrets", "-n", "gitlab-k8s-agent"]],
    ["create deployments in its own namespace", "denied", ["create", "deployments.apps", "-n", "gitlab-k8s-agent"]],
    ["create clusterroles", "denied", ["create", "clusterroles.rbac.authorization.k8s.io"]],
    ["create clusterrolebindings", "denied", ["create", "clusterrolebindings.rbac.authorization.k8s.io"]],
    ["list secrets in all namespaces", "denied", ["list", "secrets", "--all-namespaces"]],
    ["list deployments in all namespaces", "denied", ["list", "deployments.apps", "--all-namespaces"]],
    ["list namespaces", "denied", ["list", "namespaces"]],
    ["create namespaces", "denied", ["create", "namespaces"]],
    ["anything anywhere", "denied", ["*", "*", "--all-namespaces"]],
  ])("%s: %s", async (_what, expected, args) => {
    expect((await canI(cluster, sa, args)) ? "allowed" : "denied").toBe(expected);
  });
});

describe("read with secrets: true, as system:serviceaccount:readers:reader", () => {
  let sa: string;

  beforeAll(async () => {
    const config = parseStackConfig({
      cluster: { provider: "existing", kubeconfig: "unused" },
      agent: { name: "reader", namespace: "readers" },
      namespaces: { vault: { access: "read", secrets: true }, plain: "read" },
    });
    sa = await applyPlan(planRbac(config), "reader.yaml");
    await untilCan(cluster, sa, ["get", "secrets", "-n", "vault"]);
  });

  test.each<[string, "allowed" | "denied", string[]]>([
    ["list secrets in vault (asked for)", "allowed", ["list", "secrets", "-n", "vault"]],
    ["watch deployments in vault", "allowed", ["watch", "deployments.apps", "-n", "vault"]],
    ["patch deployments in vault (read only)", "denied", ["patch", "deployments.apps", "-n", "vault"]],
    ["create secrets in vault (read only)", "denied", ["create", "secrets", "-n", "vault"]],
    ["get secrets in plain (not asked for)", "denied", ["get", "secrets", "-n", "plain"]],
    ["get configmaps in plain", "allowed", ["get", "configmaps", "-n", "plain"]],
  ])("%s: %s", async (_what, expected, args) => {
    expect((await canI(cluster, sa, args)) ? "allowed" : "denied").toBe(expected);
  });
});

/** A Pod that mounts the node's root filesystem, privileged: what a `restricted` or `baseline` namespace must refuse. */
const PRIVILEGED_POD = `apiVersion: v1
kind: Pod
metadata: {name: rootfs}
spec:
  containers:
  - name: shell
    image: busybox
    securityContext: {privileged: true}
    volumeMounts: [{name: host, mountPath: /host}]
  volumes:
  - name: host
    hostPath: {path: /}
`;
/** Runs as root, nothing else: baseline allows it, restricted does not. */
const ROOT_POD = `apiVersion: v1
kind: Pod
metadata: {name: root}
spec:
  containers: [{name: nginx, image: "nginx:1.14.2"}]
`;
const RESTRICTED_POD = `apiVersion: v1
kind: Pod
metadata: {name: tidy}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: gitops-agent:0.1.0
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`;

describe("Pod Security labels on the namespaces the plan creates, as system:serviceaccount:guards:guard", () => {
  let sa: string;
  let plan: RbacPlan;

  beforeAll(async () => {
    const config = parseStackConfig({
      cluster: { provider: "existing", kubeconfig: "unused" },
      agent: { name: "guard", namespace: "guards" },
      namespaces: { locked: "write", relaxed: { access: "write", podSecurity: "baseline" }, open: { access: "write", podSecurity: "privileged" } },
    });
    plan = planRbac(config);
    sa = await applyPlan(plan, "guard.yaml");
    await untilCan(cluster, sa, ["create", "pods", "-n", "open"]);
  });

  /** `kubectl create --dry-run=server` as the agent: "" when admitted, else the apiserver's refusal. */
  async function dryRun(namespace: string, pod: string, name: string): Promise<string> {
    const file = path.join(cluster.dir, `${namespace}-${name}.yaml`);
    writeFileSync(file, pod);
    try {
      await cluster.kubectl(["create", "--dry-run=server", "-n", namespace, "-f", file], sa);
      return "";
    } catch (err) {
      return String((err as { stderr?: unknown }).stderr ?? err);
    }
  }

  test("the namespaces carry enforce, warn and audit at their level, version latest", async () => {
    const labels = async (ns: string) => JSON.parse(await cluster.kubectl(["get", "namespace", ns, "-o", "jsonpath={.metadata.labels}"])) as Record<string, string>;
    for (const [ns, level] of [["guards", "restricted"], ["locked", "restricted"], ["relaxed", "baseline"], ["open", "privileged"]] as const) {
      expect(await labels(ns)).toMatchObject(podSecurityLabels(level));
    }
  });

  test.each<[string, string, string, RegExp | ""]>([
    ["locked (restricted, the default)", "privileged", "locked", /violates PodSecurity "restricted:latest"(?=.*privileged)(?=.*hostPath)/s],
    ["locked (restricted, the default)", "root", "locked", /violates PodSecurity "restricted:latest"/],
    ["locked (restricted, the default)", "restricted", "locked", ""],
    ["relaxed (baseline)", "privileged", "relaxed", /violates PodSecurity "baseline:latest"(?=.*privileged)(?=.*hostPath)/s],
    ["relaxed (baseline)", "root", "relaxed", ""],
    ["open (privileged, asked for)", "privileged", "open", ""],
  ])("%s: a %s pod, server-side dry-run as the agent", async (_what, kind, namespace, expected) => {
    const pod = { privileged: PRIVILEGED_POD, root: ROOT_POD, restricted: RESTRICTED_POD }[kind] as string;
    const refusal = await dryRun(namespace, pod, kind);
    if (expected === "") expect(refusal).toBe("");
    else expect(refusal).toMatch(expected);
  });
});
