/**
 * The cluster the apply benchmarks measure on: an audit log of the agent
 * ServiceAccount's requests, that ServiceAccount with the agent's
 * least-privilege RBAC over the benchmark's namespaces, our ObjectStore as it,
 * and the apiserver+etcd CPU counter.
 */
import * as path from "node:path";
import { createLogger, type Logger } from "../../runtime/common";
import { Discovery, KubeClient, kubeconfigAccess } from "../../runtime/agentk/kube";
import { ObjectStore } from "../../runtime/agentk/apply";
import { startTestCluster, type TestCluster } from "../../test/cluster";
import { grantAgent } from "../../test/agentk/rbac";
import { AuditLog, auditArgs, writeAuditPolicy } from "./apiserver";
import { cpuSeconds } from "./proc";

export const AGENT_NS = "bench-agentk";
export const SA = "agentk";
export const SA_USER = `system:serviceaccount:${AGENT_NS}:${SA}`;

export interface ApplyEnv {
  readonly cluster: TestCluster;
  /** The ServiceAccount's kubeconfig: every tool applies as it. */
  readonly kubeconfig: string;
  readonly client: KubeClient;
  readonly store: ObjectStore;
  readonly audit: AuditLog;
  readonly logger: Logger;
  /** utime+stime seconds of kube-apiserver and etcd so far. */
  serverCpu(): number;
  stop(): Promise<void>;
}

/**
 * Starts the cluster under `dir`. `auditAllRequests`: the audit log also
 * records the ServiceAccount's reads and watches (otherwise writes only).
 */
export async function startApplyEnv(dir: string, namespaces: readonly string[], options: { auditAllRequests?: boolean } = {}): Promise<ApplyEnv> {
  const policy = path.join(dir, "audit-policy.yaml");
  const auditFile = path.join(dir, "audit.log");
  writeAuditPolicy(policy, options.auditAllRequests ? [SA_USER] : []);
  const cluster = await startTestCluster({ apiserverArgs: auditArgs(policy, auditFile) });
  let client: KubeClient | undefined;
  try {
    const kubeconfig = await grantAgent(cluster, AGENT_NS, SA, namespaces);
    client = KubeClient.fromAccess(await kubeconfigAccess(kubeconfig));
    const discovery = new Discovery(client);
    await discovery.refresh();
    // kubectl's discovery cache (~/.kube/cache) is warmed once, as on any machine that used kubectl before.
    await cluster.kubectl(["api-resources", "-o", "name"], kubeconfig).catch(() => "");
    const names = Object.keys(cluster.logFiles);
    const serverPids = ["kube-apiserver", "etcd"].map((n) => cluster.pids[names.indexOf(n)] as number);
    const c = client;
    return {
      cluster,
      kubeconfig,
      client: c,
      store: new ObjectStore(c, discovery),
      audit: new AuditLog(auditFile),
      logger: createLogger({ level: "warn", write: () => undefined }),
      serverCpu: () => serverPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
      stop: async () => {
        c.close();
        await cluster.stop();
      },
    };
  } catch (err) {
    client?.close();
    await cluster.stop();
    throw err;
  }
}
