/**
 * GitLab's answers about a credential, read strictly (pure). Both are JSON:
 *
 * - `GET /api/v4/job/allowed_agents` (Job-Token header): `allowed_agents`
 *   (each `{id, config_project: {id, path_with_namespace?}, configuration}`,
 *   the configuration being the ci_access entry that authorised the job, after
 *   GitLab applied its environments and protected_branches_only), `job: {id}`,
 *   `pipeline: {id}`, `project: {id, groups: [{id}]}` (the project's group and
 *   its ancestors), `user: {id, username}`, and `environment: {tier, slug}`
 *   when the job deploys to one.
 * - `POST /api/v4/internal/kubernetes/authorize_proxy_user`: `agent: {id,
 *   config_project: {id}}`, `user: {id, username}`, and `access_as` either
 *   `{agent: {}}` or `{user: {projects: [{id, roles}], groups: [{id, roles}]}}`.
 *
 * Unknown fields are ignored (GitLab adds some); a missing or mistyped field
 * is an error naming the endpoint and the field.
 */
import { checkCiAccessAs, type CiAccessAs } from "../agentcfg";
import { Checker, type KeyPath } from "../../common/config-kit";
import type { JobIdentity } from "./identity";

export const ALLOWED_AGENTS_PATH = "api/v4/job/allowed_agents";
export const AUTHORIZE_PROXY_USER_PATH = "api/v4/internal/kubernetes/authorize_proxy_user";

export interface AllowedAgent {
  readonly id: string;
  readonly configProjectId: string;
  readonly configProjectPath?: string;
  /** From the authorising ci_access entry; absent means agent. */
  readonly accessAs: CiAccessAs;
}

export interface JobAllowance {
  readonly job: JobIdentity & { readonly pipelineId: string; readonly username: string };
  readonly userId: string;
  readonly allowedAgents: readonly AllowedAgent[];
}

export interface RoleGrant {
  readonly id: string;
  readonly roles: readonly string[];
}

export interface ProxyUser {
  readonly agentId: string;
  readonly configProjectId: string;
  readonly userId: string;
  readonly username: string;
  readonly accessAs: { readonly kind: "agent" } | { readonly kind: "user"; readonly projects: readonly RoleGrant[]; readonly groups: readonly RoleGrant[] };
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ID = "a GitLab id (a whole number)";
/** GitLab usernames; the name becomes part of a Kubernetes user name. */
const USERNAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}$/;
/** guest, planner, reporter, developer, maintainer, owner: part of a Kubernetes group name. */
const ROLE = /^[a-z][a-z_]{0,31}$/;
/** GitLab answers with long lists at most this long (AUTHORIZED_ENTITY_LIMIT is 100). */
const MAX_ITEMS = 1000;

function id(c: Checker, value: unknown, path: KeyPath): string {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === "string" && /^[0-9]{1,19}$/.test(value)) return value;
  if (c.required(value, path, ID)) c.mismatch(path, value, ID);
  return "";
}

function object(c: Checker, value: unknown, path: KeyPath, what: string): Record<string, unknown> {
  return (c.required(value, path, what) ? c.object(value, path, "any", what) : undefined) ?? {};
}

function items(c: Checker, value: unknown, path: KeyPath, what: string): readonly unknown[] {
  const list = c.required(value, path, `a list of ${what}`) ? c.list(value, path, what) : undefined;
  if (list !== undefined && list.length > MAX_ITEMS) {
    c.error(path, `found ${list.length} items; expected at most ${MAX_ITEMS}`);
    return [];
  }
  return list ?? [];
}

function parseJson<T>(body: string, endpoint: string, read: (c: Checker, doc: Record<string, unknown>) => T): Parsed<T> {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { ok: false, reason: `GitLab ${endpoint} answered with a body that is not JSON` };
  }
  const c = new Checker(`GitLab ${endpoint} answer`, { redact: true });
  const value = read(c, object(c, doc, [], "a JSON object"));
  return c.errors.length === 0 ? { ok: true, value } : { ok: false, reason: c.errors.slice(0, 3).join("; ") };
}

