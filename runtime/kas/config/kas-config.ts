import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { checkHttpListeners, HTTP_LISTEN_KEYS, parseApiConfig, parseHttpListeners, type ApiConfig, type HttpListeners } from "./http-listeners";
import { LIMITS } from "../../rpc/agent-config";
import { ConfigReader } from "./reader";
import { DEFAULT_POLL_PERIOD_MS, DEFAULT_WEBSOCKET_PATH } from "../../common/deploy";

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
}

export interface KasConfig {
  readonly listen: HttpListeners & {
    readonly grpc?: string;
    readonly grpcs?: { readonly address: string } & TlsFiles;
    readonly websocket?: { readonly address: string; readonly path: string; readonly tls?: TlsFiles };
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
  readonly logLevel: "debug" | "info" | "warn" | "error";
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
}

export const DEFAULT_AGENT_CONNECTION_LIMITS: AgentConnectionLimits = {
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
  maxConnectionAgeMs: 2 * 3_600_000,
  maxConnectionAgeGraceMs: 60_000,
  maxStreamsPerAgent: 100,
  stalledStreamTimeoutMs: 120_000,
  maxBufferedBytesPerAgent: 64 * 1024 * 1024,
};

/** Shared with the writers of kas.yaml (infra), with the file's shape. */
export { DEFAULT_WEBSOCKET_PATH, DEFAULT_POLL_PERIOD_MS, type KasConfigFile } from "../../common/deploy";

export class KasConfigError extends Error {
  override readonly name = "KasConfigError";
}

/** Reads and validates kas.yaml; relative paths are resolved against its directory. */
export function loadKasConfig(file: string): KasConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new KasConfigError(`${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseKasConfig(text, file);
}

export function parseKasConfig(text: string, file: string): KasConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new KasConfigError(`${file}: not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const r = new ConfigReader(file);
  const base = path.dirname(path.resolve(file));
  const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(base, p));
  const root = r.map("", doc, ["listen", "agents", "git", "projects", "webhook", "api", "agent_connections", "log_level"]) ?? {};

  const listenMap = r.map("listen", root.listen, ["grpc", "grpcs", "websocket", ...HTTP_LISTEN_KEYS]) ?? {};
  const tls = (key: string, m: Record<string, unknown>): TlsFiles | undefined => {
    const certFile = abs(r.string(`${key}.cert_file`, m.cert_file));
    const keyFile = abs(r.string(`${key}.key_file`, m.key_file));
    if (!certFile && !keyFile) return undefined;
    if (!certFile || !keyFile) {
      r.errors.push(`${file}: ${key}: cert_file and key_file go together`);
      return undefined;
    }
    return { certFile, keyFile };
  };
  const grpcsMap = listenMap.grpcs === undefined ? undefined : r.map("listen.grpcs", listenMap.grpcs, ["address", "cert_file", "key_file"]);
  const grpcsAddress = grpcsMap && r.address("listen.grpcs.address", grpcsMap.address);
  const grpcsTls = grpcsMap && tls("listen.grpcs", grpcsMap);
  if (grpcsMap && !grpcsTls) r.errors.push(`${file}: listen.grpcs: cert_file and key_file are required`);
  const wsMap = listenMap.websocket === undefined ? undefined : r.map("listen.websocket", listenMap.websocket, ["address", "path", "cert_file", "key_file"]);
  const wsAddress = wsMap && r.address("listen.websocket.address", wsMap.address);
  const wsPath = wsMap && r.string("listen.websocket.path", wsMap.path, DEFAULT_WEBSOCKET_PATH);
  const listen: KasConfig["listen"] = {
    grpc: r.address("listen.grpc", listenMap.grpc),
    grpcs: grpcsAddress && grpcsTls ? { address: grpcsAddress, ...grpcsTls } : undefined,
    websocket: wsAddress && wsPath ? { address: wsAddress, path: wsPath, tls: wsMap && tls("listen.websocket", wsMap) } : undefined,
    ...parseHttpListeners(r, listenMap),
  };
  if (!listen.grpc && !listen.grpcs && !listen.websocket) {
    r.errors.push(`${file}: listen: at least one of grpc, grpcs, websocket is required`);
  }

  const agentsMap = r.map("agents", root.agents, ["registry", "file", "gitlab"]) ?? {};
  const registry = r.oneOf("agents.registry", agentsMap.registry, ["file", "gitlab"] as const, "file");
  let agents: KasConfig["agents"] = { registry: "file", file: "" };
  if (registry === "file") {
    const f = abs(r.string("agents.file", agentsMap.file));
    if (!f) r.errors.push(`${file}: agents.file: required with registry file (a YAML list of agents and token hashes)`);
    agents = { registry: "file", file: f ?? "" };
  } else {
    const g = r.map("agents.gitlab", agentsMap.gitlab, ["url", "secret_file", "cache_ttl"]) ?? {};
    const url = r.string("agents.gitlab.url", g.url);
    const secretFile = abs(r.string("agents.gitlab.secret_file", g.secret_file));
    if (!url || !secretFile) r.errors.push(`${file}: agents.gitlab: url and secret_file are required with registry gitlab`);
    agents = { registry: "gitlab", url: url ?? "", secretFile: secretFile ?? "", cacheTtlMs: r.durationMs("agents.gitlab.cache_ttl", g.cache_ttl, 30_000) };
  }

