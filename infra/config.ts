/**
 * The stack config (`gitops-agent:*` keys), typed and validated before any
 * resource is built. Every problem is collected, not just the first, and each
 * names its key, what was found and what was expected, so one `pulumi preview`
 * (or `npm run rbac:diff`) shows everything to fix.
 */
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { DEFAULT_AGENT_NAMESPACE, KAS_PORTS } from "../runtime/common/deploy";
import { POD_SECURITY_LEVELS, type PodSecurityLevel } from "../runtime/common/pod-security";
import { ESCALATION_RESOURCES, type Access } from "../runtime/common/rbac-rules";
import { parseClusterResources, type ClusterResourceGrant } from "./cluster-resources";

export type { Access, ClusterResourceGrant, PodSecurityLevel };

/** The Pulumi config namespace (the project name in Pulumi.yaml). */
export const CONFIG_NAMESPACE = "gitops-agent";
export const STACK_KEYS = ["cluster", "agent", "gitlab", "kas", "namespaces", "clusterResources"] as const;
export const ACCESS_LEVELS: readonly Access[] = ["write", "read", "none", "admin"];
export { DEFAULT_AGENT_NAMESPACE };
export const DEFAULT_IMAGE = "gitops-agent:0.1.0";
export const DEFAULT_EKS_VERSION = "1.31";
export const DEFAULT_NODE_COUNT = 2;
export const DEFAULT_INSTANCE_TYPE = "t3.medium";
export const DEFAULT_KAS_PORT = KAS_PORTS.grpc;

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
}

/** Register the agent in GitLab. Without it, kas's file registry is used. */
export interface GitlabConfig {
  /** GitLab base URL (https, or http for a local instance). Required. */
  readonly url: string;
  /** The agent's configuration project: a path such as `group/agent-config` or a numeric id. Required. */
  readonly project: string;
}

export interface KasConfig {
  /** Deploy kas into the cluster. Default true. */
  readonly deploy: boolean;
  /** Where agentk reaches kas (grpc, grpcs, ws or wss). Default `grpc://kas.<agent namespace>.svc:8150`; required when deploy is false. */
  readonly address: string;
  /** kas container image. Default: the agent's image. */
  readonly image: string;
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
}

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
  /** The full config key, e.g. `gitops-agent:namespaces.dude`. */
  readonly key: string;
  /** What the stack config holds there, in words. */
  readonly found: string;
  /** What would be accepted. */
  readonly expected: string;
}

export class StackConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.key}: found ${p.found}; expected ${p.expected}`);
    super(`invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
    this.name = "StackConfigError";
  }
}

const RFC1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const AWS_REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
const K8S_MINOR = /^1\.\d{1,2}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const IMAGE =
  /^([a-z0-9.-]+(:\d+)?\/)?[a-z0-9]+([._-]+[a-z0-9]+)*(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:\w[\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const PROJECT = /^(\d+|[\w.][\w.-]*(\/[\w.][\w.-]*)+)$/;
const RESOURCE = /^[a-z][a-z0-9]*(\/[a-z]+)?$/;
const NAME_RULE = "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

/** Resources a namespaced Role cannot grant: saying so beats a Role that silently does nothing. */
const CLUSTER_SCOPED = new Set([
  "namespaces", "nodes", "persistentvolumes", "clusterroles", "clusterrolebindings", "customresourcedefinitions",
  "storageclasses", "priorityclasses", "ingressclasses", "runtimeclasses", "mutatingwebhookconfigurations",
  "validatingwebhookconfigurations", "apiservices", "certificatesigningrequests", "csidrivers", "csinodes",
  "volumeattachments",
]);

type RawMap = Record<string, unknown>;

/** A key path segment: `.name`, or `["odd.name"]` when it would not read back unambiguously. */
const seg = (key: string): string => (/^[\w-]+$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  return "a map";
}

/** Collects problems while reading one raw value after another. */
export class Reader {
  readonly problems: ConfigProblem[] = [];

  report(path: string, found: unknown, expected: string, foundText?: string): undefined {
    this.problems.push({ key: `${CONFIG_NAMESPACE}:${path}`, found: foundText ?? describe(found), expected });
    return undefined;
  }

  /** A map whose keys must be among `keys` ("any": keys are names, checked by the caller). */
  map(path: string, value: unknown, keys: readonly string[] | "any", expected: string): RawMap | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return this.report(path, value, expected);
    for (const k of Object.keys(value)) {
      if (keys !== "any" && !keys.includes(k)) this.report(`${path}${seg(k)}`, undefined, `one of ${keys.join(", ")}`, "an unknown key");
    }
    return value as RawMap;
  }

  string(path: string, value: unknown, pattern: RegExp, expected: string, fallback?: string): string | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "string" || !pattern.test(value)) return this.report(path, value, expected);
    return value;
  }

  oneOf<T extends string>(path: string, value: unknown, options: readonly T[], fallback?: T): T | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "string" || !(options as readonly string[]).includes(value)) {
      return this.report(path, value, `one of ${options.join(", ")}`);
    }
    return value as T;
  }

  integer(path: string, value: unknown, min: number, fallback: number): number | undefined {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      return this.report(path, value, `a whole number of at least ${min}`);
    }
    return value;
  }

  boolean(path: string, value: unknown, fallback: boolean): boolean | undefined {
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") return this.report(path, value, "true or false");
    return value;
  }

  url(path: string, value: unknown, protocols: readonly string[], expected: string): string | undefined {
    let url: URL | undefined;
    try {
      url = typeof value === "string" ? new URL(value) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || !protocols.includes(url.protocol.slice(0, -1)) || url.hostname === "") return this.report(path, value, expected);
    if (url.username || url.password) {
      return this.report(path, value, "a URL without credentials (keep secrets out of stack config)", "a URL with credentials");
    }
    return value as string;
  }
}

