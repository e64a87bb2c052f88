/**
 * The `gitops-agent:kas` stack key: whether the stack deploys kas, where agentk
 * reaches it, and the Git projects kas serves (the agent's configuration
 * project and its manifest projects), with the credentials kas reads them with.
 */
import { DNS_SUBDOMAIN, type Checker, type KeyPath } from "../runtime/common/config-kit";
import { DEFAULT_AGENT_NAMESPACE, DEFAULT_AGENTK_IMAGE, KAS_PORTS } from "../runtime/common/deploy";
import { parseKasKubernetesApi, type KasKubernetesApiConfig } from "./stack-kas-kubeapi";
import { kasRedisFor, parseKasRedis, type KasRedisConfig } from "./stack-kas-redis";

export type { KasKubernetesApiConfig, KasRedisConfig };

export const DEFAULT_KAS_PORT = KAS_PORTS.grpc;
/** The agent's configuration project without GitLab: `local/<agent name>` (kas's file registry names it). */
export const localConfigProject = (agentName: string): string => `local/${agentName}`;

/** Git over HTTP(S) with a password (or token) read from a Kubernetes Secret in kas's namespace. */
export interface KasProjectCredentials {
  readonly username: string;
  /** The Secret (in the agent's namespace) holding the password; create it before `pulumi up`, like Flux's secretRef. */
  readonly secretName: string;
  /** Its key. Default `password`. */
  readonly secretKey: string;
}

export interface KasProjectConfig {
  /** The project's path as agents' config.yaml names it, e.g. `local/dude-agent` or `group/manifests`. */
  readonly id: string;
  /** Where kas clones it: https://, http://, or git:// URL. */
  readonly url: string;
  readonly credentials?: KasProjectCredentials;
}

export interface KasConfig {
  /** Deploy kas into the cluster. Default true. */
  readonly deploy: boolean;
  /** Where agentk reaches kas (grpc, grpcs, ws or wss). Default `grpc://kas.<agent namespace>.svc:8150`; required when deploy is false. */
  readonly address: string;
  /** kas container image. Default: the agent's image. */
  readonly image: string;
  /** Git projects the deployed kas serves. Required (at least the agent's configuration project) when deploy is true without gitlab. */
  readonly projects: readonly KasProjectConfig[];
  /**
   * Where GitLab reaches the deployed kas's push webhook listener (the Service's
   * port `webhook`, 8154, behind your Ingress or load balancer), e.g.
   * `https://kas.example.com`. With gitlab and this, the stack registers a push
   * webhook `<publicUrl>/api/v1/webhooks/push` on the configuration project with
   * a random secret, and kas looks at the project on every push; without it kas
   * polls. GitLab mode only.
   */
  readonly publicUrl?: string;
  /**
   * The Kubernetes API for CI jobs (CI/CD tunnel): https on port 8156 (Service
   * port `k8s-api`) with an existing kubernetes.io/tls Secret, CI ID tokens of
   * `oidc.issuer` for `oidc.audience`. Default: not served. Deployed kas only.
   */
  readonly kubernetesApi?: KasKubernetesApiConfig;
  /** Replicas of the deployed kas. Default 1; more need `redis`. */
  readonly replicas: number;
  /**
   * The Redis the replicas share. Default: none with one replica (state in
   * memory), the in-cluster Redis with more outside EKS; an EKS stack with
   * more replicas must choose. Deployed kas only.
   */
  readonly redis?: KasRedisConfig;
}

/** kas's push webhook path (runtime/kas/server/push-webhook.ts WEBHOOK_PATH; a test holds them equal). */
export const KAS_WEBHOOK_PATH = "/api/v1/webhooks/push";

