/** The shape of kas.yaml once read, its defaults, and the error a bad one raises. */
import type { ApiConfig, HttpListeners } from "./http-listeners";
import type { KubernetesApiConfig, KubernetesApiListen } from "./kubernetes-api";
import type { PrivateApiConfig } from "./private-api";
import type { RedisConfig } from "./redis";

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface ProjectConfig {
  /** Project path agents use, e.g. `group/agent-config`. */
  readonly id: string;
  /** Local repository path, file:// URL, or http(s):// URL. */
  readonly url: string;
  /** Any authenticated agent may read it. */
  readonly public: boolean;
  /** Agents (by name) granted read access besides the one whose config project it is. */
  readonly agents: readonly string[];
  readonly credentials?: { readonly username: string; readonly passwordFile: string };
  /** The project's web page (kas.yaml `web_url`, e.g. GitLab's project web_url): the console links commits to `<web_url>/-/commit/<sha>`. */
  readonly webUrl?: string;
}

export interface KasConfig {
  readonly listen: HttpListeners & {
    readonly grpc?: string;
    readonly grpcs?: { readonly address: string } & TlsFiles;
    readonly websocket?: { readonly address: string; readonly path: string; readonly tls?: TlsFiles };
    /** The Kubernetes API proxy (https only). */
    readonly kubernetesApi?: KubernetesApiListen;
  };
  readonly agents:
    | { readonly registry: "file"; readonly file: string }
    | { readonly registry: "gitlab"; readonly url: string; readonly secretFile: string; readonly cacheTtlMs: number };
  readonly git: { readonly cacheDir: string; readonly pollPeriodMs: number };
  readonly projects: readonly ProjectConfig[];
  readonly webhook?: { readonly secretFile: string };
  readonly agentConnections: AgentConnectionLimits;
  /** The agents API's bearer token (see http-listeners.ts). */
  readonly api?: ApiConfig;
  /** How the Kubernetes API proxy authenticates CI jobs. */
  readonly kubernetesApi?: KubernetesApiConfig;
  readonly logLevel: "debug" | "info" | "warn" | "error";
  /** The kas-to-kas API (several replicas); needs redis. */
  readonly privateApi?: PrivateApiConfig;
  /** Shared state of every replica (redis.ts); absent: in memory, one replica. */
  readonly redis?: RedisConfig;
  /** The operator's console (console.ts): GitLab sign-in. */
  readonly console?: ConsoleConfig;
}

/** kas.yaml `console:`. */
export interface ConsoleConfig {
  /** Sign in through GitLab (OAuth authorization-code flow); GitLab mode only. */
  readonly gitlab?: {
    /** GitLab as the browser reaches it; default agents.gitlab.url. */
    readonly url: string;
    /** The OAuth application's id and the file holding its secret (GitLab: Admin > Applications, scope read_user). */
    readonly clientId: string;
    readonly clientSecretFile: string;
    /** `https://<kas console>/oauth/callback`, as registered with the application. */
    readonly redirectUrl: string;
    /** GitLab usernames allowed in; empty: GitLab administrators only. */
    readonly users: readonly string[];
  };
  /**
   * With `redis` and `gitlab` but no `private_api`: a file with a secret every
   * replica shares, from which the key sealing GitLab users' tokens in stored
   * sessions is derived (with private_api, its authentication secret is used).
   */
  readonly sessionSecretFile?: string;
}

/** How kas bounds what one agent connection may hold (kas.yaml `agent_connections`). */
export interface AgentConnectionLimits {
  /** Ping an idle connection this often; a peer that does not answer within keepaliveTimeoutMs is dropped. */
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
  /** A connection is closed (GOAWAY) after this long, so no credential's streams live forever; GitLab kas: 2 h. */
  readonly maxConnectionAgeMs: number;
  /** After the GOAWAY, streams still open are ended this much later; the agent reconnects and re-authenticates. */
  readonly maxConnectionAgeGraceMs: number;
  /** Streams one agent may hold open at once (configuration + one per manifest project, plus reconnect overlap). */
  readonly maxStreamsPerAgent: number;
  /** A stream whose agent reads nothing for this long (its batch waits on flow control) is ended. */
  readonly stalledStreamTimeoutMs: number;
  /** Bytes of batches one agent's streams may hold in memory at once; a stream waits for its turn beyond that. */
  readonly maxBufferedBytesPerAgent: number;
  /** Idle reverse tunnels kas keeps for one agent; the agent asks for its pool size, kas refuses beyond this. */
  readonly maxIdleTunnelsPerAgent: number;
  /** Requests through one agent's tunnels at once (in use plus waiting for a tunnel); beyond it a request fails at once. */
  readonly maxTunnelRequestsPerAgent: number;
}

export const DEFAULT_AGENT_CONNECTION_LIMITS: AgentConnectionLimits = {
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
  maxConnectionAgeMs: 2 * 3_600_000,
  maxConnectionAgeGraceMs: 60_000,
  maxStreamsPerAgent: 100,
  stalledStreamTimeoutMs: 120_000,
  maxBufferedBytesPerAgent: 64 * 1024 * 1024,
  maxIdleTunnelsPerAgent: 16,
  maxTunnelRequestsPerAgent: 64,
};

/** Shared with the writers of kas.yaml (infra), with the file's shape. */
export { DEFAULT_WEBSOCKET_PATH, DEFAULT_POLL_PERIOD_MS, type KasConfigFile } from "../../common/deploy";

export class KasConfigError extends Error {
  override readonly name = "KasConfigError";
}
