/**
 * test/deployed on the real test cluster: kas and agentk created as infra and
 * `agentk generate` create them, run only from what the API holds; agentk
 * reaches kas by its Service name and applies a ConfigMap from the repository.
 * And the runner refuses what a cluster would not run the same way.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { renderKasConfig } from "../../infra/kas/kas-config";
import { DEFAULT_AGENTK_IMAGE, kasDeployment, kasPorts, kasService, registryYaml, tokenSha256, KAS_PORTS } from "../../runtime/common/deploy";
import { apiRequest, startTestCluster, type TestCluster } from "../cluster";
import { makeRepo, removeDir, startGitHttpServer, tempDir, type GitHttpServer } from "../git";
import { ensureRuntimeImage, imageCommand, type RuntimeImage } from "../image";
import { newToken } from "../kas";
import { runDeployment, type DeployedProcess } from "./index";

const run = promisify(execFile);
const IMAGE = DEFAULT_AGENTK_IMAGE;
const KAS_NS = "kas-system";
const AGENT_NS = "gitlab-k8s-agent";
const token = newToken();
let cluster: TestCluster;
let images: Record<string, RuntimeImage>;
let dir: string;
let gitServer: GitHttpServer;
const running: DeployedProcess[] = [];

async function apply(objects: readonly unknown[]): Promise<void> {
  const file = path.join(dir, `apply-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  await cluster.kubectl(["apply", "-f", file]);
}

async function start(namespace: string, name: string): Promise<DeployedProcess> {
  const p = await runDeployment(cluster, { namespace, name, images });
  running.push(p);
  return p;
}

/** A Deployment of our image in `namespace`, with the given container and pod fields. */
function deployment(namespace: string, name: string, container: object, pod: object = {}): object {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: IMAGE, ...container }], ...pod } } },
  };
}

beforeAll(async () => {
  [cluster, images] = await Promise.all([startTestCluster(), ensureRuntimeImage().then((img) => ({ [IMAGE]: img }))]);
  dir = await tempDir("deployed-test-");
  await makeRepo(path.join(dir, "git", "dude-naww.git"), {
    ".gitlab/agents/dude-agent/config.yaml": "gitops:\n  manifest_projects:\n  - id: group/dude-naww\n    default_namespace: dude\n    paths:\n    - glob: '/manifests/**/*.yaml'\n",
    "manifests/hello.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hello}\ndata: {from: the-repository}\n",
  }, { bare: true });
  gitServer = await startGitHttpServer({ root: path.join(dir, "git") });
}, 600_000);

afterAll(async () => {
  for (const p of running.reverse()) await p.stop(5000);
  await gitServer?.stop();
  await cluster?.stop();
  if (dir) await removeDir(dir);
});

test("kas and agentk run from their objects: agentk dials kas by its Service name and applies the repository's ConfigMap", async () => {
  const ports = kasPorts({ webhook: false, api: false });
  await apply([
    { apiVersion: "v1", kind: "Namespace", metadata: { name: KAS_NS } },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "kas-config", namespace: KAS_NS },
      data: { "kas.yaml": renderKasConfig([{ id: "group/dude-naww", url: `${gitServer.url}/dude-naww.git` }]) },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "kas-registry", namespace: KAS_NS },
      stringData: { "agents.yaml": registryYaml([{ id: 1, name: "dude-agent", configProject: "group/dude-naww", tokens: [{ sha256: tokenSha256(token) }] }]) },
    },
    kasDeployment({ name: "kas", objectName: "kas", namespace: KAS_NS, image: IMAGE, replicas: 1, ports: ports.container, configMapName: "kas-config", registrySecretName: "kas-registry" }),
    kasService("kas", KAS_NS, ports.service),
  ]);
  const kas = await start(KAS_NS, "kas");
  await kas.waitReady(90_000);
  expect(kas.lines.join("\n")).toContain("kas listening");

  const [program, ...args] = await imageCommand([
    "agentk", "generate", "--agent-token", token, "--kas-address", `grpc://kas.${KAS_NS}.svc:${KAS_PORTS.grpc}`,
    "--namespace", AGENT_NS, "--write-namespace", "dude", "--name", "dude-agent",
  ]);
  const { stdout } = await run(program!, args);
  const file = path.join(dir, "agentk.yaml");
  writeFileSync(file, stdout);
  await cluster.kubectl(["apply", "-f", file]);
  const agentk = await start(AGENT_NS, "dude-agent");
  await agentk.waitReady(90_000);
  const deadline = Date.now() + 60_000;
  let res = await apiRequest(cluster.admin, "GET", "/api/v1/namespaces/dude/configmaps/hello");
  while (res.status !== 200 && Date.now() < deadline && !agentk.exited()) {
    await new Promise((r) => setTimeout(r, 500));
    res = await apiRequest(cluster.admin, "GET", "/api/v1/namespaces/dude/configmaps/hello");
  }
  expect({ status: res.status, log: res.status === 200 ? "" : agentk.lines.slice(-40).join("\n") }).toEqual({ status: 200, log: "" });
  expect((JSON.parse(res.body) as { data: Record<string, string> }).data).toEqual({ from: "the-repository" });
  // The token reached agentk only through its Secret volume, and neither log holds it.
  expect([...kas.lines, ...agentk.lines].join("\n")).not.toContain(token);
  expect(agentk.exited()).toBeUndefined();
}, 300_000);

