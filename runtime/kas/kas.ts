import { readFileSync } from "node:fs";
import { createLogger, Metrics, type Logger } from "../common";
import { ParsePool } from "./agentcfg";
import { readSecretFile, type KasConfig } from "./config";
import { GitSource, ProjectWatcher, validateGlob } from "./git";
import { GitLabCredentialsClient } from "./kubeapi-auth";
import { FileRegistry, GitLabRegistry, type AgentRegistry } from "./registry";
import { privateApiTls } from "./routing";
import { startKasServer, type RunningKas } from "./server";
import type { AgentLocator } from "./shared/presence";
import { connectReplicas } from "./shared";
import { RedisSessions } from "./console";

export interface Kas extends RunningKas {
  readonly git: GitSource;
  readonly watcher: ProjectWatcher;
}

export interface StartKasOptions {
  readonly logger?: Logger;
  /** Test hook: poll period and retry schedule for Git. */
  readonly watcher?: { readonly backoff?: { initialMs?: number; maxMs?: number } };
  /** Where the other replicas hold agents (private_api); tests pass an in-memory one. */
  readonly locator?: AgentLocator;
  /** With `redis`: this replica's id in presence entries (default: env OWN_PRIVATE_API_URL, else generated). */
  readonly replicaId?: string;
  /** Test hook, with `redis`: the poll lease TTL (default 15 s). */
  readonly pollLeaseTtlMs?: number;
}

/** Wires kas from its config: registry, Git sources, watcher, listeners. */
export async function startKas(config: KasConfig, options: StartKasOptions = {}): Promise<Kas> {
  const logger = options.logger ?? createLogger({ level: config.logLevel }, { component: "kas" });
  // Secrets first: an empty one refuses the start before anything is opened.
  const secret = config.webhook && readSecretFile(config.webhook.secretFile, "webhook.secret_file");
  const apiToken = config.api && readSecretFile(config.api.tokenFile, "api.token_file");
  const privateApi = config.privateApi && {
    address: config.privateApi.listen.address,
    secret: readSecretFile(config.privateApi.listen.authenticationSecretFile, "private_api.listen.authentication_secret_file"),
    tls: privateApiTls(config.privateApi),
    ...(options.locator ? { locator: options.locator } : {}),
  };
  const consoleGitLab = config.console?.gitlab && {
    ...config.console.gitlab,
    clientSecret: readSecretFile(config.console.gitlab.clientSecretFile, "console.gitlab.client_secret_file"),
  };
  const registry = createRegistry(config, logger);
  const metrics = new Metrics();
  const pollErrors = metrics.counter("kas_git_poll_errors_total", "Failed checks of a project's ref (its source unreachable or the ref unresolvable)", ["project"]);
  const fetchErrors = metrics.counter("kas_git_fetch_errors_total", "Failed fetches of a remote project", ["project"]);
  const git = new GitSource({
    projects: config.projects.map((p) => ({
      id: p.id,
      url: p.url,
      credentials: p.credentials && { username: p.credentials.username, password: readFileSync(p.credentials.passwordFile, "utf8").trim() },
    })),
    cacheDir: config.git.cacheDir,
    onFetchFailed: (project) => fetchErrors.inc({ project }),
  });
  // Several replicas share state, Git polling and push webhooks through Redis (README "Several kas replicas").
  const replicas = config.redis && connectReplicas(config.redis, { logger, replicaId: options.replicaId ?? config.privateApi?.ownUrl, pollLeaseTtlMs: options.pollLeaseTtlMs });
  const watcher = new ProjectWatcher({
    source: git,
    pollIntervalMs: config.git.pollPeriodMs,
    logger,
    backoff: options.watcher?.backoff,
    onCheckFailed: (project) => pollErrors.inc({ project }),
    ...(replicas ? { coordinator: replicas.coordinator } : {}),
  });
  replicas?.onRefresh((project) => watcher.refresh(project));
  const commits = replicas
    ? { subscribe: watcher.subscribe.bind(watcher), refresh: (project: string) => (watcher.refresh(project), replicas.publishRefresh(project)) }
    : watcher;
  // With redis, console sessions live in Redis (every replica knows them; a restart keeps them), GitLab tokens sealed with a shared secret.
  const sessionSecret = config.console?.sessionSecretFile ? readSecretFile(config.console.sessionSecretFile, "console.session_secret_file") : privateApi?.secret;
  const consoleSessions = replicas && new RedisSessions({ redis: replicas.redis, logger, ...(sessionSecret ? { secret: sessionSecret } : {}) });
  const parser = new ParsePool();
  let running: RunningKas;
  try {
    running = await startKasServer({
      listen: config.listen,
      limits: config.agentConnections,
      registry,
      git,
      commits,
      ...(replicas ? { sharedState: replicas.sharedState, sharedAccess: replicas.access } : {}),
      projects: () => config.projects,
      parseAgentConfig: (input, ctx) => parser.parse(input, ctx),
      validateGlob,
      webhookSecret: () => secret,
      apiToken: () => apiToken,
      ...(config.api ? { apiLimits: config.api.limits } : {}),
      ...(consoleGitLab ? { consoleGitLab } : {}),
      ...(consoleSessions ? { consoleSessions } : {}),
      kubernetesApi: config.kubernetesApi,
      privateApi,
      ...(config.agents.registry === "gitlab" && config.kubernetesApi ? { kubernetesApiGitLab: new GitLabCredentialsClient({ url: config.agents.url, secretFile: config.agents.secretFile }) } : {}),
      logger,
      metrics,
    });
  } catch (err) {
    registry.close();
    await watcher.close();
    await parser.close();
    await replicas?.close();
    throw err;
  }
  running.metrics.gaugeFn("kas_git_pollers", "Git poll loops running: one per watched project and ref", () => watcher.pollerCount);
  if (replicas) running.metrics.gaugeFn("kas_redis_up", "1 while Redis (kas.yaml redis) answers; 0: this replica serves from its own state", () => (replicas.redis.ready() ? 1 : 0));
  if (replicas) running.metrics.gaugeFn("kas_git_poll_leases_held", "Remote (project, ref)s this replica polls for every replica (Redis lease)", () => replicas.leasesHeld());
  return {
    ...running,
    git,
    watcher,
    close: async () => {
      await running.close();
      await watcher.close();
      await replicas?.close();
      registry.close();
      git.close();
      await parser.close();
    },
  };
}

function createRegistry(config: KasConfig, logger: Logger): AgentRegistry {
  if (config.agents.registry === "gitlab") {
    return new GitLabRegistry({ url: config.agents.url, secretFile: config.agents.secretFile, cacheTtlMs: config.agents.cacheTtlMs, logger });
  }
  return new FileRegistry({ file: config.agents.file, logger });
}
