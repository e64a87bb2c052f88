/**
 * A real kas for tests: config and agent registry files in a temp dir, every
 * listener on a free loopback port, logs captured, real gRPC clients (plain
 * or through the WebSocket tunnel) for any token.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { stringify } from "yaml";
import { createLogger } from "../../runtime/common";
import { createClients, type Clients } from "../../runtime/rpc";
import { loadKasConfig, startKas, type Kas } from "../../runtime/kas";
import { hashToken } from "../../runtime/kas/registry";
import { connectTarget } from "../../runtime/agentk/connection";
import type { AgentLocator } from "../../runtime/kas/shared/presence";
import { freePorts } from "../cluster/ports";

export interface TestAgent {
  readonly name: string;
  readonly id: string;
  readonly configProject: string;
  /** Tokens; default one random token. */
  readonly tokens?: readonly string[];
  readonly revoked?: readonly string[];
}

export interface TestProject {
  readonly id: string;
  readonly url: string;
  readonly public?: boolean;
  readonly agents?: readonly string[];
}

export interface TestKasOptions {
  readonly agents: readonly TestAgent[];
  readonly projects: readonly TestProject[];
  readonly pollPeriod?: string;
  /** Serves the push webhook on its own listener (webhookUrl). */
  readonly webhookSecret?: string;
  /** Requires this bearer token on the agents API (apiUrl); default none (it is on loopback). */
  readonly apiToken?: string;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /**
   * Serves the Kubernetes API proxy (https, with this certificate) for CI ID
   * tokens of `issuer` minted for `audience`; with `gitlab`, issuer and
   * audience may be left out, and the TTLs of GitLab's answers set (Go durations).
   * `settings`: more kas.yaml `kubernetes_api:` keys (limits, path_prefix).
   */
  readonly kubernetesApi?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly issuer?: string;
    readonly audience?: string;
    readonly allowedAgentCacheTtl?: string;
    readonly allowedAgentCacheErrorTtl?: string;
    readonly settings?: Readonly<Record<string, unknown>>;
  };
  /** kas.yaml `agent_connections:` keys (e.g. max_connection_age). */
  readonly agentConnections?: Readonly<Record<string, unknown>>;
  /** GitLab mode (agents.registry gitlab): agents, CI job tokens and personal access tokens are GitLab's (e.g. test/fakes' stand-in); `agents` is then ignored. */
  readonly gitlab?: { readonly url: string; readonly secret: Buffer };
  /** Fixed listen addresses (to restart kas on the same ports); default 127.0.0.1:0 each. */
  readonly listen?: { readonly grpc?: string; readonly websocket?: string };
  /**
   * Serves the private API (several replicas) with this shared secret, finding
   * the other replicas' agents through `locator` (in-memory; redis is only named in kas.yaml).
   */
  /** Several replicas: the shared secret, the Redis they share (test/redis), and optionally a locator of the test's own instead of Redis's presence. */
  readonly privateApi?: { readonly secret: string; readonly redisAddress: string; readonly locator?: AgentLocator; readonly tls?: PrivateApiTestTls };
}

export interface TestKas {
  readonly kas: Kas;
  readonly dir: string;
  readonly grpcAddress: string;
  readonly wsUrl: string;
  /** The observability listener: /metrics, /liveness, /readiness. */
  readonly httpUrl: string;
  /** The agents API listener: /api/v1/agents and the console. */
  readonly apiUrl: string;
  /** The push webhook listener (with webhookSecret only). */
  readonly webhookUrl?: string;
  readonly grpcsAddress?: string;
  /** The Kubernetes API proxy (with kubernetesApi only). */
  readonly kubernetesApiUrl?: string;
  /** grpc://127.0.0.1:port of the private API (with privateApi only), as the other replicas' locator names it. */
  readonly privateApiUrl?: string;
  /** First token of each agent, by name. */
  readonly tokens: Readonly<Record<string, string>>;
  /** Every log line kas wrote. */
  readonly logs: string[];
  /** Clients for `token` over plain gRPC or the WebSocket tunnel. */
  clients(token: string, transport?: "grpc" | "ws"): Promise<Clients>;
  /** Rewrites the registry file (rotation, revocation). */
  writeAgents(agents: readonly TestAgent[]): void;
  stop(): Promise<void>;
}

export function newToken(): string {
  return `glagent-${randomBytes(24).toString("base64url")}`;
}

