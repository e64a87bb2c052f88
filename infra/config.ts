/**
 * The stack config (`gitops-agent:*` keys), typed and validated before any
 * resource is built. Every problem is collected, not just the first, and each
 * names its key, what was found and what was expected, so one `pulumi preview`
 * (or `npm run rbac:diff`) shows everything to fix.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  Checker,
  DNS_LABEL,
  DNS_LABEL_RULE,
  DNS_SUBDOMAIN,
  formatPath,
  isDnsLabel,
  STACK_CONFIG_WORDING,
  type KeyPath,
  type Problem,
} from "../runtime/common/config-kit";
import { DEFAULT_AGENT_NAMESPACE, DEFAULT_AGENTK_IMAGE } from "../runtime/common/deploy";
import { POD_SECURITY_LEVELS, type PodSecurityLevel } from "../runtime/common/pod-security";
import { ESCALATION_RESOURCES, type Access } from "../runtime/common/rbac-rules";
import { parseClusterResources, type ClusterResourceGrant } from "./cluster-resources";
import { parseImpersonation, type ImpersonationConfig } from "./impersonation";
import { CONFIG_NAMESPACE, type StackSource } from "./stack-source";
import { IMAGE_EXPECTED, isImage, isProject, kasServesAgent, localConfigProject, parseKas, PROJECT_EXPECTED, urlAt, type KasConfig } from "./stack-kas";

export { CONFIG_NAMESPACE, readStackFile, readStackSource, type StackSource } from "./stack-source";

export type { Access, ClusterResourceGrant, ImpersonationConfig, PodSecurityLevel };
export { ANY, CI_JOB_EXTRA_KEYS, CI_JOB_GROUP, type Names } from "./impersonation";

export const STACK_KEYS = ["cluster", "agent", "gitlab", "kas", "namespaces", "clusterResources"] as const;
export const ACCESS_LEVELS: readonly Access[] = ["write", "read", "none", "admin"];
export { DEFAULT_AGENT_NAMESPACE };
/** agentk's and kas's image when the stack config names none: the one default `agentk generate` uses too. */
export const DEFAULT_IMAGE = DEFAULT_AGENTK_IMAGE;
export const DEFAULT_EKS_VERSION = "1.31";
export const DEFAULT_NODE_COUNT = 2;
export const DEFAULT_INSTANCE_TYPE = "t3.medium";
export { DEFAULT_KAS_PORT, localConfigProject, type KasConfig, type KasKubernetesApiConfig, type KasProjectConfig, type KasProjectCredentials, type KasRedisConfig } from "./stack-kas";

/** The stack creates an EKS cluster. */
export interface EksClusterConfig {
  readonly provider: "eks";
  /** AWS region, e.g. `eu-west-1`. Required. */
  readonly region: string;
  /** Kubernetes minor version, a quoted string such as `"1.31"`. Default `DEFAULT_EKS_VERSION`. */
  readonly version: string;
  /** Nodes in the managed node group. Default 2. */
  readonly nodeCount: number;
  /** EC2 instance type of the nodes. Default `t3.medium`. */
  readonly instanceType: string;
}

/** The stack deploys into a cluster that already exists. */
export interface ExistingClusterConfig {
  readonly provider: "existing";
  /** Path of the kubeconfig file (`~` is the home directory). Required. */
  readonly kubeconfig: string;
  /** Context in that kubeconfig. Default: the file's current-context. */
  readonly context?: string;
}

export type ClusterConfig = EksClusterConfig | ExistingClusterConfig;

export interface AgentConfig {
  /** GitLab agent name: lowercase letters, digits and '-', at most 63. Also the ServiceAccount's name. Required. */
  readonly name: string;
  /** The agent's own namespace (inventory ConfigMaps, leader-election Lease). Default `gitlab-k8s-agent`. */
  readonly namespace: string;
  /** agentk container image. Default `DEFAULT_IMAGE`. */
  readonly image: string;
  /** agentk replicas; more than one elect a leader. Default 1. */
  readonly replicas: number;
  /** Whom the agent may impersonate (ci_access `access_as: impersonate` or `ci_job`). Default: nobody. */
  readonly impersonation?: ImpersonationConfig;
}

/** Register the agent in GitLab. Without it, kas's file registry is used. */
export interface GitlabConfig {
  /** GitLab base URL (https, or http for a local instance). Required. */
  readonly url: string;
  /** The agent's configuration project: a path such as `group/agent-config` or a numeric id. Required. */
  readonly project: string;
}

