import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Checker, KAS_CONFIG_WORDING, loadYaml } from "../../common/config-kit";
import { parseAgentConnections } from "./agent-connections";
import { parseConsole } from "./console";
import { checkHttpListeners, parseApiConfig } from "./http-listeners";
import { resolveKubernetesApi, parseKubernetesApi } from "./kubernetes-api";
import { parseListen } from "./listen";
import { checkPrivateApiNeedsRedis, parsePrivateApi } from "./private-api";
import { parseProjects } from "./projects";
import { parseRedis } from "./redis";
import { KasConfigError, type KasConfig } from "./schema";
import { parseAgents, parseGit, parseLogLevel, parseWebhook } from "./sections";
import type { KasReader } from "./values";

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

  const ROOT_KEYS = ["listen", "agents", "git", "projects", "webhook", "api", "agent_connections", "kubernetes_api", "log_level", "redis", "private_api", "console"];

/**
 * Validates kas.yaml, one section at a time; every problem is reported at
 * once, in source order, each as `file:line:col: key: ...`.
 */
export function parseKasConfig(text: string, file: string): KasConfig {
  const loaded = loadYaml(text, file, { goCompatible: false, invalidYaml: "not valid YAML" });
  if (!loaded.ok) throw new KasConfigError(loaded.errors.join("\n"));
  const r = new Checker(file, { locate: loaded.locate, wording: KAS_CONFIG_WORDING });
  const k: KasReader = { r, base: path.dirname(path.resolve(file)) };
  const root = r.mapping(loaded.value, [], ROOT_KEYS) ?? {};
  const listen = parseListen(k, root.listen);
  const agents = parseAgents(k, root.agents);
  const git = parseGit(k, root.git);
  const projects = parseProjects(k, root.projects);
  const webhook = parseWebhook(k, root.webhook);
  const api = parseApiConfig(k, root.api);
  checkHttpListeners(r, listen, api, webhook);
  const agentConnections = parseAgentConnections(k, root.agent_connections);
  const kubernetesApi = resolveKubernetesApi(r, listen.kubernetesApi, parseKubernetesApi(k, root.kubernetes_api), agents.registry);
  const logLevel = parseLogLevel(k, root.log_level);
  const redis = parseRedis(k, root.redis);
  const privateApi = parsePrivateApi(k, root.private_api);
  checkPrivateApiNeedsRedis(r, root.private_api, root.redis);
  const consoleConfig = parseConsole(k, root.console, agents, listen.api, { redis: root.redis !== undefined, privateApi: root.private_api !== undefined });
  if (r.errors.length > 0) throw new KasConfigError(r.errorsInSourceOrder().join("\n"));
  return { listen, agents, git, projects, webhook, api, agentConnections, logLevel, ...(kubernetesApi ? { kubernetesApi } : {}), ...(redis ? { redis } : {}), ...(privateApi ? { privateApi } : {}), ...(consoleConfig ? { console: consoleConfig } : {}) };
}