  const gitMap = r.map("git", root.git, ["cache_dir", "poll_period"]) ?? {};
  const git = {
    cacheDir: abs(r.string("git.cache_dir", gitMap.cache_dir, ".kas-cache")) ?? "",
    pollPeriodMs: r.durationMs("git.poll_period", gitMap.poll_period, DEFAULT_POLL_PERIOD_MS),
  };

  const seen = new Set<string>();
  const projects = r.list("projects", root.projects).flatMap((p, i): ProjectConfig[] => {
    const key = `projects[${i}]`;
    const m = r.map(key, p, ["id", "url", "public", "agents", "credentials"]);
    if (!m) return [];
    const id = r.string(`${key}.id`, m.id);
    const url = r.string(`${key}.url`, m.url);
    if (!id || !url) {
      r.errors.push(`${file}: ${key}: id and url are required`);
      return [];
    }
    if (seen.has(id)) r.errors.push(`${file}: ${key}.id: project ${JSON.stringify(id)} is listed twice`);
    seen.add(id);
    const c = m.credentials === undefined ? undefined : r.map(`${key}.credentials`, m.credentials, ["username", "password_file"]);
    const username = c && r.string(`${key}.credentials.username`, c.username);
    const passwordFile = c && abs(r.string(`${key}.credentials.password_file`, c.password_file));
    const isRemote = /^https?:\/\//.test(url);
    return [
      {
        id,
        url: isRemote || url.startsWith("file://") ? url : path.resolve(base, url),
        public: r.bool(`${key}.public`, m.public, false),
        agents: r.stringList(`${key}.agents`, m.agents),
        credentials: username && passwordFile ? { username, passwordFile } : undefined,
      },
    ];
  });

  const webhookMap = root.webhook === undefined ? undefined : r.map("webhook", root.webhook, ["secret_file"]);
  const secretFile = webhookMap && abs(r.string("webhook.secret_file", webhookMap.secret_file));
  const logLevel = r.oneOf("log_level", root.log_level, ["debug", "info", "warn", "error"] as const, "info");
  const webhook = secretFile ? { secretFile } : undefined;
  const api = parseApiConfig(r, root.api, abs);
  checkHttpListeners(r, listen, api, webhook);

  const agentConnections = parseAgentConnections(r, root.agent_connections);

  if (r.errors.length > 0) throw new KasConfigError(r.errors.join("\n"));
  return { listen, agents, git, projects, webhook, api, agentConnections, logLevel };
}

function parseAgentConnections(r: ConfigReader, raw: unknown): AgentConnectionLimits {
  const d = DEFAULT_AGENT_CONNECTION_LIMITS;
  const m =
    r.map("agent_connections", raw, [
      "keepalive_time",
      "keepalive_timeout",
      "max_connection_age",
      "max_connection_age_grace",
      "max_streams_per_agent",
      "stalled_stream_timeout",
      "max_buffered_bytes_per_agent",
    ]) ?? {};
  // Zero would mean "at once" here (every connection cut, every blocked write ended), never "off".
  const duration = (key: keyof typeof m & string, fallback: number): number => {
    const ms = r.durationMs(`agent_connections.${key}`, m[key], fallback);
    if (ms <= 0) r.errors.push(`${r.file}: agent_connections.${key}: expected a duration above zero, found ${JSON.stringify(m[key])}`);
    return ms;
  };
  const buffered = r.positiveInt("agent_connections.max_buffered_bytes_per_agent", m.max_buffered_bytes_per_agent, d.maxBufferedBytesPerAgent);
  if (buffered < LIMITS.totalBytes) {
    r.errors.push(`${r.file}: agent_connections.max_buffered_bytes_per_agent: expected at least ${LIMITS.totalBytes} (one project's largest batch), found ${buffered}`);
  }
  return {
    keepaliveTimeMs: duration("keepalive_time", d.keepaliveTimeMs),
    keepaliveTimeoutMs: duration("keepalive_timeout", d.keepaliveTimeoutMs),
    maxConnectionAgeMs: duration("max_connection_age", d.maxConnectionAgeMs),
    maxConnectionAgeGraceMs: duration("max_connection_age_grace", d.maxConnectionAgeGraceMs),
    maxStreamsPerAgent: r.positiveInt("agent_connections.max_streams_per_agent", m.max_streams_per_agent, d.maxStreamsPerAgent),
    stalledStreamTimeoutMs: duration("stalled_stream_timeout", d.stalledStreamTimeoutMs),
    maxBufferedBytesPerAgent: buffered,
  };
}