/** The URL GitLab posts push events to, from `kas.publicUrl`. */
export function kasWebhookUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, "")}${KAS_WEBHOOK_PATH}`;
}

const IMAGE =
  /^([a-z0-9.-]+(:\d+)?\/)?[a-z0-9]+([._-]+[a-z0-9]+)*(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:\w[\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
export const IMAGE_EXPECTED = "an image reference such as registry.example.com/gitops-agent:0.1.0";
const PROJECT = /^(\d+|[\w.][\w.-]*(\/[\w.][\w.-]*)+)$/;
export const PROJECT_EXPECTED = "a project path such as group/agent-config or a numeric id";

export function isImage(value: unknown): value is string {
  return typeof value === "string" && IMAGE.test(value);
}
export function isProject(value: unknown): value is string {
  return typeof value === "string" && PROJECT.test(value);
}

/**
 * Cross-key check of a config that is to be deployed (the program runs it; `rbac:diff`,
 * which only plans RBAC, does not): a deployed kas without GitLab must serve the
 * agent's configuration project, or it answers the agent "project is not configured"
 * forever while agentk looks connected.
 */
export function kasServesAgent(kas: KasConfig, configProject: string, gitlab: boolean): { key: string; found: string; expected: string } | undefined {
  if (kas.publicUrl !== undefined && !gitlab) {
    return {
      key: "gitops-agent:kas.publicUrl",
      found: JSON.stringify(kas.publicUrl),
      expected: "no kas.publicUrl without gitops-agent:gitlab (the URL is for the push webhook the stack registers in GitLab)",
    };
  }
  if (!kas.deploy || gitlab || kas.projects.some((p) => p.id === configProject)) return undefined;
  return {
    key: "gitops-agent:kas.projects",
    found: kas.projects.length === 0 ? "nothing" : `no project with id ${configProject} (found ${kas.projects.map((p) => p.id).join(", ")})`,
    expected: `a list that includes the agent's configuration project: { id: ${configProject}, url: <where kas clones it> }; without it kas answers the agent "project is not configured" forever`,
  };
}

/** A URL of one of `protocols`, with a host and no credentials (secrets stay out of stack config). */
export function urlAt(r: Checker, path: KeyPath, value: unknown, protocols: readonly string[], expected: string): string | undefined {
  let parsed: URL | undefined;
  try {
    parsed = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || !protocols.includes(parsed.protocol.slice(0, -1)) || parsed.hostname === "") return r.mismatch(path, value, expected);
  if (parsed.username || parsed.password) {
    return r.mismatch(path, value, "a URL without credentials (keep secrets out of stack config)", { found: "a URL with credentials" });
  }
  return value as string;
}

export interface KasContext {
  readonly agentNamespace?: string;
  readonly agentImage?: string;
  /** Whether the stack creates an EKS cluster; undefined when gitops-agent:cluster is invalid. */
  readonly eks?: boolean;
}

const KAS_KEYS = ["deploy", "address", "image", "projects", "publicUrl", "kubernetesApi", "replicas", "redis"];

export function parseKas(r: Checker, raw: unknown, ctx: KasContext): KasConfig | undefined {
  const m = raw === undefined ? {} : r.object(raw, ["kas"], KAS_KEYS, `a map { ${KAS_KEYS.join(", ")} }`);
  if (!m) return undefined;
  const deploy = r.boolean(m.deploy, ["kas", "deploy"]) ?? true;
  const expected = "a kas address such as grpc://kas.example.com:8150 (grpc, grpcs, ws or wss)";
  let address: string | undefined;
  if (m.address !== undefined) address = urlAt(r, ["kas", "address"], m.address, ["grpc", "grpcs", "ws", "wss"], expected);
  else if (!deploy) r.mismatch(["kas", "address"], undefined, `${expected}: required when kas.deploy is false`);
  else address = `grpc://kas.${ctx.agentNamespace ?? DEFAULT_AGENT_NAMESPACE}.svc:${DEFAULT_KAS_PORT}`;
  let image: string | undefined = ctx.agentImage ?? DEFAULT_AGENTK_IMAGE;
  if (m.image !== undefined) image = isImage(m.image) ? m.image : r.mismatch(["kas", "image"], m.image, IMAGE_EXPECTED);
  const projects = m.projects === undefined ? [] : parseProjects(r, m.projects);
  if (!deploy && m.projects !== undefined) r.mismatch(["kas", "projects"], m.projects, "no projects when kas.deploy is false (the kas you run elsewhere has its own kas.yaml)");
  let publicUrl: string | undefined;
  if (m.publicUrl !== undefined) {
    publicUrl = deploy
      ? urlAt(r, ["kas", "publicUrl"], m.publicUrl, ["https", "http"], "the https:// URL where GitLab reaches the deployed kas's webhook listener, such as https://kas.example.com")
      : r.mismatch(["kas", "publicUrl"], m.publicUrl, "no publicUrl when kas.deploy is false (register the webhook of the kas you run elsewhere yourself)");
  }
  if (m.publicUrl !== undefined && publicUrl === undefined) return undefined;
  let kubernetesApi: KasKubernetesApiConfig | undefined;
  if (m.kubernetesApi !== undefined) {
    kubernetesApi = deploy
      ? parseKasKubernetesApi(r, m.kubernetesApi, (path, value, what) => urlAt(r, path, value, ["https", "http"], what))
      : r.mismatch(["kas", "kubernetesApi"], m.kubernetesApi, "no kubernetesApi when kas.deploy is false (the kas you run elsewhere has its own kas.yaml)");
    if (kubernetesApi === undefined) return undefined;
  }
  const scale = parseScale(r, m, deploy, ctx.eks);
  return address && image && projects && scale
    ? { deploy, address, image, projects, ...(publicUrl ? { publicUrl: publicUrl.replace(/\/+$/, "") } : {}), ...(kubernetesApi ? { kubernetesApi } : {}), ...scale }
    : undefined;
}

