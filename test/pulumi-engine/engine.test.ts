/**
 * The real Pulumi engine (test/pulumi-engine/build.sh: the pulumi CLI and the
 * Kubernetes provider built from Go modules) on the real test cluster: an
 * inline program is previewed, applied, previewed again and destroyed, and
 * infra/policy blocks a program that makes the agent cluster-admin. Each step's
 * time is printed (see bench/README.md, "Pulumi engine build").
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { startTestCluster, type TestCluster } from "../cluster";
import { AGENT_LABEL } from "../../infra/rbac";
import { stepTimer, withPulumiStack, type PulumiStackRun } from "./index";

const POLICY_PACK = path.resolve(__dirname, "../../infra/policy");
const NAMESPACE = "engine-test";

let cluster: TestCluster;
let kubeconfig: string;
const { step, times } = stepTimer();

beforeAll(async () => {
  cluster = await startTestCluster();
  kubeconfig = readFileSync(cluster.kubeconfigPath, "utf8");
}, 240_000);

afterAll(async () => {
  if (times.length > 0) console.log(`real Pulumi engine step times:\n  ${times.join("\n  ")}`);
  await cluster?.stop();
});


function provider(): k8s.Provider {
  return new k8s.Provider("test-cluster", { kubeconfig });
}

const namespaceProgram: PulumiFn = async () => {
  const opts = { provider: provider() };
  const ns = new k8s.core.v1.Namespace(NAMESPACE, { metadata: { name: NAMESPACE } }, opts);
  new k8s.core.v1.ConfigMap("settings", { metadata: { name: "settings", namespace: ns.metadata.name }, data: { engine: "real" } }, opts);
};

/** The agent's ServiceAccount bound to cluster-admin: infra/policy's rbac-no-admin-bindings is mandatory. */
const adminAgentProgram: PulumiFn = async () => {
  const opts = { provider: provider() };
  const labels = { [AGENT_LABEL]: "dude-agent" };
  new k8s.core.v1.ServiceAccount("agent", { metadata: { name: "dude-agent", namespace: "default", labels } }, opts);
  new k8s.rbac.v1.ClusterRoleBinding(
    "agent-admin",
    {
      metadata: { name: "dude-agent-admin", labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: "dude-agent", namespace: "default" }],
    },
    opts,
  );
};

/** Runs `fn` on a fresh stack with infra/policy on; afterwards the run's temp dir (kubeconfigs with client keys) must be gone. */
async function onStack(stackName: string, program: PulumiFn, fn: (run: PulumiStackRun) => Promise<void>): Promise<void> {
  let runDir = "";
  await withPulumiStack({ projectName: "engine-test", stackName, program, policyPacks: [POLICY_PACK] }, async (run) => {
    runDir = run.dir;
    expect(existsSync(runDir)).toBe(true);
    await fn(run);
  });
  expect(runDir).not.toBe("");
  expect(existsSync(runDir)).toBe(false);
}

test("preview, up, a no-change preview and destroy of a Namespace and ConfigMap, with the policy pack on", async () => {
  await onStack("dev", namespaceProgram, async (run) => {
    const preview = await step("preview (4 creates, policy pack on)", () => run.preview());
    // The stack, the explicit provider, the Namespace and the ConfigMap.
    expect(preview.changeSummary).toEqual({ create: 4 });

    const up = await step("up", () => run.up());
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges).toEqual({ create: 4 });
    expect(await cluster.kubectl(["get", "configmap", "settings", "-n", NAMESPACE, "-o", "jsonpath={.data.engine}"])).toBe("real");
    // The provider's kubeconfig copies (client key included) land in the run's own TMPDIR.
    expect(readdirSync(path.join(run.dir, "tmp")).length).toBeGreaterThan(0);

    const again = await step("preview (no change)", () => run.preview());
    expect(again.changeSummary).toEqual({ same: 4 });

    const destroy = await step("destroy", () => run.destroy());
    expect(destroy.summary.resourceChanges).toEqual({ delete: 4 });
    expect(await cluster.kubectl(["get", "namespace", "-o", "name"])).not.toContain(`namespace/${NAMESPACE}`);
  });
}, 600_000);

test("infra/policy blocks the preview of a program that binds cluster-admin to the agent's ServiceAccount", async () => {
  await onStack("admin", adminAgentProgram, async (run) => {
    const preview = step("preview (blocked by policy)", () => run.preview());
    await expect(preview).rejects.toThrow(/rbac-no-admin-bindings[\s\S]*binds ClusterRole cluster-admin/);
  });
  expect(await cluster.kubectl(["get", "clusterrolebindings", "-o", "name"])).not.toContain("dude-agent-admin");
}, 600_000);