/** A custom set of kinds for one namespace, instead of MANAGED_RESOURCES. */
export interface KindRule {
  /** API group; `""` (or `core` in the stack file) is the core group. */
  readonly apiGroup: string;
  /** Plural resource names, e.g. `deployments`; never `*`. */
  readonly resources: readonly string[];
}

export interface NamespaceConfig {
  /** What the agent may do there: write, read or none; admin is write plus Roles and RoleBindings. */
  readonly access: Access;
  /** Grant Secrets at the same access level. Default false. */
  readonly secrets: boolean;
  /** Kinds granted instead of the usual managed set. Default: the managed set (MANAGED_RESOURCES). */
  readonly kinds?: readonly KindRule[];
  /** Pod Security level enforced on the Namespace (enforce, warn and audit labels). Default `restricted` (DEFAULT_POD_SECURITY). */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * What `pulumi destroy` does with the Namespace. `keep` (default): an existing one is adopted,
   * and destroy removes only the agent's labels, keeping it and every workload in it. `delete`:
   * the stack creates it (it must not exist yet) and destroy deletes it with everything in it.
   */
  readonly onDestroy?: NamespaceOnDestroy;
}

export const NAMESPACE_ON_DESTROY = ["keep", "delete"] as const;
export type NamespaceOnDestroy = (typeof NAMESPACE_ON_DESTROY)[number];

export interface StackConfig {
  /** Where the cluster comes from. Required. */
  readonly cluster: ClusterConfig;
  /** The agent (agentk) and its ServiceAccount. Required (at least `name`). */
  readonly agent: AgentConfig;
  /** GitLab registration. Default: none (kas's file registry). */
  readonly gitlab?: GitlabConfig;
  /** kas, the server agentk connects to. Default: deployed in the agent's namespace. */
  readonly kas: KasConfig;
  /** Access per namespace, by namespace name. Default: none listed (the agent only has its own namespace). */
  readonly namespaces: Readonly<Record<string, NamespaceConfig>>;
  /** Cluster-scoped kinds the agent may write (e.g. CRDs), an explicit opt-in. Default: none. */
  readonly clusterResources: readonly ClusterResourceGrant[];
}

export interface ConfigProblem {
  /** `Pulumi.dev.yaml:12:7` when the config was read from a stack file (see readStackSource). */
  readonly at?: string;
  /** The full config key, e.g. `gitops-agent:namespaces.dude`. */
  readonly key: string;
  /** What the stack config holds there, in words. */
  readonly found: string;
  /** What would be accepted. */
  readonly expected: string;
}

export class StackConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.at === undefined ? "" : `${p.at}: `}${p.key}: found ${p.found}; expected ${p.expected}`);
    super(`invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
    this.name = "StackConfigError";
  }
}

const AWS_REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
const K8S_MINOR = /^1\.\d{1,2}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const RESOURCE = /^[a-z][a-z0-9]*(\/[a-z]+)?$/;

/** Resources a namespaced Role cannot grant: saying so beats a Role that silently does nothing. */
const CLUSTER_SCOPED = new Set([
  "namespaces", "nodes", "persistentvolumes", "clusterroles", "clusterrolebindings", "customresourcedefinitions",
  "storageclasses", "priorityclasses", "ingressclasses", "runtimeclasses", "mutatingwebhookconfigurations",
  "validatingwebhookconfigurations", "apiservices", "certificatesigningrequests", "csidrivers", "csinodes",
  "volumeattachments",
]);

/** The stack config's reader: Pulumi hands over JSON, so null is a value someone wrote (`found null`). */
export type Reader = Checker;

/** A string matching `pattern`, or `fallback` when absent; absent without a fallback is a problem too. */
export function stringAt(r: Reader, path: KeyPath, value: unknown, pattern: RegExp, expected: string, fallback?: string): string | undefined {
  if (value === undefined && fallback !== undefined) return fallback;
  return r.required(value, path, expected) ? r.string(value, path, { pattern, expected }) : undefined;
}

function oneOf<T extends string>(r: Reader, path: KeyPath, value: unknown, options: readonly T[]): T | undefined {
  const expected = r.choices(options);
  return r.required(value, path, expected) ? r.oneOf(value, path, options) : undefined;
}

