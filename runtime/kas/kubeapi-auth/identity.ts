/**
 * Who a request runs as, and the `ci_job` identity GitLab defines: user
 * `gitlab:ci_job:<job id>`, groups `gitlab:ci_job`, `gitlab:group:<id>` for
 * each of the project's groups, `gitlab:project:<id>`, and with an
 * environment `gitlab:group_env_tier:<group id>:<tier>`,
 * `gitlab:project_env:<project id>:<env slug>` and
 * `gitlab:project_env_tier:<project id>:<tier>`; extra `agent.gitlab.com/*`
 * keys say which agent, project, pipeline, job, user and environment.
 */
import type { CiAccessAs } from "../agentcfg";
import type { CiJob } from "./ci-job";

export type AccessAs =
  | { readonly kind: "agent" }
  | {
      readonly kind: "impersonate";
      readonly user: string;
      readonly groups: readonly string[];
      readonly uid?: string;
      /** Impersonate-Extra-<key> values. */
      readonly extra: Readonly<Record<string, readonly string[]>>;
    };

/** What the ci_job identity names of a job: from an ID token (a CiJob) or from GitLab's allowed_agents answer. */
export type JobIdentity = Pick<CiJob, "projectId" | "groupIds" | "jobId" | "pipelineId" | "username"> & {
  readonly environment?: { readonly slug: string; readonly tier?: string };
};

/** The agent a request targets, as kas knows it. */
export interface AgentRef {
  readonly id: string;
  readonly name: string;
  /** The project holding `.gitlab/agents/<name>/config.yaml`. */
  readonly configProjectPath: string;
  readonly configProjectId?: string;
}

export function accessAsFor(rule: CiAccessAs, job: JobIdentity, agent: AgentRef): AccessAs {
  switch (rule.kind) {
    case "agent":
      return { kind: "agent" };
    case "impersonate": {
      const extra: Record<string, string[]> = {};
      for (const { key, val } of rule.extra) (extra[key] ??= []).push(...val);
      return { kind: "impersonate", user: rule.username, groups: [...rule.groups], ...(rule.uid === undefined ? {} : { uid: rule.uid }), extra };
    }
    case "ci_job":
      return ciJobIdentity(job, agent);
  }
}

export function ciJobIdentity(job: JobIdentity, agent: AgentRef): AccessAs {
  const env = job.environment;
  const tier = env?.tier;
  const groups = ["gitlab:ci_job"];
  for (const id of job.groupIds) {
    groups.push(`gitlab:group:${id}`);
    if (tier !== undefined) groups.push(`gitlab:group_env_tier:${id}:${tier}`);
  }
  groups.push(`gitlab:project:${job.projectId}`);
  if (env !== undefined) groups.push(`gitlab:project_env:${job.projectId}:${env.slug}`);
  if (env !== undefined && tier !== undefined) groups.push(`gitlab:project_env_tier:${job.projectId}:${tier}`);
  const extra: Record<string, string[]> = { "agent.gitlab.com/id": [agent.id] };
  const put = (key: string, value: string | undefined): void => {
    if (value !== undefined) extra[`agent.gitlab.com/${key}`] = [value];
  };
  put("config_project_id", agent.configProjectId);
  put("project_id", job.projectId);
  put("ci_pipeline_id", job.pipelineId);
  put("ci_job_id", job.jobId);
  put("username", job.username);
  put("environment_slug", env?.slug);
  put("environment_tier", tier);
  return { kind: "impersonate", user: `gitlab:ci_job:${job.jobId}`, groups, extra };
}

/** A GitLab user's roles where user_access admits them, as GitLab's authorize_proxy_user answers. */
export interface UserRoles {
  readonly username: string;
  readonly configProjectId: string;
  readonly projects: readonly { readonly id: string; readonly roles: readonly string[] }[];
  readonly groups: readonly { readonly id: string; readonly roles: readonly string[] }[];
}

/**
 * `user_access` with `access_as: user`, as GitLab defines it: user
 * `gitlab:user:<username>`, groups `gitlab:user` and
 * `gitlab:project_role:<project id>:<role>` / `gitlab:group_role:<group id>:<role>`
 * for each role in each authorised project and group; extra keys name the
 * agent, the user, the access type and the agent's configuration project.
 */
export function userIdentity(user: UserRoles, agentId: string, accessType: "personal_access_token"): AccessAs {
  const groups = ["gitlab:user"];
  for (const p of user.projects) for (const role of p.roles) groups.push(`gitlab:project_role:${p.id}:${role}`);
  for (const g of user.groups) for (const role of g.roles) groups.push(`gitlab:group_role:${g.id}:${role}`);
  return {
    kind: "impersonate",
    user: `gitlab:user:${user.username}`,
    groups,
    extra: {
      "agent.gitlab.com/id": [agentId],
      "agent.gitlab.com/username": [user.username],
      "agent.gitlab.com/access_type": [accessType],
      "agent.gitlab.com/config_project_id": [user.configProjectId],
    },
  };
}
