/**
 * Proves the test cluster is a real Kubernetes: RBAC is enforced by the real
 * kube-apiserver, controllers turn Deployments into running (KWOK) Pods, and
 * CRDs get Established. Nothing here is mocked; a cluster that cannot start
 * fails these tests with the reason (see ensureClusterBinary).
 */
import { existsSync } from "node:fs";
import * as k8s from "@kubernetes/client-node";
import { startTestCluster, type TestCluster } from "./index";
import { until } from "../until";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster();
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

function clientFor(kubeconfigPath: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc;
}

function nginxDeployment(name: string, namespace: string, replicas = 1): k8s.V1Deployment {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "nginx", image: "nginx:1.14.2" }] } },
    },
  };
}


describe("test cluster (real kube-apiserver, RBAC enforced)", () => {
  test("a ServiceAccount allowed Deployments in dude creates one there and gets 403 Forbidden in naww", async () => {
    const admin = clientFor(cluster.kubeconfigPath);
    const core = admin.makeApiClient(k8s.CoreV1Api);
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    for (const name of ["dude", "naww", "gitlab-k8s-agent"]) {
      await core.createNamespace({ body: { metadata: { name } } });
    }
    await rbac.createNamespacedRole({
      namespace: "dude",
      body: {
        metadata: { name: "agent-write", namespace: "dude" },
        rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "create", "patch", "delete"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: "dude",
      body: {
        metadata: { name: "agent-write", namespace: "dude" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "agent-write" },
        subjects: [{ kind: "ServiceAccount", name: "agent", namespace: "gitlab-k8s-agent" }],
      },
    });

    const saKubeconfig = await cluster.serviceAccountKubeconfig("gitlab-k8s-agent", "agent");
    const apps = clientFor(saKubeconfig).makeApiClient(k8s.AppsV1Api);

    const created = await apps.createNamespacedDeployment({ namespace: "dude", body: nginxDeployment("nginx-deployment-dude", "dude") });
    expect(created.metadata?.namespace).toBe("dude");
    expect(created.metadata?.uid).toMatch(/[0-9a-f-]{36}/);

    let denied: unknown;
    try {
      await apps.createNamespacedDeployment({ namespace: "naww", body: nginxDeployment("nginx-deployment-naww", "naww") });
    } catch (err) {
      denied = err;
    }
    expect(denied).toBeInstanceOf(k8s.ApiException);
    const apiErr = denied as k8s.ApiException<string>;
    expect(apiErr.code).toBe(403);
    const status = JSON.parse(apiErr.body) as { reason: string; message: string };
    expect(status.reason).toBe("Forbidden");
    expect(status.message).toContain('User "system:serviceaccount:gitlab-k8s-agent:agent" cannot create resource "deployments"');
    expect(status.message).toContain('in the namespace "naww"');

    // And the admin sees nothing landed in naww.
    const inNaww = await admin.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace: "naww" });
    expect(inNaww.items).toHaveLength(0);
  });

  test("a Deployment with 1 replica becomes 1/1 available with a Running pod (controller-manager, scheduler, KWOK)", async () => {
    const admin = clientFor(cluster.kubeconfigPath);
    const apps = admin.makeApiClient(k8s.AppsV1Api);
    const core = admin.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: "rollout" } } });
    await apps.createNamespacedDeployment({ namespace: "rollout", body: nginxDeployment("web", "rollout") });

    const dep = await until("deployment rollout/web available 1/1", async () => {
      const d = await apps.readNamespacedDeployment({ name: "web", namespace: "rollout" });
      return d.status?.availableReplicas === 1 && d.status?.readyReplicas === 1 ? d : undefined;
    });
    expect(dep.status?.conditions?.find((c) => c.type === "Available")?.status).toBe("True");

    const pods = await core.listNamespacedPod({ namespace: "rollout", labelSelector: "app=web" });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0]!;
    expect(pod.status?.phase).toBe("Running");
    expect(pod.spec?.nodeName).toBe("kwok-node-0");
    expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  test("a CRD becomes Established and a custom resource of it can be created and read", async () => {
    const admin = clientFor(cluster.kubeconfigPath);
    const ext = admin.makeApiClient(k8s.ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: "widgets.example.com" },
        spec: {
          group: "example.com",
          scope: "Namespaced",
          names: { plural: "widgets", singular: "widget", kind: "Widget" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
                },
              },
            },
          ],
        },
      },
    });
    await until("CRD widgets.example.com Established", async () => {
      const crd = await ext.readCustomResourceDefinition({ name: "widgets.example.com" });
      return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
    });

    const custom = admin.makeApiClient(k8s.CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      group: "example.com",
      version: "v1",
      namespace: "default",
      plural: "widgets",
      body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1" }, spec: { size: 3 } },
    });
    const got = (await custom.getNamespacedCustomObject({
      group: "example.com",
      version: "v1",
      namespace: "default",
      plural: "widgets",
      name: "w1",
    })) as { spec: { size: number }; metadata: { uid: string } };
    expect(got.spec.size).toBe(3);
    expect(got.metadata.uid).toMatch(/[0-9a-f-]{36}/);
  });

  test("stop() ends every process by pid and removes the temp dir", async () => {
    const logFiles = Object.keys(cluster.logFiles);
    expect(logFiles.sort()).toEqual(["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]);
    const pids = cluster.pids;
    expect(pids.length).toBe(5);
    for (const pid of pids) expect(alive(pid)).toBe(true);
    await cluster.stop();
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(existsSync(cluster.dir)).toBe(false);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