function parseCluster(r: Reader, raw: unknown): ClusterConfig | undefined {
  const m = r.object(raw, ["cluster"], ["provider", "region", "version", "nodeCount", "instanceType", "kubeconfig", "context"],
    "a map { provider: eks, region, ... } or { provider: existing, kubeconfig, ... }");
  if (!m) return undefined;
  const provider = oneOf(r, ["cluster", "provider"], m.provider, ["eks", "existing"] as const);
  const only = (fields: readonly string[], other: string) => {
    for (const f of fields) if (m[f] !== undefined) r.mismatch(["cluster", f], m[f], `no ${f} with provider ${other}`);
  };
  if (provider === "eks") {
    only(["kubeconfig", "context"], "eks");
    const region = stringAt(r, ["cluster", "region"], m.region, AWS_REGION, "an AWS region such as eu-west-1");
    const version =
      typeof m.version === "number"
        ? r.mismatch(["cluster", "version"], m.version, 'a quoted Kubernetes minor version such as "1.31" (unquoted, YAML reads 1.30 as the number 1.3)')
        : stringAt(r, ["cluster", "version"], m.version, K8S_MINOR, 'a Kubernetes minor version such as "1.31"', DEFAULT_EKS_VERSION);
    const nodeCount = r.integer(m.nodeCount, ["cluster", "nodeCount"], 1) ?? DEFAULT_NODE_COUNT;
    const instanceType = stringAt(r, ["cluster", "instanceType"], m.instanceType, INSTANCE_TYPE, "an EC2 instance type such as t3.medium", DEFAULT_INSTANCE_TYPE);
    if (region && version && instanceType) return { provider, region, version, nodeCount, instanceType };
  } else if (provider === "existing") {
    only(["region", "version", "nodeCount", "instanceType"], "existing");
    const kubeconfig = stringAt(r, ["cluster", "kubeconfig"], m.kubeconfig, /\S/, "the path of a kubeconfig file, e.g. ~/.kube/config");
    const context = m.context === undefined ? undefined : stringAt(r, ["cluster", "context"], m.context, /\S/, "a kubeconfig context name");
    if (kubeconfig && (m.context === undefined || context)) return { provider, kubeconfig, ...(context ? { context } : {}) };
  }
  return undefined;
}

function parseAgent(r: Reader, raw: unknown): AgentConfig | undefined {
  const m = r.object(raw, ["agent"], ["name", "namespace", "image", "replicas", "impersonation"], "a map { name, namespace, image, replicas, impersonation }");
  if (!m) return undefined;
  const name = stringAt(r, ["agent", "name"], m.name, DNS_LABEL, `a GitLab agent name: ${DNS_LABEL_RULE}`);
  const namespace = parseNamespaceName(r, ["agent", "namespace"], m.namespace ?? DEFAULT_AGENT_NAMESPACE);
  const image = m.image === undefined ? DEFAULT_IMAGE : isImage(m.image) ? m.image : r.mismatch(["agent", "image"], m.image, IMAGE_EXPECTED);
  const replicas = r.integer(m.replicas, ["agent", "replicas"], 1) ?? 1;
  const impersonation = m.impersonation === undefined ? undefined : parseImpersonation(r, ["agent", "impersonation"], m.impersonation);
  if (m.impersonation !== undefined && !impersonation) return undefined;
  return name && namespace && image ? { name, namespace, image, replicas, ...(impersonation ? { impersonation } : {}) } : undefined;
}

function parseGitlab(r: Reader, raw: unknown): GitlabConfig | undefined {
  const m = r.object(raw, ["gitlab"], ["url", "project"], "a map { url, project }");
  if (!m) return undefined;
  const gitlabUrl = urlAt(r, ["gitlab", "url"], m.url, ["https", "http"], "an https:// (or http://) GitLab URL such as https://gitlab.example.com");
  const project = r.required(m.project, ["gitlab", "project"], PROJECT_EXPECTED)
    ? isProject(m.project) ? m.project : r.mismatch(["gitlab", "project"], m.project, `the agent's configuration project: ${PROJECT_EXPECTED}`)
    : undefined;
  return gitlabUrl && project ? { url: gitlabUrl.replace(/\/+$/, ""), project } : undefined;
}

function parseNamespaceName(r: Reader, path: KeyPath, name: unknown): string | undefined {
  if (typeof name === "string" && name.startsWith("kube-")) {
    return r.mismatch(path, name, "a namespace that is not kube-*: those are Kubernetes' own");
  }
  if (!isDnsLabel(name)) return r.mismatch(path, name, `a namespace name (RFC 1123 label): ${DNS_LABEL_RULE}`);
  return name;
}