function parseCluster(r: Reader, raw: unknown): ClusterConfig | undefined {
  const m = r.map("cluster", raw, ["provider", "region", "version", "nodeCount", "instanceType", "kubeconfig", "context"],
    "a map { provider: eks, region, ... } or { provider: existing, kubeconfig, ... }");
  if (!m) return undefined;
  const provider = r.oneOf("cluster.provider", m.provider, ["eks", "existing"] as const);
  const only = (fields: readonly string[], other: string) => {
    for (const f of fields) if (m[f] !== undefined) r.report(`cluster.${f}`, m[f], `no ${f} with provider ${other}`);
  };
  if (provider === "eks") {
    only(["kubeconfig", "context"], "eks");
    const region = r.string("cluster.region", m.region, AWS_REGION, "an AWS region such as eu-west-1");
    const version =
      typeof m.version === "number"
        ? r.report("cluster.version", m.version, 'a quoted Kubernetes minor version such as "1.31" (unquoted, YAML reads 1.30 as the number 1.3)')
        : r.string("cluster.version", m.version, K8S_MINOR, 'a Kubernetes minor version such as "1.31"', DEFAULT_EKS_VERSION);
    const nodeCount = r.integer("cluster.nodeCount", m.nodeCount, 1, DEFAULT_NODE_COUNT);
    const instanceType = r.string("cluster.instanceType", m.instanceType, INSTANCE_TYPE, "an EC2 instance type such as t3.medium", DEFAULT_INSTANCE_TYPE);
    if (region && version && nodeCount && instanceType) return { provider, region, version, nodeCount, instanceType };
  } else if (provider === "existing") {
    only(["region", "version", "nodeCount", "instanceType"], "existing");
    const kubeconfig = r.string("cluster.kubeconfig", m.kubeconfig, /\S/, "the path of a kubeconfig file, e.g. ~/.kube/config");
    const context = m.context === undefined ? undefined : r.string("cluster.context", m.context, /\S/, "a kubeconfig context name");
    if (kubeconfig && (m.context === undefined || context)) return { provider, kubeconfig, ...(context ? { context } : {}) };
  }
  return undefined;
}

function parseAgent(r: Reader, raw: unknown): AgentConfig | undefined {
  const m = r.map("agent", raw, ["name", "namespace", "image", "replicas"], "a map { name, namespace, image, replicas }");
  if (!m) return undefined;
  const nameRule = `a GitLab agent name: ${NAME_RULE}`;
  const name = typeof m.name === "string" && m.name.length > 63 ? r.report("agent.name", m.name, nameRule) : r.string("agent.name", m.name, RFC1123_LABEL, nameRule);
  const namespace = parseNamespaceName(r, "agent.namespace", m.namespace ?? DEFAULT_AGENT_NAMESPACE);
  const image = r.string("agent.image", m.image, IMAGE, "an image reference such as registry.example.com/gitops-agent:0.1.0", DEFAULT_IMAGE);
  const replicas = r.integer("agent.replicas", m.replicas, 1, 1);
  return name && namespace && image && replicas ? { name, namespace, image, replicas } : undefined;
}

