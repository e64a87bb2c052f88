/**
 * `gitops-agent:clusterResources`: the narrow, explicit opt-in for
 * cluster-scoped kinds (an operator's CRDs, say) that no namespaced Role can
 * grant. Each entry is one API group's resources, optionally only some
 * object names; RBAC kinds, Namespaces and the other ways to more rights are
 * refused, naming why.
 */
import { ESCALATION_RESOURCES, MANAGED_RESOURCES, type ClusterResourceGrant } from "../runtime/common/rbac-rules";
import { DNS_SUBDOMAIN, isDnsSubdomain, type KeyPath } from "../runtime/common/config-kit";
import { stringAt, type Reader } from "./config";

export type { ClusterResourceGrant };

/** Short forms: a cluster-scoped resource whose API group goes without saying. */
export const KNOWN_CLUSTER_RESOURCES: Readonly<Record<string, string>> = {
  customresourcedefinitions: "apiextensions.k8s.io",
  storageclasses: "storage.k8s.io",
  csidrivers: "storage.k8s.io",
  priorityclasses: "scheduling.k8s.io",
  ingressclasses: "networking.k8s.io",
  runtimeclasses: "node.k8s.io",
};

/** Cluster-scoped resources that hand out more than they say: refused, with the reason. */
export const REFUSED_CLUSTER_RESOURCES: Readonly<Record<string, string>> = {
  namespaces: "the program creates the agent's namespaces (gitops-agent:namespaces); an agent creating namespaces escapes them",
  clusterroles: "RBAC is never granted cluster-wide",
  clusterrolebindings: "RBAC is never granted cluster-wide",
  nodes: "nodes carry the kubelet's credentials and taints",
  persistentvolumes: "a hostPath PersistentVolume mounts a node's root filesystem",
  mutatingwebhookconfigurations: "a webhook sees (and rewrites) every object it matches, Secrets included",
  validatingwebhookconfigurations: "a webhook sees every object it matches, Secrets included",
  validatingadmissionpolicies: "admission policies can block the whole cluster",
  validatingadmissionpolicybindings: "admission policies can block the whole cluster",
  apiservices: "an APIService routes an API group, and its callers' credentials, to any Service",
  certificatesigningrequests: "CSRs can mint client certificates",
};

const RESOURCE = /^[a-z][a-z0-9]*$/;
const EXPECTED_ENTRY = `a known cluster-scoped resource (${Object.keys(KNOWN_CLUSTER_RESOURCES).join(", ")}) or a map { apiGroup, resources, resourceNames }`;

const NAMESPACED_REASON = "it is namespaced, so a ClusterRoleBinding would grant it in every namespace; grant it under gitops-agent:namespaces";

function refusal(group: string, resource: string): string | undefined {
  if (group === "rbac.authorization.k8s.io") return "RBAC is never granted cluster-wide";
  if (group === "" && resource === "namespaces") return REFUSED_CLUSTER_RESOURCES.namespaces;
  if (MANAGED_RESOURCES[group]?.includes(resource) || (group === "" && resource === "secrets")) return NAMESPACED_REASON;
  const escalation = ESCALATION_RESOURCES.find((e) => e.apiGroup === group && e.resource === resource);
  return escalation ? `it ${escalation.why}` : REFUSED_CLUSTER_RESOURCES[resource];
}

function checkResource(r: Reader, path: KeyPath, group: string | undefined, res: unknown): res is string {
  if (typeof res !== "string" || !RESOURCE.test(res)) {
    r.mismatch(path, res, "a plural lowercase cluster-scoped resource name such as customresourcedefinitions (no wildcards, no subresources)");
    return false;
  }
  const why = group === undefined ? undefined : refusal(group, res);
  if (why) r.mismatch(path, res, `a cluster-scoped resource the agent may safely write: ${res} is refused (${why})`);
  return why === undefined;
}

function names(r: Reader, path: KeyPath, raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  const expected = "a non-empty list of object names such as [widgets.example.com]";
  if (!Array.isArray(raw) || raw.length === 0) return r.mismatch(path, raw, expected);
  const ok = raw.filter((n: unknown, i: number) => isDnsSubdomain(n) || r.mismatch([...path, i], n, "an object name (DNS subdomain)"));
  return ok.length === raw.length ? (ok as string[]) : undefined;
}

function parseEntry(r: Reader, at: KeyPath, item: unknown): ClusterResourceGrant | undefined {
  if (typeof item === "string") {
    const group = KNOWN_CLUSTER_RESOURCES[item];
    if (group !== undefined) return { apiGroup: group, resources: [item] };
    const why = refusal("", item);
    return r.mismatch(at, item, why ? `a cluster-scoped resource the agent may safely write: ${item} is refused (${why})` : EXPECTED_ENTRY);
  }
  const m = r.object(item, at, ["apiGroup", "resources", "resourceNames"], EXPECTED_ENTRY);
  if (!m) return undefined;
  const group = m.apiGroup === "core" || m.apiGroup === ""
    ? ""
    : stringAt(r, [...at, "apiGroup"], m.apiGroup, DNS_SUBDOMAIN, 'a named API group such as apiextensions.k8s.io, or "" (core); no wildcards');
  const resources = Array.isArray(m.resources) && m.resources.length > 0
    ? m.resources.filter((res: unknown, j: number) => checkResource(r, [...at, "resources", j], group, res))
    : r.mismatch([...at, "resources"], m.resources, "a non-empty list of resource names such as [customresourcedefinitions]");
  const resourceNames = names(r, [...at, "resourceNames"], m.resourceNames);
  if (group === undefined || !resources || resources.length !== (m.resources as unknown[]).length) return undefined;
  if (m.resourceNames !== undefined && !resourceNames) return undefined;
  return { apiGroup: group, resources: resources as string[], ...(resourceNames ? { resourceNames } : {}) };
}

/** The `clusterResources` list: default none (the agent gets nothing cluster-wide). */
export function parseClusterResources(r: Reader, raw: unknown): ClusterResourceGrant[] | undefined {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return r.mismatch(["clusterResources"], raw, `a list, each entry ${EXPECTED_ENTRY}`);
  const out = raw.map((item, i) => parseEntry(r, ["clusterResources", i], item));
  return out.every((g) => g !== undefined) ? (out as ClusterResourceGrant[]) : undefined;
}