export async function startTestKas(options: TestKasOptions): Promise<TestKas> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "test-kas-"));
  const agents = options.agents.map((a) => ({ ...a, tokens: a.tokens ?? [newToken()] }));
  const agentsFile = path.join(dir, "agents.yaml");
  const writeAgents = (list: readonly TestAgent[]): void => {
    const doc = {
      agents: list.map((a) => ({
        id: a.id,
        name: a.name,
        config_project: a.configProject,
        tokens: [
          ...(a.tokens ?? []).map((t) => ({ sha256: hashToken(t) })),
          ...(a.revoked ?? []).map((t) => ({ sha256: hashToken(t), revoked: true })),
        ],
      })),
    };
    writeFileSync(agentsFile, stringify(doc));
  };
  writeAgents(agents);
  if (options.webhookSecret) writeFileSync(path.join(dir, "webhook-secret"), options.webhookSecret);
  if (options.apiToken) writeFileSync(path.join(dir, "api-token"), options.apiToken);
  if (options.gitlab) writeFileSync(path.join(dir, "kas-secret"), options.gitlab.secret.toString("base64"));
  if (options.privateApi) writeFileSync(path.join(dir, "private-api-secret"), options.privateApi.secret);
  // The private API's own URL is this replica's id in the shared presence: it must be the port it listens on.
  const [privatePort] = options.privateApi ? ((await freePorts(1)) as [number]) : [0];
  const k8s = options.kubernetesApi;
  const kasYaml = {
    listen: {
      grpc: options.listen?.grpc ?? "127.0.0.1:0",
      websocket: { address: options.listen?.websocket ?? "127.0.0.1:0" },
      observability: "127.0.0.1:0",
      api: "127.0.0.1:0",
      ...(options.webhookSecret ? { webhook: "127.0.0.1:0" } : {}),
      ...(options.tls ? { grpcs: { address: "127.0.0.1:0", cert_file: options.tls.certFile, key_file: options.tls.keyFile } } : {}),
      ...(options.kubernetesApi ? { kubernetes_api: { address: "127.0.0.1:0", cert_file: options.kubernetesApi.certFile, key_file: options.kubernetesApi.keyFile } } : {}),
    },
    agents: options.gitlab ? { registry: "gitlab", gitlab: { url: options.gitlab.url, secret_file: "kas-secret" } } : { registry: "file", file: "agents.yaml" },
    git: { cache_dir: "cache", poll_period: options.pollPeriod ?? "20s" },
    projects: options.projects.map((p) => ({ id: p.id, url: p.url, public: p.public ?? false, agents: p.agents ?? [] })),
    ...(options.webhookSecret ? { webhook: { secret_file: "webhook-secret" } } : {}),
    ...(options.apiToken ? { api: { token_file: "api-token" } } : {}),
    ...(k8s
      ? {
          kubernetes_api: {
            ...(k8s.issuer && k8s.audience ? { oidc: { issuer: k8s.issuer, audience: k8s.audience } } : {}),
            ...(k8s.allowedAgentCacheTtl ? { allowed_agent_cache_ttl: k8s.allowedAgentCacheTtl } : {}),
            ...(k8s.allowedAgentCacheErrorTtl ? { allowed_agent_cache_error_ttl: k8s.allowedAgentCacheErrorTtl } : {}),
            ...k8s.settings,
          },
        }
      : {}),
    ...(options.agentConnections ? { agent_connections: options.agentConnections } : {}),
    ...(options.privateApi
      ? {
          redis: { server: { address: options.privateApi.redisAddress } },
          private_api: privateApiYaml(privatePort, options.privateApi.tls),
        }
      : {}),
    log_level: "debug",
  };
  writeFileSync(path.join(dir, "kas.yaml"), stringify(kasYaml));
  const logs: string[] = [];
  const logger = createLogger({ level: "debug", write: (l) => void logs.push(l) }, { component: "kas" });
  const kas = await startKas(loadKasConfig(path.join(dir, "kas.yaml")), { logger, watcher: { backoff: { initialMs: 100, maxMs: 500 } }, locator: options.privateApi?.locator });
  const opened: (() => Promise<void>)[] = [];
  const grpcAddress = `127.0.0.1:${kas.ports.grpc}`;
  const wsUrl = `ws://127.0.0.1:${kas.ports.websocket}/-/kubernetes-agent/`;
  return {
    kas,
    dir,
    grpcAddress,
    wsUrl,
    httpUrl: `http://127.0.0.1:${kas.ports.observability}`,
    apiUrl: `http://127.0.0.1:${kas.ports.api}`,
    webhookUrl: kas.ports.webhook === undefined ? undefined : `http://127.0.0.1:${kas.ports.webhook}`,
    grpcsAddress: kas.ports.grpcs ? `127.0.0.1:${kas.ports.grpcs}` : undefined,
    kubernetesApiUrl: kas.ports.kubernetesApi === undefined ? undefined : `https://127.0.0.1:${kas.ports.kubernetesApi}`,
    privateApiUrl: kas.ports.privateApi === undefined ? undefined : `${options.privateApi?.tls ? "grpcs" : "grpc"}://127.0.0.1:${kas.ports.privateApi}`,
    tokens: Object.fromEntries(agents.map((a) => [a.name, a.tokens[0] as string])),
    logs,
    clients: async (token, transport = "grpc") => {
      if (transport === "grpc") {
        const c = createClients(grpcAddress, grpc.credentials.createInsecure());
        opened.push(async () => c.close());
        return c;
      }
      const target = await connectTarget(wsUrl, { token });
      const c = createClients(target.target, target.credentials);
      opened.push(async () => {
        c.close();
        await target.close();
      });
      return c;
    },
    writeAgents,
    stop: async () => {
      for (const close of opened) await close();
      await kas.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** kas.yaml `private_api` of a test replica: its own URL names the port it listens on (it is the replica's id in the shared presence). */
function privateApiYaml(port: number, tls: PrivateApiTestTls | undefined): Record<string, unknown> {
  const listen = { address: `127.0.0.1:${port}`, authentication_secret_file: "private-api-secret" };
  if (!tls) return { listen, own_url: `grpc://127.0.0.1:${port}` };
  return {
    listen: { ...listen, certificate_file: tls.certFile, key_file: tls.keyFile },
    ca_certificate_file: tls.caFile,
    ...(tls.serverName ? { server_name: tls.serverName } : {}),
    own_url: `grpcs://127.0.0.1:${port}`,
  };
}

/** A test replica's private API TLS: its certificate (test/tls makeTestPki), and the name the replicas check instead of 127.0.0.1. */
export interface PrivateApiTestTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly serverName?: string;
}