function parseGitlab(r: Reader, raw: unknown): GitlabConfig | undefined {
  const m = r.map("gitlab", raw, ["url", "project"], "a map { url, project }");
  if (!m) return undefined;
  const url = r.url("gitlab.url", m.url, ["https", "http"], "an https:// (or http://) GitLab URL such as https://gitlab.example.com");
  const project = r.string("gitlab.project", m.project, PROJECT, "the agent's configuration project, a path such as group/agent-config or a numeric id");
  return url && project ? { url: url.replace(/\/+$/, ""), project } : undefined;
}

function parseKas(r: Reader, raw: unknown, agent: AgentConfig | undefined): KasConfig | undefined {
  const m = raw === undefined ? {} : r.map("kas", raw, ["deploy", "address", "image"], "a map { deploy, address, image }");
  if (!m) return undefined;
  const deploy = r.boolean("kas.deploy", m.deploy, true);
  const expected = "a kas address such as grpc://kas.example.com:8150 (grpc, grpcs, ws or wss)";
  let address: string | undefined;
  if (m.address !== undefined) address = r.url("kas.address", m.address, ["grpc", "grpcs", "ws", "wss"], expected);
  else if (deploy === false) r.report("kas.address", undefined, `${expected}: required when kas.deploy is false`);
  else address = `grpc://kas.${agent?.namespace ?? DEFAULT_AGENT_NAMESPACE}.svc:${DEFAULT_KAS_PORT}`;
  const image = r.string("kas.image", m.image, IMAGE, "an image reference such as registry.example.com/gitops-agent:0.1.0", agent?.image ?? DEFAULT_IMAGE);
  return deploy !== undefined && address && image ? { deploy, address, image } : undefined;
}

function parseNamespaceName(r: Reader, path: string, name: unknown): string | undefined {
  if (typeof name === "string" && name.startsWith("kube-")) {
    return r.report(path, name, "a namespace that is not kube-*: those are Kubernetes' own");
  }
  if (typeof name !== "string" || name.length > 63 || !RFC1123_LABEL.test(name)) {
    return r.report(path, name, `a namespace name (RFC 1123 label): ${NAME_RULE}`);
  }
  return name;
}

function parseKinds(r: Reader, path: string, raw: unknown): KindRule[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return r.report(path, raw, "a non-empty list of { apiGroup, resources }");
  const kinds: KindRule[] = [];
  raw.forEach((item, i) => {
    const at = `${path}[${i}]`;
    const m = r.map(at, item, ["apiGroup", "resources"], "a map { apiGroup, resources }");
    if (!m) return;
    const group = m.apiGroup === "*"
      ? r.report(`${at}.apiGroup`, "*", "a named API group: wildcards are not allowed")
      : m.apiGroup === "core" || m.apiGroup === "" ? "" : r.string(`${at}.apiGroup`, m.apiGroup, DNS_SUBDOMAIN, 'an API group such as apps, or "" (core)');
    const resources = Array.isArray(m.resources) && m.resources.length > 0
      ? m.resources.filter((res: unknown, j: number) => checkResource(r, `${at}.resources[${j}]`, group, res))
      : r.report(`${at}.resources`, m.resources, "a non-empty list of resource names such as [deployments]");
    if (group !== undefined && resources) kinds.push({ apiGroup: group, resources: resources as string[] });
  });
  return kinds.length === raw.length ? kinds : undefined;
}

function checkResource(r: Reader, path: string, group: string | undefined, res: unknown): boolean {
  const escalation = ESCALATION_RESOURCES.find((e) => e.apiGroup === group && e.resource === res);
  if (res === "*") r.report(path, res, "a named resource: wildcards are not allowed");
  else if (escalation) r.report(path, res, `a resource that is not an escalation path: ${escalation.resource} ${escalation.why}`);
  else if (res === "secrets") r.report(path, res, "no secrets in kinds: grant Secrets with secrets: true");
  else if (typeof res === "string" && CLUSTER_SCOPED.has(res)) r.report(path, res, `a namespaced resource: ${res} is cluster-scoped and a Role cannot grant it`);
  else if (typeof res !== "string" || !RESOURCE.test(res)) r.report(path, res, "a plural lowercase resource name such as deployments");
  else return true;
  return false;
}

