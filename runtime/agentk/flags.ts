/**
 * agentk's command lines: the flags of `agentk` and `agentk generate`, and
 * the pure step from parsed flags to options (every bad value named, with
 * what was expected). main.ts does the I/O.
 */
import { FlagChecks, distinct, POD_SECURITY_LEVELS, type CommandSpec, type FlagValues, type Level, type PodSecurityLevel } from "../common";
import { DEFAULT_AGENT_NAMESPACE, DEFAULT_AGENTK_IMAGE, DEFAULT_AGENTK_REPLICAS } from "../common/deploy";
import { DEFAULT_GENERATE_NAME, type GenerateOptions } from "./generate";
import { DEFAULT_TUNNEL_POOL_SIZE } from "./tunnel";

/** kas keeps at most 16 idle tunnels per agent by default (agent_connections.max_idle_tunnels_per_agent). */
const MAX_TUNNELS = 64;

/** What connectTarget (connection/transport.ts) dials. */
export const KAS_SCHEMES = ["grpc", "grpcs", "ws", "wss"] as const;
const LOG_LEVELS: readonly Level[] = ["debug", "info", "warn", "error"];

const KAS_ADDRESS = { value: "<url>", description: "kas's agent endpoint: grpc://, grpcs://, ws:// or wss:// followed by host[:port]" } as const;

export const RUN_COMMAND = {
  name: "agentk",
  usage: "--kas-address <url> (--token-file <file> | $AGENTK_TOKEN) [flags]\n  agentk generate --help",
  summary: "The in-cluster GitOps agent: dials kas, receives its configuration and the manifests of its projects, and applies them to this cluster.",
  flags: {
    "kas-address": { ...KAS_ADDRESS, description: `${KAS_ADDRESS.description} (required)` },
    "token-file": { value: "<file>", description: "File holding the agent token; without it, $AGENTK_TOKEN" },
    "ca-cert-file": { value: "<file>", description: "PEM CA bundle to trust for grpcs:// and wss:// (default: the system's)" },
    "observability-listen-address": { value: "<host:port>", default: ":8080", allowEmpty: true, description: "Where /metrics, /liveness and /readiness listen; \"\" or off for none" },
    kubeconfig: { value: "<file>", description: "Kubeconfig to use (default: in-cluster, else $KUBECONFIG)" },
    namespace: { value: "<name>", description: `The agent's own namespace, for its inventory and Lease (default $POD_NAMESPACE, else "${DEFAULT_AGENT_NAMESPACE}")` },
    "pod-name": { value: "<name>", description: "This replica's name in leader election (default $POD_NAME, else the host name)" },
    "leader-election": { value: "<true|false>", default: "true", description: "Only the Lease holder applies, so replicas > 1 is safe" },
    "log-level": { value: "<level>", default: "info", description: `Log level until the agent configuration sets one: ${LOG_LEVELS.join(", ")}` },
    tunnels: { value: "<n>", default: String(DEFAULT_TUNNEL_POOL_SIZE), description: "Idle reverse tunnels kept open to kas for Kubernetes API access (ci_access); 0: none" },
    "allow-impersonation": { type: "boolean", description: "Let kas run Kubernetes API requests as the identity ci_access names (impersonate, ci_job); needs impersonate rights. Default: only as the agent" },
  },
} as const satisfies CommandSpec;

export const GENERATE_COMMAND = {
  name: "agentk generate",
  usage: "--agent-token <token> --kas-address <url> --namespace <name> [flags]",
  summary: "Prints the install manifests (Namespaces, ServiceAccount, token Secret, least-privilege Roles, Deployment) as YAML, for kubectl apply -f -.",
  flags: {
    "agent-token": { value: "<token>", description: "The agent token kas issued (required)" },
    "kas-address": { ...KAS_ADDRESS, description: `${KAS_ADDRESS.description} (required)` },
    namespace: { value: "<name>", description: "The agent's own namespace (required)" },
    "write-namespace": { value: "<name>", multiple: true, description: "A namespace the agent may write; none: only its own" },
    name: { value: "<name>", default: DEFAULT_GENERATE_NAME, description: "The agent's name: its ServiceAccount, Deployment, Secret (<name>-token), Lease and inventory" },
    image: { value: "<image>", default: DEFAULT_AGENTK_IMAGE, description: "agentk's container image" },
    "ca-cert-file": { value: "<file>", description: "PEM CA bundle to verify kas's TLS certificate (grpcs://, wss://): stored in the Secret, passed to agentk" },
    replicas: { value: "<n>", default: String(DEFAULT_AGENTK_REPLICAS), description: "Deployment replicas; leader election keeps one applying" },
    "pod-security": { value: "<level>", default: "restricted", description: `Pod Security level the created Namespaces enforce: ${POD_SECURITY_LEVELS.join(", ")}` },
  },
} as const satisfies CommandSpec;

