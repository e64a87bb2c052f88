/**
 * Which agents may this CI job use? kas's answer to
 * `GET /.kas/v1/allowed_agents`, shaped after GitLab's
 * `/api/v4/job/allowed_agents` (`allowed_agents[]` with `id`,
 * `config_project.path_with_namespace` and `configuration.{access_as,
 * default_namespace}`, plus the agent's `name`, which GitLab's answer leaves
 * to a lookup), and the client's reading of it. Pure: each agent's
 * `ci_access` is judged by authorizeCiJob, and only agents that admit the job
 * are named.
 */
import type { CiAccessAs } from "../agentcfg";
import type { TargetAgent } from "./authenticate";
import { authorizeCiJob } from "./authorize";
import type { CiJob } from "./ci-job";
import { contextName, type KubeconfigAgent } from "./kubeconfig";

/** Where kas serves it, on the Kubernetes API listener (no Kubernetes API path starts with `/.`). */
export const KAS_ALLOWED_AGENTS_PATH = "/.kas/v1/allowed_agents";

export interface AllowedAgentWire {
  readonly id: string;
  readonly name: string;
  readonly config_project: { readonly path_with_namespace: string };
  /** `access_as` names the kind only, as `{ <kind>: {} }`: the job learns whom it may act as, not the rule's details. */
  readonly configuration: { readonly access_as: Partial<Record<CiAccessAs["kind"], Record<string, never>>>; readonly default_namespace?: string };
}

export interface AllowedAgentsWire {
  readonly allowed_agents: readonly AllowedAgentWire[];
  readonly job: { readonly id: string };
  readonly project: { readonly id: string; readonly path_with_namespace: string };
}

/** The agents whose ci_access admits `job`, ordered by context name; nothing about the others. */
export function allowedAgents(job: CiJob, agents: Iterable<TargetAgent>): AllowedAgentsWire {
  const allowed: AllowedAgentWire[] = [];
  for (const { agent, ciAccess } of agents) {
    const decision = authorizeCiJob(job, agent, ciAccess);
    if (!decision.allowed) continue;
    allowed.push({
      id: agent.id,
      name: agent.name,
      config_project: { path_with_namespace: agent.configProjectPath },
      configuration: { access_as: { [decision.accessAsKind]: {} }, ...(decision.defaultNamespace === undefined ? {} : { default_namespace: decision.defaultNamespace }) },
    });
  }
  const key = (a: AllowedAgentWire): string => contextName({ configProjectPath: a.config_project.path_with_namespace, name: a.name });
  allowed.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { allowed_agents: allowed, job: { id: job.jobId }, project: { id: job.projectId, path_with_namespace: job.projectPath } };
}

export type ParsedAllowedAgents = { readonly ok: true; readonly agents: KubeconfigAgent[]; readonly projectPath?: string } | { readonly ok: false; readonly reason: string };

const isText = (v: unknown): v is string => typeof v === "string" && v !== "";
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** kas's answer as kubeconfig agents; a reason naming the first field that is not as expected. */
export function parseKasAllowedAgents(body: unknown): ParsedAllowedAgents {
  if (!isMap(body) || !Array.isArray(body.allowed_agents)) return { ok: false, reason: "expected a JSON object with an allowed_agents list" };
  const agents: KubeconfigAgent[] = [];
  for (const [i, a] of body.allowed_agents.entries()) {
    const at = `allowed_agents[${i}]`;
    if (!isMap(a)) return { ok: false, reason: `${at}: expected an object` };
    const project = isMap(a.config_project) ? a.config_project.path_with_namespace : undefined;
    const ns = isMap(a.configuration) ? a.configuration.default_namespace : undefined;
    if (!isText(a.id)) return { ok: false, reason: `${at}.id: expected a non-empty string` };
    if (!isText(a.name)) return { ok: false, reason: `${at}.name: expected a non-empty string` };
    if (!isText(project)) return { ok: false, reason: `${at}.config_project.path_with_namespace: expected a non-empty string` };
    if (ns !== undefined && !isText(ns)) return { ok: false, reason: `${at}.configuration.default_namespace: expected a non-empty string when present` };
    agents.push({ id: a.id, name: a.name, configProjectPath: project, ...(ns === undefined ? {} : { defaultNamespace: ns }) });
  }
  const projectPath = isMap(body.project) && isText(body.project.path_with_namespace) ? body.project.path_with_namespace : undefined;
  return { ok: true, agents, ...(projectPath === undefined ? {} : { projectPath }) };
}
