/**
 * `gitops-agent:agent.impersonation`: the identities the agent's ServiceAccount
 * may impersonate, for `ci_access` entries with `access_as: impersonate` or
 * `access_as: ci_job` (kas asks agentk to send Impersonate-User, -Group, -Uid
 * and -Extra-* headers). Nothing unless asked for; names are listed, so the
 * narrow grant is the short one. Any user takes `"*"`; any group takes `"*"`
 * and `acceptClusterAdmin: true` as well, since it includes system:masters.
 */
import type { KeyPath } from "../runtime/common/config-kit";
import type { Reader } from "./config";

/** `"*"`: any name (the ClusterRole rule has no resourceNames). A list: exactly those (resourceNames). */
export const ANY = "*";
export type Names = readonly string[] | typeof ANY;

export interface ImpersonationConfig {
  /** User names (Impersonate-User), or any. At least one is required: every impersonated request names a user. */
  readonly users: Names;
  /** Groups (Impersonate-Group). Default none. Any group includes system:masters, i.e. cluster-admin. */
  readonly groups: Names;
  /** UIDs (Impersonate-Uid). Default none. */
  readonly uids: Names;
  /** Extra keys (Impersonate-Extra-<key>), each with its values or any value. Default none. */
  readonly extras: Readonly<Record<string, Names>>;
  /** The stack config said `ciJob: true` (users, groups and extras then include what `access_as: ci_job` sends). */
  readonly ciJob: boolean;
}

/** The group every `ci_job` identity carries; `ciJob: true` adds it. */
export const CI_JOB_GROUP = "gitlab:ci_job";
/** The extra keys kas sends for `ci_job` (runtime/kas/kubeapi-auth/identity.ts); `ciJob: true` allows any value of each. */
export const CI_JOB_EXTRA_KEYS: readonly string[] = [
  "agent.gitlab.com/id",
  "agent.gitlab.com/config_project_id",
  "agent.gitlab.com/project_id",
  "agent.gitlab.com/ci_pipeline_id",
  "agent.gitlab.com/ci_job_id",
  "agent.gitlab.com/username",
  "agent.gitlab.com/environment_slug",
  "agent.gitlab.com/environment_tier",
];

const KEYS = ["users", "groups", "uids", "extras", "ciJob", "acceptClusterAdmin"];
const EXPECTED = "a map { users, groups, uids, extras, ciJob }, e.g. { ciJob: true, groups: [gitlab:project:42] }";
/** Printable, no leading or trailing blank: the apiserver compares names exactly. */
const NAME = /^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u;
/** Extra keys as the apiserver sees them: it lowercases header names, so an uppercase key never matches. */
export const EXTRA_KEY = /^[a-z0-9](?:[a-z0-9._/-]*[a-z0-9])?$/;
const PROJECT_GROUP = /^gitlab:project:\d+$/;
const ANY_GROUP_RISK = `"*" lets the agent impersonate system:masters, i.e. act as cluster-admin`;

type Kind = "users" | "groups" | "uids" | "values";

const WHAT: Record<Kind, string> = {
  users: "user names such as [deployer]",
  groups: "group names such as [gitlab:project:42]",
  uids: "UIDs",
  values: "values",
};

/** Why a name is refused, if it is. */
function refusal(kind: Kind, name: unknown): string | undefined {
  if (typeof name !== "string" || !NAME.test(name)) return "a name: a non-empty string without control characters or leading/trailing blanks";
  if (name.includes("*")) return `no "*" inside a name (RBAC compares names exactly); "*" alone, instead of the list, means any`;
  if (kind === "groups" && name.startsWith("system:")) {
    return `a group that is not system:*: those are Kubernetes' own (system:masters is cluster-admin, system:nodes the kubelets, system:serviceaccounts every ServiceAccount)`;
  }
  if (kind === "users" && name.startsWith("system:")) {
    return `a user that is not system:*: those are Kubernetes' own components and ServiceAccounts (system:kube-controller-manager, system:serviceaccount:<namespace>:<name>), with rights of their own`;
  }
  return undefined;
}

/** A list of names, or `"*"`; `undefined` when absent or wrong (then a problem is recorded). */
function names(r: Reader, path: KeyPath, raw: unknown, kind: Kind): Names | undefined {
  if (raw === undefined) return undefined;
  if (raw === ANY) return ANY;
  if (!Array.isArray(raw) || raw.length === 0) return r.mismatch(path, raw, `a non-empty list of ${WHAT[kind]}, or "*" (any); leave the key out for none`);
  const ok = raw.filter((n: unknown, i: number) => {
    const why = refusal(kind, n);
    if (why) r.mismatch([...path, i], n, why);
    return why === undefined;
  });
  return ok.length === raw.length ? [...new Set(ok as string[])] : undefined;
}