test("a Service selects nothing: its name does not resolve in the pod; the one that selects kas does", async () => {
  await apply([
    { apiVersion: "v1", kind: "Service", metadata: { name: "kas-typo", namespace: KAS_NS }, spec: { selector: { "app.kubernetes.io/name": "kas-tpyo" }, ports: [{ port: KAS_PORTS.grpc }] } },
    deployment(KAS_NS, "dns-check", {
      command: ["node", "-e", "for (const n of process.argv.slice(1)) require('dns').lookup(n, (e, a) => console.log(n, e ? `failed ${e.code}` : `resolved ${a}`)); setInterval(() => {}, 1000);", "kas-typo", "kas", "kas.kas-system.svc.cluster.local"],
      securityContext: { runAsUser: 65532, runAsNonRoot: true },
    }),
  ]);
  const p = await start(KAS_NS, "dns-check");
  expect(await p.waitForLine(/^kas-typo /)).toMatch(/^kas-typo failed (ENOTFOUND|EAI_AGAIN)/);
  expect(await p.waitForLine(/^kas /)).toBe("kas resolved 127.0.0.1");
  expect(await p.waitForLine(/^kas\.kas-system/)).toBe("kas.kas-system.svc.cluster.local resolved 127.0.0.1");
  await p.stop(5000);
}, 120_000);

test("an env secretKeyRef to a missing key fails, naming the key, the Secret and the field", async () => {
  await apply([
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "neg" } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "neg" }, stringData: { present: "x" } },
    deployment("neg", "missing-key", { args: ["kas"], env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "s", key: "absent" } } }] }),
  ]);
  await expect(start("neg", "missing-key")).rejects.toThrow(/containers\[0\] \(missing-key\)\.env\[0\] \(TOKEN\)\.valueFrom\.secretKeyRef: key "absent" is not in secret neg\/s \(keys: present\)/);
}, 120_000);

test("a volume type the runner does not materialise fails, naming the volume and the field", async () => {
  await apply([
    deployment("neg", "host-path", { args: ["kas"], volumeMounts: [{ name: "data", mountPath: "/data" }] }, { volumes: [{ name: "data", hostPath: { path: "/var/lib/x" } }] }),
  ]);
  await expect(start("neg", "host-path")).rejects.toThrow(/spec\.volumes\[0\] \(data\)\.hostPath: field not supported/);
}, 120_000);

test("an image the runner was not given fails, naming it", async () => {
  await apply([deployment("neg", "other-image", { image: "nginx:1.14.2" })]);
  await expect(start("neg", "other-image")).rejects.toThrow(/containers\[0\] \(other-image\)\.image: image "nginx:1\.14\.2" was not given to the runner/);
}, 120_000);

test("a Service port other than its targetPort leads to the process through the loopback proxy", async () => {
  await apply([{ apiVersion: "v1", kind: "Service", metadata: { name: "kas-metrics", namespace: KAS_NS }, spec: { selector: { "app.kubernetes.io/name": "kas", "app.kubernetes.io/component": "kas" }, ports: [{ port: 19153, targetPort: "observability" }] } }]);
  // The runner rereads Services every second, as kube-proxy follows them.
  let status: number | string = "not tried";
  for (const deadline = Date.now() + 10_000; status !== 200 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    status = await fetch("http://127.0.0.1:19153/liveness").then((r) => r.status, (err: unknown) => String(err));
  }
  expect(status).toBe(200);
}, 120_000);

