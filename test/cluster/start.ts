import { execFile } from "node:child_process";
import { appendFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { apiRequest, type ApiCredentials } from "./api";
import { ensureClusterBinary } from "./binary";
import { renderKubeconfig } from "./kubeconfig";
import { freePorts } from "./ports";
import { logTail, startProcess, stopProcess, type ClusterProcess } from "./processes";
import { mintServiceAccountKubeconfig, type ServiceAccountKubeconfigOptions } from "./service-account";
import { createFakeNode, waitFor } from "./readiness";
import { criLogLines, kubeletServerSetup } from "./kubelet-server";

export interface TestClusterOptions {
  /** Build the binary if it is missing (the demo does; tests do not, see ensureClusterBinary). */
  readonly build?: boolean;
  /** Progress lines for a person (build and start). Default: silent. */
  readonly onProgress?: (line: string) => void;
  /** Extra kube-apiserver flags, e.g. an audit policy for benchmarks. */
  readonly apiserverArgs?: readonly string[];
  /** Fake KWOK nodes to register. Default 1. */
  readonly nodes?: number;
  /** How long start may take before it fails with the logs. Default 180 s. */
  readonly startTimeoutMs?: number;
  /**
   * KWOK serves the kubelet API for fake pods (`kubectl logs`, `logs -f`,
   * `exec`, `port-forward`; see kubelet-server.ts). Pod logs are the lines of
   * TestCluster.podLogFile; port-forwards reach TestCluster.portForwardPort. Default off: nodes keep their 10.244.0.1 address.
   */
  readonly kubeletServer?: boolean;
}

export interface TestCluster {
  /** Temp dir holding PKI, data, logs and kubeconfigs; removed by stop(). */
  readonly dir: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** Admin (system:masters) kubeconfig file. */
  readonly kubeconfigPath: string;
  /** Admin credentials for direct requests. */
  readonly admin: ApiCredentials;
  /** The multi-call binary (kubectl lives there too). */
  readonly binary: string;
  /** Log file per process, for diagnosis. */
  readonly logFiles: Readonly<Record<string, string>>;
  /** Pids of the cluster's processes (etcd, apiserver, controller-manager, scheduler, kwok). */
  readonly pids: readonly number[];
  /**
   * Writes a kubeconfig holding a TokenRequest token for namespace/name, so
   * code runs with exactly that ServiceAccount's RBAC. Returns its path.
   */
  serviceAccountKubeconfig(namespace: string, name: string, options?: ServiceAccountKubeconfigOptions): Promise<string>;
  /** Runs `kubectl` (from the same binary) as admin. Rejects with stderr on a non-zero exit. */
  kubectl(args: readonly string[], kubeconfig?: string): Promise<string>;
  /** With kubeletServer: the file every fake container's log reads (followed, CRI format). */
  readonly podLogFile?: string;
  /** With kubeletServer: the loopback port every port-forward to a fake pod connects to (nothing listens until a test does). */
  readonly portForwardPort?: number;
  /** With kubeletServer: appends lines to every fake container's log (throws without it). */
  appendPodLog(...lines: string[]): void;
  /** Stops every process by pid and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

const run = promisify(execFile);

export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const progress = options.onProgress ?? (() => undefined);
  const binary = await ensureClusterBinary({ build: options.build, onProgress: progress });
  const dir = mkdtempSync(path.join(os.tmpdir(), "gitops-test-cluster-"));
  const procs: ClusterProcess[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Reverse start order: clients first, etcd last.
    for (const p of [...procs].reverse()) await stopProcess(p);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const cluster = await boot(binary, dir, procs, options, progress);
    return { ...cluster, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function boot(
  binary: string,
  dir: string,
  procs: ClusterProcess[],
  options: TestClusterOptions,
  progress: (line: string) => void,
): Promise<Omit<TestCluster, "stop">> {
  const deadline = Date.now() + (options.startTimeoutMs ?? 180_000);
  const pki = path.join(dir, "pki");
  const logs = path.join(dir, "logs");
  mkdirSync(logs, { recursive: true });
  await run(binary, ["pki", "--dir", pki]);
  const read = (f: string) => readFileSync(path.join(pki, f), "utf8");
  const [etcdClient, etcdPeer, apiPort, kwokPort, forwardPort] = (await freePorts(5)) as [number, number, number, number, number];
  const server = `https://127.0.0.1:${apiPort}`;
  const admin: ApiCredentials = { server, ca: read("ca.crt"), cert: read("admin.crt"), key: read("admin.key") };
  const kubeconfigPath = path.join(dir, "admin.kubeconfig");
  const podLogFile = options.kubeletServer ? path.join(dir, "pod.log") : undefined;
  if (podLogFile) writeFileSync(podLogFile, "");
  const kubelet = podLogFile ? kubeletServerSetup(pki, kwokPort, podLogFile, forwardPort) : undefined;
  writeFileSync(
    kubeconfigPath,
    renderKubeconfig(server, admin.ca, { name: "admin", clientCertificate: admin.cert, clientKey: admin.key }),
    { mode: 0o600 },
  );
  const launch = (name: string, args: string[]): ClusterProcess => {
    const p = startProcess(name, binary, [name, ...args], logs);
    procs.push(p);
    return p;
  };
  const failIfExited = (): void => {
    for (const p of procs) {
      if (p.exited) {
        throw new Error(
          `test cluster: ${p.name} (pid ${p.pid}) exited during start (code ${p.exited.code}, signal ${p.exited.signal}); ` +
            `last log lines:\n${logTail(p)}`,
        );
      }
    }
  };
  const wait = (what: string, proc: ClusterProcess | undefined, check: () => Promise<boolean>) =>
    waitFor(what, deadline, async () => {
      failIfExited();
      return check();
    }).catch((err: unknown) => {
      const exited = err instanceof Error && err.message.includes("exited during start");
      const detail = proc && !exited ? `\nlast ${proc.name} log lines:\n${logTail(proc)}` : "";
      throw new Error(`${err instanceof Error ? err.message : String(err)}${detail}`);
    });

  progress("test cluster: starting etcd");
  const etcd = launch("etcd", [
    "--data-dir", path.join(dir, "etcd"),
    "--client-url", `http://127.0.0.1:${etcdClient}`,
    "--peer-url", `http://127.0.0.1:${etcdPeer}`,
  ]);
  await wait("etcd ready", etcd, async () => readFileSync(etcd.logFile, "utf8").includes("etcd: ready"));

  progress("test cluster: starting kube-apiserver");
  const apiserver = launch("kube-apiserver", [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${apiPort}`,
    `--cert-dir=${path.join(dir, "apiserver-certs")}`,
    `--tls-cert-file=${path.join(pki, "apiserver.crt")}`,
    `--tls-private-key-file=${path.join(pki, "apiserver.key")}`,
    ...(kubelet?.apiserverArgs ?? []),
    `--client-ca-file=${path.join(pki, "ca.crt")}`,
    "--authorization-mode=RBAC",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${path.join(pki, "sa.pub")}`,
    `--service-account-signing-key-file=${path.join(pki, "sa.key")}`,
    "--service-cluster-ip-range=10.0.0.0/24",
    // The kubernetes Service cannot point at a loopback address; nothing in the tests needs it.
    "--endpoint-reconciler-type=none",
    "--allow-privileged=true",
    "--profiling=false",
    "--v=1",
    ...(options.apiserverArgs ?? []),
  ]);
  await wait("kube-apiserver /readyz", apiserver, async () => {
    const res = await apiRequest(admin, "GET", "/readyz", undefined, 3000).catch(() => undefined);
    return res?.status === 200;
  });

  progress("test cluster: starting kube-controller-manager, kube-scheduler, kwok");
  const kcm = launch("kube-controller-manager", [
    `--kubeconfig=${kubeconfigPath}`,
    "--leader-elect=false",
    "--secure-port=0",
    `--service-account-private-key-file=${path.join(pki, "sa.key")}`,
    `--root-ca-file=${path.join(pki, "ca.crt")}`,
    "--use-service-account-credentials=false",
    "--v=1",
  ]);
  launch("kube-scheduler", [`--kubeconfig=${kubeconfigPath}`, "--leader-elect=false", "--secure-port=0", "--v=1"]);
  const stages = path.join(dir, "kwok-stages.yaml");
  const stagesYaml = (await run(binary, ["kwok-stages"])).stdout;
  writeFileSync(stages, kubelet ? `${stagesYaml.trimEnd()}\n---\n${kubelet.config}\n` : stagesYaml);
  const kwok = launch("kwok", [
    `--kubeconfig=${kubeconfigPath}`,
    `--config=${stages}`,
    "--manage-all-nodes=false",
    "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
    "--manage-nodes-with-label-selector=",
    "--manage-single-node=",
    ...(kubelet?.kwokArgs ?? ["--node-ip=10.244.0.1"]),
    "--cidr=10.244.0.0/16",
    "--node-lease-duration-seconds=40",
    `--server-address=127.0.0.1:${kwokPort}`,
  ]);

  const nodes = options.nodes ?? 1;
  for (let i = 0; i < nodes; i++) await createFakeNode(admin, `kwok-node-${i}`);
  await wait(`${nodes} KWOK node(s) Ready`, kwok, async () => {
    const res = await apiRequest(admin, "GET", "/api/v1/nodes");
    if (res.status !== 200) return false;
    const list = JSON.parse(res.body) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
    const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    return ready.length >= nodes;
  });
  await wait("ServiceAccount default/default (controller-manager running)", kcm, async () => {
    const res = await apiRequest(admin, "GET", "/api/v1/namespaces/default/serviceaccounts/default");
    return res.status === 200;
  });
  progress(`test cluster: ready at ${server}`);

  const logFiles = Object.fromEntries(procs.map((p) => [p.name, p.logFile]));
  return {
    dir,
    server,
    kubeconfigPath,
    admin,
    binary,
    logFiles,
    podLogFile,
    portForwardPort: kubelet ? forwardPort : undefined,
    appendPodLog: (...lines) => {
      if (!podLogFile) throw new Error("test cluster: appendPodLog needs startTestCluster({ kubeletServer: true })");
      appendFileSync(podLogFile, criLogLines(lines));
    },
    pids: procs.map((p) => p.pid),
    serviceAccountKubeconfig: (namespace, name, saOptions) =>
      mintServiceAccountKubeconfig(admin, dir, namespace, name, saOptions),
    kubectl: async (args, kubeconfig) => {
      const { stdout } = await run(binary, ["kubectl", `--kubeconfig=${kubeconfig ?? kubeconfigPath}`, ...args], {
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    },
  };
}