export interface RunFlags {
  readonly kasAddress: string;
  readonly tokenFile?: string;
  readonly caCertFile?: string;
  /** undefined: no observability listener. */
  readonly observabilityAddress?: string;
  readonly kubeconfig?: string;
  readonly namespace: string;
  readonly podName: string;
  readonly leaderElection: boolean;
  readonly logLevel: Level;
  /** Idle reverse tunnels to keep open to kas; 0: no Kubernetes API access through kas. */
  readonly tunnels: number;
  readonly allowImpersonation: boolean;
}

export type Checked<T> = { readonly ok: T } | { readonly errors: readonly string[] };

/** `agentk`'s flags checked, defaults applied (from `env` and `hostname` where the help says so). */
export function runFlags(values: FlagValues<typeof RUN_COMMAND.flags>, env: NodeJS.ProcessEnv, hostname: string): Checked<RunFlags> {
  const check = new FlagChecks();
  const kasAddress = check.url("kas-address", check.required("kas-address", values["kas-address"], KAS_ADDRESS.description), KAS_SCHEMES);
  if (values["token-file"] === undefined && !env.AGENTK_TOKEN) check.errors.push("an agent token is required: --token-file <file> or $AGENTK_TOKEN");
  const namespace = check.dnsLabel("namespace", values.namespace) ?? env.POD_NAMESPACE ?? DEFAULT_AGENT_NAMESPACE;
  const leaderElection = check.oneOf("leader-election", values["leader-election"], ["true", "false"]);
  const logLevel = check.oneOf("log-level", values["log-level"], LOG_LEVELS) ?? "info";
  const obs = values["observability-listen-address"] ?? ":8080";
  const tunnels = check.integer("tunnels", values.tunnels, 0, MAX_TUNNELS) ?? DEFAULT_TUNNEL_POOL_SIZE;
  if (check.errors.length > 0 || kasAddress === undefined) return { errors: check.errors };
  return {
    ok: {
      kasAddress,
      tokenFile: values["token-file"],
      caCertFile: values["ca-cert-file"],
      observabilityAddress: obs === "" || obs === "off" ? undefined : obs,
      kubeconfig: values.kubeconfig,
      namespace,
      podName: values["pod-name"] ?? env.POD_NAME ?? hostname,
      leaderElection: leaderElection !== "false",
      logLevel,
      tunnels,
      allowImpersonation: values["allow-impersonation"] === true,
    },
  };
}

/** `agentk generate`'s flags checked; a namespace named twice is written once. */
export function generateFlags(values: FlagValues<typeof GENERATE_COMMAND.flags>): Checked<GenerateOptions> {
  const check = new FlagChecks();
  const agentToken = check.required("agent-token", values["agent-token"], "the agent token kas issued");
  const kasAddress = check.url("kas-address", check.required("kas-address", values["kas-address"], KAS_ADDRESS.description), KAS_SCHEMES);
  const namespace = check.dnsLabel("namespace", check.required("namespace", values.namespace, "the agent's own namespace"));
  const writeNamespaces = distinct(values["write-namespace"] ?? []);
  for (const ns of writeNamespaces) check.dnsLabel("write-namespace", ns);
  const name = check.dnsLabel("name", values.name);
  const replicas = check.integer("replicas", values.replicas, 0, 1000);
  const podSecurity: PodSecurityLevel | undefined = check.oneOf("pod-security", values["pod-security"], POD_SECURITY_LEVELS);
  if (check.errors.length > 0 || agentToken === undefined || kasAddress === undefined || namespace === undefined) return { errors: check.errors };
  return { ok: { agentToken, kasAddress, namespace, writeNamespaces, name, image: values.image, replicas, podSecurity } };
}