function parseKinds(r: Reader, path: KeyPath, raw: unknown): KindRule[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return r.mismatch(path, raw, "a non-empty list of { apiGroup, resources }");
  const kinds: KindRule[] = [];
  raw.forEach((item, i) => {
    const at = [...path, i];
    const m = r.object(item, at, ["apiGroup", "resources"], "a map { apiGroup, resources }");
    if (!m) return;
    const group = m.apiGroup === "*"
      ? r.mismatch([...at, "apiGroup"], "*", "a named API group: wildcards are not allowed")
      : m.apiGroup === "core" || m.apiGroup === "" ? "" : stringAt(r, [...at, "apiGroup"], m.apiGroup, DNS_SUBDOMAIN, 'an API group such as apps, or "" (core)');
    const resources = Array.isArray(m.resources) && m.resources.length > 0
      ? m.resources.filter((res: unknown, j: number) => checkResource(r, [...at, "resources", j], group, res))
      : r.mismatch([...at, "resources"], m.resources, "a non-empty list of resource names such as [deployments]");
    if (group !== undefined && resources) kinds.push({ apiGroup: group, resources: resources as string[] });
  });
  return kinds.length === raw.length ? kinds : undefined;
}

function checkResource(r: Reader, path: KeyPath, group: string | undefined, res: unknown): boolean {
  const escalation = ESCALATION_RESOURCES.find((e) => e.apiGroup === group && e.resource === res);
  if (res === "*") r.mismatch(path, res, "a named resource: wildcards are not allowed");
  else if (escalation) r.mismatch(path, res, `a resource that is not an escalation path: ${escalation.resource} ${escalation.why}`);
  else if (res === "secrets") r.mismatch(path, res, "no secrets in kinds: grant Secrets with secrets: true");
  else if (typeof res === "string" && CLUSTER_SCOPED.has(res)) r.mismatch(path, res, `a namespaced resource: ${res} is cluster-scoped and a Role cannot grant it`);
  else if (typeof res !== "string" || !RESOURCE.test(res)) r.mismatch(path, res, "a plural lowercase resource name such as deployments");
  else return true;
  return false;
}

function parseNamespaceEntry(r: Reader, path: KeyPath, raw: unknown): NamespaceConfig | undefined {
  if (typeof raw === "string" || raw === undefined || raw === null) {
    const access = oneOf(r, path, raw, ACCESS_LEVELS);
    return access && { access, secrets: false };
  }
  const m = r.object(raw, path, ["access", "secrets", "kinds", "podSecurity", "onDestroy"], "one of write, read, none, admin, or a map { access, secrets, kinds, podSecurity, onDestroy }");
  if (!m) return undefined;
  const access = oneOf(r, [...path, "access"], m.access, ACCESS_LEVELS);
  const podSecurity = m.podSecurity === undefined ? undefined : oneOf(r, [...path, "podSecurity"], m.podSecurity, POD_SECURITY_LEVELS);
  const onDestroy = m.onDestroy === undefined ? undefined : oneOf(r, [...path, "onDestroy"], m.onDestroy, NAMESPACE_ON_DESTROY);
  const secrets = r.boolean(m.secrets, [...path, "secrets"]);
  const kinds = m.kinds === undefined ? undefined : parseKinds(r, [...path, "kinds"], m.kinds);
  if (access === "none" && (secrets === true || m.kinds !== undefined)) {
    return r.mismatch(path, raw, "no secrets or kinds with access none (the agent gets nothing there)", { found: "access none with secrets or kinds" });
  }
  if (access === undefined || (m.secrets !== undefined && secrets === undefined) || (m.kinds !== undefined && !kinds) || (m.podSecurity !== undefined && !podSecurity)) return undefined;
  if (m.onDestroy !== undefined && !onDestroy) return undefined;
  return { access, secrets: secrets ?? false, ...(kinds ? { kinds } : {}), ...(podSecurity ? { podSecurity } : {}), ...(onDestroy ? { onDestroy } : {}) };
}