function parseNamespaceEntry(r: Reader, path: string, raw: unknown): NamespaceConfig | undefined {
  if (typeof raw === "string" || raw === undefined || raw === null) {
    const access = r.oneOf(path, raw, ACCESS_LEVELS);
    return access && { access, secrets: false };
  }
  const m = r.map(path, raw, ["access", "secrets", "kinds", "podSecurity"], "one of write, read, none, admin, or a map { access, secrets, kinds, podSecurity }");
  if (!m) return undefined;
  const access = r.oneOf(`${path}.access`, m.access, ACCESS_LEVELS);
  const podSecurity = m.podSecurity === undefined ? undefined : r.oneOf(`${path}.podSecurity`, m.podSecurity, POD_SECURITY_LEVELS);
  const secrets = r.boolean(`${path}.secrets`, m.secrets, false);
  const kinds = m.kinds === undefined ? undefined : parseKinds(r, `${path}.kinds`, m.kinds);
  if (access === "none" && (secrets || m.kinds !== undefined)) {
    return r.report(path, raw, "no secrets or kinds with access none (the agent gets nothing there)", "access none with secrets or kinds");
  }
  if (access === undefined || secrets === undefined || (m.kinds !== undefined && !kinds) || (m.podSecurity !== undefined && !podSecurity)) return undefined;
  return { access, secrets, ...(kinds ? { kinds } : {}), ...(podSecurity ? { podSecurity } : {}) };
}

function parseNamespaces(r: Reader, raw: unknown, agent: AgentConfig | undefined): Record<string, NamespaceConfig> | undefined {
  if (raw === undefined) return {};
  const m = r.map("namespaces", raw, "any", "a map of namespace name to write, read, none or admin");
  if (!m) return undefined;
  const out: Record<string, NamespaceConfig> = {};
  let ok = true;
  for (const [name, value] of Object.entries(m)) {
    const path = `namespaces${seg(name)}`;
    const entry = parseNamespaceEntry(r, path, value);
    if (parseNamespaceName(r, path, name) && entry) out[name] = entry;
    else ok = false;
    if (entry?.access === "none" && name === agent?.namespace) {
      r.report(path, "none", `write or read, or leave it out: ${name} is the agent's own namespace (gitops-agent:agent.namespace), where it keeps its inventory and leader-election Lease`);
      ok = false;
    }
  }
  return ok ? out : undefined;
}

/** Validates the raw `gitops-agent:*` values (keys without the namespace) and applies the defaults. */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const r = new Reader();
  for (const key of Object.keys(raw)) {
    if (!(STACK_KEYS as readonly string[]).includes(key)) r.report(key, undefined, `one of ${STACK_KEYS.map((k) => `${CONFIG_NAMESPACE}:${k}`).join(", ")}`, "an unknown key");
  }
  const cluster = raw.cluster === undefined ? r.report("cluster", undefined, "a map { provider: eks | existing, ... }") : parseCluster(r, raw.cluster);
  const agent = raw.agent === undefined ? r.report("agent", undefined, "a map { name, ... } (the agent name is required)") : parseAgent(r, raw.agent);
  const gitlab = raw.gitlab === undefined ? undefined : parseGitlab(r, raw.gitlab);
  const kas = parseKas(r, raw.kas, agent);
  const namespaces = parseNamespaces(r, raw.namespaces, agent);
  const clusterResources = parseClusterResources(r, raw.clusterResources);
  if (r.problems.length > 0 || !cluster || !agent || !kas || !namespaces || !clusterResources) throw new StackConfigError(r.problems);
  return { cluster, agent, ...(gitlab ? { gitlab } : {}), kas, namespaces, clusterResources };
}

/** Reads the stack's config through Pulumi (one getObject per key) and validates it. */
export function loadStackConfig(config: pulumi.Config = new pulumi.Config(CONFIG_NAMESPACE)): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const key of STACK_KEYS) {
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

/**
 * Reads a `Pulumi.<stack>.yaml` file's `config:` map into the raw form
 * parseStackConfig takes (keys without `gitops-agent:`); other namespaces'
 * keys are left out. An empty file gives `{}`. No Pulumi needed.
 */
export function readStackFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${path}: cannot read the stack file: ${err instanceof Error ? err.message : String(err)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`${path}: not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (doc === null || doc === undefined) return {};
  const config = typeof doc === "object" && !Array.isArray(doc) ? (doc as RawMap).config : undefined;
  if (config === undefined || config === null) return {};
  if (typeof config !== "object" || Array.isArray(config)) throw new Error(`${path}: "config" must be a map of key: value`);
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
  }
  return raw;
}
