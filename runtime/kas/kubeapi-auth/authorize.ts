/**
 * May this CI job use this agent, and as whom? GitLab's rules
 * (Clusters::Agents::Authorizations::CiAccess::Finder and FilterService):
 * the closest authorisation wins (a `projects` entry for the job's project,
 * then the agent's own configuration project, which is authorised implicitly
 * as the agent, then the nearest `groups` entry for the project's namespace or
 * an ancestor, then `instance`); then that one authorisation's
 * `environments` and `protected_branches_only` must admit the job. A farther
 * authorisation is never a fallback. `projects` and `groups` entries only
 * authorise projects under the configuration project's top-level group.
 */
import type { CiAccessAs, CiAccessConfig, CiAccessRule } from "../agentcfg";
import type { CiJob } from "./ci-job";
import { environmentMatches } from "./environments";
import { accessAsFor, type AccessAs, type AgentRef } from "./identity";

export type Decision =
  | { readonly allowed: false; readonly reason: string }
  | {
      readonly allowed: true;
      readonly accessAs: AccessAs;
      /** The rule's `access_as` kind (ci_job and impersonate both become an impersonating AccessAs). */
      readonly accessAsKind: CiAccessAs["kind"];
      /** Which authorisation admitted the job, e.g. `ci_access.groups[1]`. */
      readonly by: string;
      readonly defaultNamespace?: string;
    };

const IMPLICIT: CiAccessRule = { access_as: { kind: "agent" }, environments: [], protected_branches_only: false };

const lower = (s: string): string => s.toLowerCase();
const rootOf = (path: string): string => lower(path.split("/")[0] ?? "");

/** The closest authorisation for the job, with where it is written. */
function closest(job: CiJob, agent: AgentRef, ci: CiAccessConfig): { rule: CiAccessRule; by: string } | undefined {
  const sameRoot = rootOf(job.projectPath) === rootOf(agent.configProjectPath);
  const project = lower(job.projectPath);
  const p = sameRoot ? ci.projects.findIndex((e) => lower(e.id) === project) : -1;
  if (p >= 0) return { rule: ci.projects[p]!, by: `ci_access.projects[${p}]` };
  if (project === lower(agent.configProjectPath)) return { rule: IMPLICIT, by: "the agent's configuration project" };
  const namespace = lower(job.namespacePath);
  let best = -1;
  ci.groups.forEach((e, i) => {
    const id = lower(e.id);
    const covers = namespace === id || namespace.startsWith(`${id}/`);
    if (sameRoot && covers && (best < 0 || id.length > ci.groups[best]!.id.length)) best = i;
  });
  if (best >= 0) return { rule: ci.groups[best]!, by: `ci_access.groups[${best}]` };
  if (ci.instance !== undefined) return { rule: ci.instance, by: "ci_access.instance" };
  return undefined;
}

export function authorizeCiJob(job: CiJob, agent: AgentRef, ci: CiAccessConfig): Decision {
  const found = closest(job, agent, ci);
  const agentName = `agent ${agent.configProjectPath}:${agent.name}`;
  if (found === undefined) {
    const outside = rootOf(job.projectPath) !== rootOf(agent.configProjectPath) ? `, and it is outside the top-level group ${rootOf(agent.configProjectPath)}` : "";
    return { allowed: false, reason: `project ${job.projectPath} is not authorised by the ci_access of ${agentName}${outside}` };
  }
  const { rule, by } = found;
  if (rule.environments.length > 0) {
    const env = job.environment?.name;
    const allowed = rule.environments.map((e) => JSON.stringify(e)).join(", ");
    if (env === undefined) return { allowed: false, reason: `${by} of ${agentName} admits only environments ${allowed}; the job has no environment` };
    if (!rule.environments.some((pattern) => environmentMatches(pattern, env))) {
      return { allowed: false, reason: `${by} of ${agentName} admits only environments ${allowed}; the job's environment is ${JSON.stringify(env)}` };
    }
  }
  if (rule.protected_branches_only && !job.refProtected) {
    return { allowed: false, reason: `${by} of ${agentName} admits only protected refs; ${job.refType ?? "ref"} ${JSON.stringify(job.ref)} is not protected` };
  }
  return {
    allowed: true,
    accessAs: accessAsFor(rule.access_as, job, agent),
    accessAsKind: rule.access_as.kind,
    by,
    ...(rule.default_namespace === undefined ? {} : { defaultNamespace: rule.default_namespace }),
  };
}