test("the container sees what a pod sees: its user, token, volumes with their modes, a read-only root, expanded env", async () => {
  const script = [
    "const fs = require('fs');",
    "const tryRead = (f) => { try { return fs.readFileSync(f, 'utf8').trim(); } catch (e) { return e.code; } };",
    "const tryWrite = (f) => { try { fs.writeFileSync(f, 'x'); return 'written'; } catch (e) { return e.code; } };",
    "console.log(JSON.stringify({",
    "  uid: process.getuid(), gid: process.getgid(), cwd: process.cwd(), node: process.execPath, version: process.version,",
    "  ns: tryRead('/var/run/secrets/kubernetes.io/serviceaccount/namespace'),",
    "  token: tryRead('/var/run/secrets/kubernetes.io/serviceaccount/token').split('.').length,",
    "  ca: tryRead('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt').startsWith('-----BEGIN CERTIFICATE'),",
    "  open: tryRead('/etc/s/open'), closed: tryRead('/etc/s/closed'), item: tryRead('/etc/c/sub/renamed'),",
    "  root: tryWrite('/tmp/x'), scratch: tryWrite('/scratch/x'), volume: tryWrite('/etc/c/x'),",
    "  env: [process.env.GREETING, process.env.FROM_CM, process.env.POD, process.env.NODE_ENV, process.env.KUBERNETES_SERVICE_HOST],",
    "}));",
    "setInterval(() => {}, 1000);",
  ].join("\n");
  await apply([
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "view" } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "view" }, stringData: { open: "o", closed: "c" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "view" }, data: { key: "k", name: "world" } },
    deployment("view", "view", {
      command: ["node", "-e", script],
      env: [
        { name: "NAME", valueFrom: { configMapKeyRef: { name: "c", key: "name" } } },
        { name: "GREETING", value: "hello $(NAME)" },
        { name: "FROM_CM", valueFrom: { configMapKeyRef: { name: "c", key: "key" } } },
        { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      ],
      securityContext: { runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
      volumeMounts: [
        { name: "s", mountPath: "/etc/s", readOnly: true },
        { name: "c", mountPath: "/etc/c", readOnly: true },
        { name: "scratch", mountPath: "/scratch" },
      ],
    }, {
      volumes: [
        { name: "s", secret: { secretName: "s", items: [{ key: "open", path: "open", mode: 0o444 }, { key: "closed", path: "closed", mode: 0o400 }] } },
        { name: "c", configMap: { name: "c", items: [{ key: "key", path: "sub/renamed" }] } },
        { name: "scratch", emptyDir: {} },
      ],
    }),
  ]);
  const p = await start("view", "view");
  const seen = JSON.parse(await p.waitForLine(/^\{/)) as Record<string, unknown>;
  expect(seen).toEqual({
    uid: 65532, gid: 65532, cwd: "/app", node: "/usr/local/bin/node", version: expect.stringMatching(/^v24\./),
    ns: "view", token: 3, ca: true,
    open: "o", closed: "EACCES", item: "k",
    root: "EROFS", scratch: "written", volume: "EROFS",
    env: ["hello world", "k", p.pod.name, "production", "127.0.0.1"],
  });
  await p.stop(5000);
}, 120_000);

test("a process that exits is reported with its code and its last lines", async () => {
  await apply([deployment("view", "exits", { command: ["node", "-e", "console.log('giving up'); process.exit(3)"], readinessProbe: { httpGet: { path: "/", port: 8999 } } })]);
  const p = await start("view", "exits");
  await expect(p.waitReady(30_000)).rejects.toThrow(/view\/exits-\S+ exited \(code 3, signal null\) while waiting for readiness[^]*giving up/);
  await p.stop();
}, 60_000);

test("a failing liveness probe stops the process, and the reason is reported", async () => {
  const server = "require('http').createServer((q, r) => { r.writeHead(500); r.end('sick'); }).listen(8998, () => console.log('serving'));";
  await apply([
    deployment("view", "sick", {
      command: ["node", "-e", server],
      ports: [{ name: "health", containerPort: 8998 }],
      livenessProbe: { httpGet: { path: "/healthz", port: "health" }, periodSeconds: 1, failureThreshold: 2 },
    }),
  ]);
  const p = await start("view", "sick");
  await p.waitForLine("serving");
  await expect(p.waitForLine("never printed", 20_000)).rejects.toThrow(/exited \(code null, signal SIGTERM, liveness probe failed 2 times: HTTP 500 from http:\/\/127\.0\.0\.1:8998\/healthz: sick\)/);
  await p.stop();
}, 60_000);
