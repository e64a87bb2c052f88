/**
 * What the replica tests look at: the agents API of every replica (bounded
 * waits until their answers agree), the ConfigMaps in the cluster, and the
 * agent's writes in the apiserver's audit log.
 */
import { apiJson, readAuditEvents, type TestCluster } from "../cluster";
import type { KasReplica } from "../kas";
import { until } from "../until";

export interface ApiReport {
  readonly commit_id: string;
  readonly success: boolean;
  readonly in_progress?: boolean;
}
export interface ApiAgent {
  readonly id: string;
  readonly name: string;
  readonly connected: boolean;
  readonly open_streams: number;
  readonly projects: Record<string, { lastReport?: ApiReport }>;
}
export interface AgentsBody {
  readonly shared_state?: string;
  readonly agents: readonly ApiAgent[];
}

export const agentsOf = async (r: KasReplica): Promise<AgentsBody> => {
  const { status, body } = await r.getJson("/api/v1/agents");
  if (status !== 200) throw new Error(`${r.name}: GET /api/v1/agents answered ${status}: ${JSON.stringify(body)}`);
  return body as unknown as AgentsBody;
};

/** The report of `project` of agent `name` in `body`, if any. */
export const reportOf = (body: AgentsBody, name: string, project: string): ApiReport | undefined => body.agents.find((a) => a.name === name)?.projects[project]?.lastReport;

/** A final (not in-progress) successful report of `commit`. */
export const isFinalSuccess = (r: ApiReport | undefined, commit: string): boolean => r?.commit_id === commit && r.success && r.in_progress !== true;

/** Waits until every replica of `replicas` answers the same agents body and `ok` holds of it; returns it. */
export async function converged(replicas: readonly KasReplica[], what: string, ok: (b: AgentsBody) => boolean, timeoutMs: number, context: () => string): Promise<AgentsBody> {
  let last: string[] = [];
  return until(
    `${what} (the agents API of ${replicas.map((r) => r.name).join(", ")} identical)`,
    async () => {
      const bodies = await Promise.all(replicas.map(agentsOf));
      last = bodies.map((b) => JSON.stringify(b));
      return last.every((t) => t === last[0]) && ok(bodies[0] as AgentsBody) ? (bodies[0] as AgentsBody) : undefined;
    },
    timeoutMs,
    () => `last answers:\n${last.map((t, i) => `${replicas[i]?.name}: ${t.slice(0, 2000)}`).join("\n")}\n${context()}`,
  );
}

export const configMapYaml = (name: string, namespace: string, labels: Record<string, string> = {}): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  labels: ${JSON.stringify(labels)}\ndata:\n  greeting: dude\n`;

/** The names of the ConfigMaps in `namespace` (with `selector`). */
export async function configMapNames(cluster: TestCluster, namespace: string, selector?: string): Promise<string[]> {
  const q = selector ? `?labelSelector=${encodeURIComponent(selector)}` : "";
  const list = await apiJson<{ items: { metadata: { name: string } }[] }>(cluster.admin, "GET", `/api/v1/namespaces/${namespace}/configmaps${q}`);
  return list.items.map((i) => i.metadata.name).sort();
}

/** Waits until every name in `names` is a ConfigMap in `namespace`. */
export const configMapsExist = (cluster: TestCluster, namespace: string, names: readonly string[], timeoutMs: number, context: () => string): Promise<true> => {
  let missing: string[] = [...names];
  return until(
    `ConfigMaps ${names.slice(0, 3).join(", ")}${names.length > 3 ? ` (+${names.length - 3})` : ""} in ${namespace}`,
    async () => {
      const have = new Set(await configMapNames(cluster, namespace));
      missing = names.filter((n) => !have.has(n));
      return missing.length === 0 ? true : undefined;
    },
    timeoutMs,
    () => `missing: ${missing.slice(0, 10).join(", ")}\n${context()}`,
  );
};

export const serviceAccountUser = (namespace: string, name: string): string => `system:serviceaccount:${namespace}:${name}`;

/** Writes (not dry runs) to ConfigMaps in `namespace` by `user`, in the audit events after the first `from`: count per object name, and the deletes. */
export function configMapWrites(auditFile: string, from: number, user: string, namespace: string): { writes: Map<string, number>; deletes: string[] } {
  const writes = new Map<string, number>();
  const deletes: string[] = [];
  for (const e of readAuditEvents(auditFile).slice(from)) {
    if (e.user?.username !== user || e.objectRef?.resource !== "configmaps" || e.objectRef.namespace !== namespace) continue;
    if ((e.requestURI ?? "").includes("dryRun=") || (e.responseStatus?.code ?? 500) >= 300) continue;
    const name = e.objectRef.name ?? "";
    if (e.verb === "delete" || e.verb === "deletecollection") deletes.push(name);
    else if (e.verb === "create" || e.verb === "patch" || e.verb === "update") writes.set(name, (writes.get(name) ?? 0) + 1);
  }
  return { writes, deletes };
}

export const auditLength = (auditFile: string): number => readAuditEvents(auditFile).length;