function parseNamespaces(r: Reader, raw: unknown, agent: AgentConfig | undefined): Record<string, NamespaceConfig> | undefined {
  if (raw === undefined) return {};
  const m = r.object(raw, ["namespaces"], "any", "a map of namespace name to write, read, none or admin");
  if (!m) return undefined;
  const out: Record<string, NamespaceConfig> = {};
  let ok = true;
  for (const [name, value] of Object.entries(m)) {
    const path = ["namespaces", name];
    const entry = parseNamespaceEntry(r, path, value);
    if (parseNamespaceName(r, path, name) && entry) out[name] = entry;
    else ok = false;
    if (entry?.access === "none" && name === agent?.namespace) {
      r.mismatch(path, "none", `write or read, or leave it out: ${name} is the agent's own namespace (gitops-agent:agent.namespace), where it keeps its inventory and leader-election Lease`);
      ok = false;
    }
  }
  return ok ? out : undefined;
}

function toConfigProblem(p: Problem, source: StackSource | undefined): ConfigProblem {
  const at = source && p.position ? { at: `${source.file}:${p.position.line}:${p.position.col}` } : {};
  return { ...at, key: `${CONFIG_NAMESPACE}:${formatPath(p.path)}`, found: p.found ?? "", expected: p.expected ?? p.text };
}

/**
 * Validates the raw `gitops-agent:*` values (keys without the namespace) and applies the defaults.
 * With `source` (a stack file read by readStackSource), each problem also says where it is.
 */
export function parseStackConfig(raw: Record<string, unknown>, source?: StackSource): StackConfig {
  const r: Reader = new Checker(CONFIG_NAMESPACE, { wording: STACK_CONFIG_WORDING, nullIsAbsent: false, locate: source?.locate });
  for (const key of Object.keys(raw)) {
    if (!(STACK_KEYS as readonly string[]).includes(key)) r.mismatch([key], undefined, `one of ${STACK_KEYS.map((k) => `${CONFIG_NAMESPACE}:${k}`).join(", ")}`, { found: "an unknown key" });
  }
  const cluster = raw.cluster === undefined ? r.mismatch(["cluster"], undefined, "a map { provider: eks | existing, ... }") : parseCluster(r, raw.cluster);
  const agent = raw.agent === undefined ? r.mismatch(["agent"], undefined, "a map { name, ... } (the agent name is required)") : parseAgent(r, raw.agent);
  const gitlab = raw.gitlab === undefined ? undefined : parseGitlab(r, raw.gitlab);
  const kas = parseKas(r, raw.kas, { agentNamespace: agent?.namespace, agentImage: agent?.image, eks: cluster && cluster.provider === "eks" });
  const namespaces = parseNamespaces(r, raw.namespaces, agent);
  const clusterResources = parseClusterResources(r, raw.clusterResources);
  if (r.problems.length > 0 || !cluster || !agent || !kas || !namespaces || !clusterResources) throw new StackConfigError(r.problems.map((p) => toConfigProblem(p, source)));
  return { cluster, agent, ...(gitlab ? { gitlab } : {}), kas, namespaces, clusterResources };
}

/** The agent's configuration project: GitLab's project, else `local/<agent name>` in kas's file registry. */
export function configProjectOf(config: StackConfig): string {
  return config.gitlab?.project ?? localConfigProject(config.agent.name);
}

/** Problems that only matter when the config is deployed (the program checks them; RBAC planning does not need them). */
export function deploymentProblems(config: StackConfig): ConfigProblem[] {
  const kas = kasServesAgent(config.kas, configProjectOf(config), config.gitlab !== undefined);
  return kas ? [kas] : [];
}

/**
 * Reads the stack's config through Pulumi and validates it. Every key of the
 * `gitops-agent` namespace is read, not only the known ones, so that a
 * misspelled key (`gitops-agent:namespacess`) fails `pulumi preview` and `up`
 * instead of being ignored (an agent with no rights and no error).
 */
export function loadStackConfig(config: pulumi.Config = new pulumi.Config(CONFIG_NAMESPACE), all: Record<string, string> = pulumi.runtime.allConfig()): StackConfig {
  const keys = new Set<string>(STACK_KEYS);
  for (const full of Object.keys(all)) if (full.startsWith(`${CONFIG_NAMESPACE}:`)) keys.add(full.slice(CONFIG_NAMESPACE.length + 1));
  const raw: Record<string, unknown> = {};
  for (const key of keys) {
    let value: unknown;
    try {
      value = config.getObject<unknown>(key);
    } catch {
      value = config.get(key); // not JSON: a plain string, reported as found by the parser
    }
    if (value !== undefined) raw[key] = value;
  }
  return parseStackConfig(raw);
}