function parseScale(r: Checker, m: Record<string, unknown>, deploy: boolean, eks: boolean | undefined): Pick<KasConfig, "replicas" | "redis"> | undefined {
  if (!deploy) {
    for (const key of ["replicas", "redis"]) if (m[key] !== undefined) r.mismatch(["kas", key], m[key], `no ${key} when kas.deploy is false (the kas you run elsewhere is yours to scale)`);
    return { replicas: 1 };
  }
  const replicas = m.replicas === undefined ? 1 : r.integer(m.replicas, ["kas", "replicas"], 1);
  if (replicas === undefined) return undefined;
  const parsed = m.redis === undefined ? undefined : parseKasRedis(r, m.redis, eks);
  if (m.redis !== undefined && !parsed) return undefined;
  const redis = kasRedisFor(r, replicas, parsed, eks);
  if (replicas > 1 && !redis) return undefined;
  return { replicas, ...(redis ? { redis } : {}) };
}

function parseProjects(r: Checker, raw: unknown): KasProjectConfig[] | undefined {
  const items = r.list(raw, ["kas", "projects"], "{ id, url, credentials }");
  if (items === undefined) return undefined;
  const before = r.problems.length;
  const out: KasProjectConfig[] = [];
  const seen = new Set<string>();
  for (const { entry, path } of r.entries(items, ["kas", "projects"], ["id", "url", "credentials"])) {
    const id = isProject(entry.id) ? entry.id : r.mismatch([...path, "id"], entry.id, PROJECT_EXPECTED);
    if (id !== undefined && seen.has(id)) r.mismatch([...path, "id"], id, "each project once", { found: `${id} a second time` });
    if (id !== undefined) seen.add(id);
    const url = urlAt(r, [...path, "url"], entry.url, ["https", "http", "git"], "a clone URL such as https://git.example.com/group/project.git");
    const credentials = entry.credentials === undefined ? undefined : parseCredentials(r, [...path, "credentials"], entry.credentials);
    if (id && url && (entry.credentials === undefined || credentials)) out.push({ id, url, ...(credentials ? { credentials } : {}) });
  }
  return r.problems.length === before ? out : undefined;
}

function parseCredentials(r: Checker, path: KeyPath, raw: unknown): KasProjectCredentials | undefined {
  const m = r.object(raw, path, ["username", "secretName", "secretKey"], "a map { username, secretName, secretKey } (the password stays in a Kubernetes Secret)");
  if (!m) return undefined;
  const username = r.required(m.username, [...path, "username"], "a user name") ? r.string(m.username, [...path, "username"], { nonEmpty: true }) : undefined;
  const secretName = r.required(m.secretName, [...path, "secretName"], "a Secret name")
    ? r.string(m.secretName, [...path, "secretName"], { pattern: DNS_SUBDOMAIN, expected: "the name of a Secret in the agent's namespace" })
    : undefined;
  const secretKey = m.secretKey === undefined ? "password" : r.string(m.secretKey, [...path, "secretKey"], { pattern: /^[-._a-zA-Z0-9]+$/, expected: "a Secret key such as password" });
  return username && secretName && secretKey ? { username, secretName, secretKey } : undefined;
}

