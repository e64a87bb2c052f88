/**
 * Cluster access against the real test cluster: client certificates from a
 * kubeconfig (inline and by relative path), a pod's mounted ServiceAccount
 * (in-cluster, with token rotation), and an exec plugin left to client-node.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { startTestCluster, type TestCluster } from "../../../test/cluster";
import { removeDir, tempDir } from "../../../test/git";
import { fileToken, kubeconfigAccess, loadClusterAccess, type ClusterAccess } from "./access";
import { KubeClient } from "./client";
import { readKubeconfig } from "./kubeconfig";

let cluster: TestCluster;
let dir: string;
beforeAll(async () => {
  cluster = await startTestCluster();
  dir = await tempDir("access-");
}, 240_000);
afterAll(async () => {
  await cluster?.stop();
  if (dir) await removeDir(dir);
});

/** Who the API server says we are (SelfSubjectReview). */
async function whoami(access: ClusterAccess): Promise<string> {
  const client = KubeClient.fromAccess(access);
  try {
    const r = await client.request<{ status: { userInfo: { username: string } } }>("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    return r.status.userInfo.username;
  } finally {
    client.close();
  }
}

/** The token and CA inside a ServiceAccount kubeconfig minted by the test cluster. */
async function serviceAccount(ns: string, name: string): Promise<{ token: string; ca: Buffer }> {
  const file = await cluster.serviceAccountKubeconfig(ns, name);
  const r = readKubeconfig(readFileSync(file, "utf8"), file);
  if (!r.ok || r.spec.credentials.kind !== "token" || !r.spec.ca || !("data" in r.spec.ca)) throw new Error(`unexpected kubeconfig ${file}`);
  return { token: r.spec.credentials.token, ca: r.spec.ca.data };
}

test("a kubeconfig with inline client certificates", async () => {
  const access = await kubeconfigAccess(cluster.kubeconfigPath);
  expect(access.source).toBe(cluster.kubeconfigPath);
  expect(await whoami(access)).toBe("admin");
});

test("a kubeconfig naming certificate files relative to itself", async () => {
  const r = readKubeconfig(readFileSync(cluster.kubeconfigPath, "utf8"), cluster.kubeconfigPath);
  if (!r.ok) throw new Error("admin kubeconfig unreadable");
  const data = (m: unknown): Buffer => (m as { data: Buffer }).data;
  mkdirSync(path.join(dir, "kube", "pki"), { recursive: true });
  writeFileSync(path.join(dir, "kube", "pki", "ca.crt"), data(r.spec.ca));
  writeFileSync(path.join(dir, "kube", "pki", "me.crt"), data(r.spec.cert));
  writeFileSync(path.join(dir, "kube", "pki", "me.key"), data(r.spec.key));
  const file = path.join(dir, "kube", "config");
  writeFileSync(
    file,
    stringify({
      clusters: [{ name: "t", cluster: { server: r.spec.server.href, "certificate-authority": "pki/ca.crt" } }],
      users: [{ name: "me", user: { "client-certificate": "pki/me.crt", "client-key": "pki/me.key" } }],
      contexts: [{ name: "t", context: { cluster: "t", user: "me" } }],
      "current-context": "t",
    }),
  );
  expect(await whoami(await kubeconfigAccess(file))).toBe("admin");
  // $KUBECONFIG naming one file is read the same way.
  expect(await whoami(await loadClusterAccess({ env: { KUBECONFIG: file } }))).toBe("admin");
});

test("in a pod: the mounted ServiceAccount token and CA; a rotated token is picked up", async () => {
  const first = await serviceAccount("access-test", "agentk");
  const sa = path.join(dir, "serviceaccount");
  mkdirSync(sa, { recursive: true });
  writeFileSync(path.join(sa, "ca.crt"), first.ca);
  writeFileSync(path.join(sa, "token"), `${first.token}\n`);
  const env = { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: new URL(cluster.server).port };
  const access = await loadClusterAccess({ env, serviceAccountDir: sa, tokenTtlMs: 0 });
  expect(access.source).toBe("in-cluster");
  expect(await whoami(access)).toBe("system:serviceaccount:access-test:agentk");
  // The kubelet rotates the file; the next request (TTL 0 here, 60 s by default) uses the new token.
  writeFileSync(path.join(sa, "token"), (await serviceAccount("access-test", "rotated")).token);
  expect(await whoami(access)).toBe("system:serviceaccount:access-test:rotated");
});

test("an exec credential plugin is run by client-node (loaded only for it)", async () => {
  const { token, ca } = await serviceAccount("access-test", "exec-user");
  const credential = JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token } });
  const file = path.join(dir, "exec.kubeconfig");
  writeFileSync(
    file,
    stringify({
      clusters: [{ name: "t", cluster: { server: cluster.server, "certificate-authority-data": ca.toString("base64") } }],
      users: [
        {
          name: "e",
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1",
              command: process.execPath,
              args: ["-e", `process.stdout.write(${JSON.stringify(credential)})`],
              interactiveMode: "Never",
            },
          },
        },
      ],
      contexts: [{ name: "t", context: { cluster: "t", user: "e" } }],
      "current-context": "t",
    }),
  );
  const access = await kubeconfigAccess(file);
  expect(access.source).toBe(`kubeconfig ${file}: users "e" uses exec`);
  expect(await whoami(access)).toBe("system:serviceaccount:access-test:exec-user");
});

test("no way to reach a cluster is an error that says what was tried", async () => {
  await expect(loadClusterAccess({ env: { HOME: dir } })).rejects.toThrow(
    `no cluster access: not in a pod (KUBERNETES_SERVICE_HOST unset), no --kubeconfig, and ${path.join(dir, ".kube", "config")} does not exist`,
  );
  await expect(kubeconfigAccess(path.join(dir, "missing"))).rejects.toThrow(`kubeconfig ${path.join(dir, "missing")}: cannot read: ENOENT`);
  const bad = path.join(dir, "bad.kubeconfig");
  writeFileSync(bad, stringify({ clusters: [{ name: "t", cluster: { server: "https://x", "certificate-authority": "nope.crt" } }], contexts: [{ name: "t", context: { cluster: "t" } }], "current-context": "t" }));
  await expect(kubeconfigAccess(bad)).rejects.toThrow(`${bad}: certificate authority ${path.join(dir, "nope.crt")}: cannot read: ENOENT`);
});

test("a token file: reused within its TTL, last good kept when a re-read fails, first read failing is an error", async () => {
  const file = path.join(dir, "tok");
  let now = 0;
  await expect(fileToken(file, 1000, () => now)()).rejects.toThrow(`token file ${file}: cannot read: ENOENT`);
  writeFileSync(file, "one\n");
  const headers = fileToken(file, 1000, () => now);
  expect(await headers()).toEqual({ authorization: "Bearer one" });
  writeFileSync(file, "two");
  now = 999;
  expect(await headers()).toEqual({ authorization: "Bearer one" });
  now = 1000;
  expect(await headers()).toEqual({ authorization: "Bearer two" });
  await removeDir(file);
  now = 5000;
  expect(await headers()).toEqual({ authorization: "Bearer two" });
});