function parseExtras(r: Reader, path: KeyPath, raw: unknown): Record<string, Names> | undefined {
  if (raw === undefined) return {};
  const m = r.object(raw, path, "any", 'a map of extra key to a list of values or "*", e.g. { "example.com/team": [web] }');
  if (!m) return undefined;
  const out: Record<string, Names> = {};
  let ok = true;
  for (const [key, value] of Object.entries(m)) {
    if (!EXTRA_KEY.test(key)) {
      r.mismatch([...path, key], key, "an extra key in lowercase letters, digits, '.', '-', '_' and '/', e.g. agent.gitlab.com/project_id (the apiserver lowercases Impersonate-Extra-* headers; no \"*\")", { found: `the key ${JSON.stringify(key)}` });
      ok = false;
      continue;
    }
    const values = value === undefined ? r.mismatch([...path, key], value, 'a list of values or "*"') : names(r, [...path, key], value, "values");
    if (values === undefined) ok = false;
    else out[key] = values;
  }
  return ok ? out : undefined;
}

/** `ci_job` sends gitlab:ci_job:<job id>: a new user name for every job, so only "*" names them. */
function ciJobUsers(r: Reader, path: KeyPath, users: Names | undefined, raw: unknown): Names | undefined {
  if (raw === undefined || users === ANY) return ANY;
  if (users === undefined) return undefined; // already reported
  return r.mismatch([...path, "users"], raw, `"*" or nothing with ciJob: true (a ci_job identity is the user gitlab:ci_job:<job id>, a new name for every job)`);
}

/** ci_job always sends gitlab:project:<id>: groups must name the projects (gitlab:ci_job is added). */
function ciJobGroups(r: Reader, path: KeyPath, groups: Names | undefined, raw: unknown): Names | undefined {
  if (groups === ANY) return ANY;
  if (groups?.some((g) => PROJECT_GROUP.test(g))) return [...new Set([CI_JOB_GROUP, ...groups])];
  if (raw !== undefined && groups === undefined) return undefined; // already reported
  return r.mismatch([...path, "groups"], raw, `with ciJob: true, a list naming the groups the jobs' identities carry: gitlab:project:<id> for each project whose jobs use the agent, plus gitlab:group:<id> for each of its groups and the environment groups if they use environments (gitlab:ci_job is added)`, raw === undefined ? { found: "nothing" } : {});
}

/** `agent.impersonation`: absent means none (the agent impersonates nobody, agentk runs without --allow-impersonation). */
export function parseImpersonation(r: Reader, path: KeyPath, raw: unknown): ImpersonationConfig | undefined {
  const m = r.object(raw, path, KEYS, EXPECTED);
  if (!m) return undefined;
  const ciJob = r.boolean(m.ciJob, [...path, "ciJob"]) ?? false;
  const accept = r.boolean(m.acceptClusterAdmin, [...path, "acceptClusterAdmin"]) ?? false;
  const listedUsers = names(r, [...path, "users"], m.users, "users");
  const listedGroups = names(r, [...path, "groups"], m.groups, "groups");
  const uids = names(r, [...path, "uids"], m.uids, "uids") ?? [];
  const extras = parseExtras(r, [...path, "extras"], m.extras);
  if (listedGroups === ANY && !accept) {
    r.mismatch([...path, "groups"], ANY, `a list of group names: ${ANY_GROUP_RISK}; if that is what you mean, also set acceptClusterAdmin: true`);
  } else if (accept && listedGroups !== ANY) {
    r.mismatch([...path, "acceptClusterAdmin"], true, `acceptClusterAdmin only with groups: "*" (it acknowledges that ${ANY_GROUP_RISK})`);
  }
  const users = ciJob
    ? ciJobUsers(r, path, listedUsers, m.users)
    : m.users === undefined
      ? r.mismatch([...path, "users"], undefined, `the user names the agent may impersonate (ci_access access_as: impersonate: username), or "*", or ciJob: true`, { found: "nothing" })
      : listedUsers;
  const groups = ciJob ? ciJobGroups(r, path, listedGroups, m.groups) : listedGroups ?? [];
  if (!users || !groups || !extras || r.problems.some((p) => startsWith(p.path, path))) return undefined;
  const defaults: Record<string, Names> = ciJob ? Object.fromEntries(CI_JOB_EXTRA_KEYS.map((k): [string, Names] => [k, ANY])) : {};
  return { users, groups, uids, extras: { ...defaults, ...extras }, ciJob };
}

const startsWith = (path: KeyPath, prefix: KeyPath): boolean => prefix.every((segment, i) => path[i] === segment);