export function parseAllowedAgents(body: string): Parsed<JobAllowance> {
  return parseJson(body, ALLOWED_AGENTS_PATH, (c, doc) => {
    const job = object(c, doc.job, ["job"], "a mapping with the job's id");
    const pipeline = object(c, doc.pipeline, ["pipeline"], "a mapping with the pipeline's id");
    const project = object(c, doc.project, ["project"], "a mapping with the project's id and groups");
    const user = object(c, doc.user, ["user"], "a mapping with the user's id and username");
    const groupIds = items(c, project.groups, ["project", "groups"], "{id} mappings").map((g, i) => id(c, object(c, g, ["project", "groups", i], "a mapping with an id").id, ["project", "groups", i, "id"]));
    const env = c.object(doc.environment ?? {}, ["environment"], "any", "a mapping with the environment's tier and slug") ?? {};
    const slug = c.string(env.slug, ["environment", "slug"], { nonEmpty: true, pattern: /^[a-z0-9-]{1,63}$/, expected: "an environment slug" });
    const tier = c.string(env.tier, ["environment", "tier"], { nonEmpty: true, pattern: /^[a-z]{1,32}$/, expected: "an environment tier such as production" });
    const allowedAgents = items(c, doc.allowed_agents, ["allowed_agents"], "agents").map((a, i): AllowedAgent => {
      const at = ["allowed_agents", i];
      const agent = object(c, a, at, "a mapping with the agent's id, config_project and configuration");
      const configProject = object(c, agent.config_project, [...at, "config_project"], "a mapping with the project's id");
      const path = c.string(configProject.path_with_namespace, [...at, "config_project", "path_with_namespace"], { nonEmpty: true });
      const configuration = c.object(agent.configuration ?? {}, [...at, "configuration"], "any", "the ci_access entry as a mapping") ?? {};
      return {
        id: id(c, agent.id, [...at, "id"]),
        configProjectId: id(c, configProject.id, [...at, "config_project", "id"]),
        ...(path === undefined ? {} : { configProjectPath: path }),
        accessAs: checkCiAccessAs(configuration.access_as, [...at, "configuration", "access_as"], c),
      };
    });
    const username = c.required(user.username, ["user", "username"], "a GitLab username") ? c.string(user.username, ["user", "username"], { pattern: USERNAME, expected: "a GitLab username" }) : undefined;
    if (env.slug !== undefined && tier === undefined) c.required(env.tier, ["environment", "tier"], "an environment tier");
    return {
      job: {
        jobId: id(c, job.id, ["job", "id"]),
        pipelineId: id(c, pipeline.id, ["pipeline", "id"]),
        projectId: id(c, project.id, ["project", "id"]),
        groupIds,
        username: username ?? "",
        ...(slug === undefined ? {} : { environment: { slug, ...(tier === undefined ? {} : { tier }) } }),
      },
      userId: id(c, user.id, ["user", "id"]),
      allowedAgents,
    };
  });
}

function grants(c: Checker, value: unknown, path: KeyPath): RoleGrant[] {
  const list = c.list(value, path, "{id, roles} mappings") ?? [];
  if (list.length > MAX_ITEMS) c.error(path, `found ${list.length} items; expected at most ${MAX_ITEMS}`);
  return list.slice(0, MAX_ITEMS).map((g, i) => {
    const entry = object(c, g, [...path, i], "a mapping with an id and roles");
    const roles = c.strings(entry.roles, [...path, i, "roles"], { pattern: ROLE, expected: "a role such as developer" }) ?? [];
    return { id: id(c, entry.id, [...path, i, "id"]), roles };
  });
}

export function parseProxyUser(body: string): Parsed<ProxyUser> {
  return parseJson(body, AUTHORIZE_PROXY_USER_PATH, (c, doc) => {
    const agent = object(c, doc.agent, ["agent"], "a mapping with the agent's id and config_project");
    const configProject = object(c, agent.config_project, ["agent", "config_project"], "a mapping with the project's id");
    const user = object(c, doc.user, ["user"], "a mapping with the user's id and username");
    const username = c.required(user.username, ["user", "username"], "a GitLab username") ? c.string(user.username, ["user", "username"], { pattern: USERNAME, expected: "a GitLab username" }) : undefined;
    const accessAs = object(c, doc.access_as, ["access_as"], "a mapping with agent: {} or user: {...}");
    const kinds = Object.keys(accessAs);
    let parsed: ProxyUser["accessAs"] = { kind: "agent" };
    if (kinds.length !== 1 || (kinds[0] !== "agent" && kinds[0] !== "user")) {
      c.error(["access_as"], `found ${kinds.length === 0 ? "an empty mapping" : `keys ${kinds.join(", ")}`}; expected exactly one of agent, user`);
    } else if (kinds[0] === "user") {
      const u = object(c, accessAs.user, ["access_as", "user"], "a mapping with projects and groups");
      parsed = { kind: "user", projects: grants(c, u.projects, ["access_as", "user", "projects"]), groups: grants(c, u.groups, ["access_as", "user", "groups"]) };
    }
    return {
      agentId: id(c, agent.id, ["agent", "id"]),
      configProjectId: id(c, configProject.id, ["agent", "config_project", "id"]),
      userId: id(c, user.id, ["user", "id"]),
      username: username ?? "",
      accessAs: parsed,
    };
  });
}
