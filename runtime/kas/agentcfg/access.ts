/**
 * `ci_access` and `user_access`: who may use the Kubernetes API through this
 * agent, and as whom (GitLab's CiAccessCF and UserAccessCF). Kept by kas only:
 * agentk never sees them.
 */
import { DNS_LABEL, type Checker, type KeyPath } from "../../common/config-kit";
import {
  CI_ACCESS_AS_KINDS,
  CI_ACCESS_ENTRY_KEYS,
  CI_ACCESS_KEYS,
  EXTRA_KEYS,
  ID_KEYS,
  IMPERSONATE_KEYS,
  NAMESPACE_EXPECTED,
  USER_ACCESS_AS_KINDS,
  USER_ACCESS_KEYS,
} from "./schema";

export interface ImpersonateAs {
  readonly kind: "impersonate";
  readonly username: string;
  readonly groups: readonly string[];
  readonly uid?: string;
  readonly extra: readonly { readonly key: string; readonly val: readonly string[] }[];
}
/** `access_as` of a ci_access entry; absent means `agent`, as in GitLab. */
export type CiAccessAs = { readonly kind: "agent" } | ImpersonateAs | { readonly kind: "ci_job" };

export interface CiAccessRule {
  readonly access_as: CiAccessAs;
  /** Shown as the kubeconfig context's namespace; undefined when not given. */
  readonly default_namespace?: string;
  /** Environment names or `*` patterns; empty means any (and no environment). */
  readonly environments: readonly string[];
  readonly protected_branches_only: boolean;
}
/** A `projects[]` entry (id: project path) or a `groups[]` entry (id: group path). */
export interface CiAccessEntry extends CiAccessRule {
  readonly id: string;
}
export interface CiAccessConfig {
  readonly projects: readonly CiAccessEntry[];
  readonly groups: readonly CiAccessEntry[];
  readonly instance?: CiAccessRule;
}
export interface UserAccessConfig {
  readonly access_as: { readonly kind: "agent" } | { readonly kind: "user" };
  readonly projects: readonly string[];
  readonly groups: readonly string[];
}
export interface AccessConfig {
  readonly ci_access: CiAccessConfig;
  /** Undefined when the config has no `user_access`: nobody has user access. */
  readonly user_access?: UserAccessConfig;
}

const PATH_EXPECTED = "a project path such as group/project";
const GROUP_EXPECTED = "a group path such as group/subgroup";

export function checkAccess(ci: unknown, user: unknown, c: Checker): AccessConfig {
  const userAccess = checkUserAccess(user, c);
  return { ci_access: checkCiAccess(ci, c), ...(userAccess === undefined ? {} : { user_access: userAccess }) };
}

function checkCiAccess(value: unknown, c: Checker): CiAccessConfig {
  const path = ["ci_access"];
  const ci = c.mapping(value, path, CI_ACCESS_KEYS) ?? {};
  const entries = (key: "projects" | "groups", expected: string): CiAccessEntry[] => {
    const items = c.list(ci[key], [...path, key], `{id: <path>, access_as: ...} entries`) ?? [];
    const out: CiAccessEntry[] = [];
    for (const { entry, path: at } of c.entries(items, [...path, key], CI_ACCESS_ENTRY_KEYS)) {
      const idPath = [...at, "id"];
      if (!c.required(entry.id, idPath, expected)) continue;
      const id = c.string(entry.id, idPath, { nonEmpty: true, expected });
      const rule = checkRule(entry, at, c);
      if (id !== undefined) out.push({ id: id.replace(/^\/+|\/+$/g, ""), ...rule });
    }
    return out;
  };
  const projects = entries("projects", PATH_EXPECTED);
  const groups = entries("groups", GROUP_EXPECTED);
  const instancePath = [...path, "instance"];
  const instance = c.mapping(ci.instance, instancePath, CI_ACCESS_ENTRY_KEYS.filter((k) => k !== "id"));
  return { projects, groups, ...(instance === undefined ? {} : { instance: checkRule(instance, instancePath, c) }) };
}

function checkRule(entry: Record<string, unknown>, at: KeyPath, c: Checker): CiAccessRule {
  const ns = entry.default_namespace === "" ? undefined : entry.default_namespace;
  const defaultNamespace = c.string(ns, [...at, "default_namespace"], { pattern: DNS_LABEL, expected: NAMESPACE_EXPECTED });
  const environments = c.strings(entry.environments, [...at, "environments"], {
    nonEmpty: true,
    expected: `an environment name or pattern such as "review/*"`,
  });
  return {
    access_as: checkCiAccessAs(entry.access_as, [...at, "access_as"], c),
    ...(defaultNamespace === undefined ? {} : { default_namespace: defaultNamespace }),
    environments: environments ?? [],
    protected_branches_only: c.boolean(entry.protected_branches_only, [...at, "protected_branches_only"]) ?? false,
  };
}

/** The one key of an `access_as` mapping, or undefined (after an error) when there is not exactly one. */
function oneKind<T extends string>(value: unknown, path: KeyPath, kinds: readonly T[], c: Checker): { kind: T; body: unknown } | undefined {
  const m = c.mapping(value, path, kinds);
  if (m === undefined) return undefined;
  const given = kinds.filter((k) => k in m);
  if (given.length !== 1) {
    const found = given.length === 0 ? "an empty mapping" : given.join(" and ");
    c.error(path, `found ${found}; expected exactly one of ${kinds.join(", ")}`);
    return undefined;
  }
  const kind = given[0]!;
  return { kind, body: m[kind] };
}

/** A ci_access `access_as` (absent: agent); also reads the configuration GitLab returns in allowed_agents. */
export function checkCiAccessAs(value: unknown, path: KeyPath, c: Checker): CiAccessAs {
  const chosen = oneKind(value, path, CI_ACCESS_AS_KINDS, c);
  if (chosen === undefined) return { kind: "agent" };
  const at = [...path, chosen.kind];
  if (chosen.kind !== "impersonate") {
    c.mapping(chosen.body, at, []);
    return { kind: chosen.kind };
  }
  const imp = c.object(chosen.body, at, IMPERSONATE_KEYS, "a mapping with keys username, groups, uid, extra") ?? {};
  const usernamePath = [...at, "username"];
  const username = c.required(imp.username, usernamePath, "a Kubernetes user name")
    ? c.string(imp.username, usernamePath, { nonEmpty: true, expected: "a Kubernetes user name" })
    : undefined;
  const uid = c.string(imp.uid, [...at, "uid"]);
  const extraItems = c.list(imp.extra, [...at, "extra"], "{key: <name>, val: [<value>, ...]} entries") ?? [];
  const extra: { key: string; val: string[] }[] = [];
  for (const { entry, path: ep } of c.entries(extraItems, [...at, "extra"], EXTRA_KEYS)) {
    const key = c.required(entry.key, [...ep, "key"], "an extra key") ? c.string(entry.key, [...ep, "key"], { nonEmpty: true }) : undefined;
    const val = c.required(entry.val, [...ep, "val"], "a list of values")
      ? c.strings(entry.val, [...ep, "val"], { nonEmpty: true, expected: "a non-empty string" }, 1)
      : undefined;
    if (key !== undefined && val !== undefined) extra.push({ key, val });
  }
  return {
    kind: "impersonate",
    username: username ?? "",
    groups: c.strings(imp.groups, [...at, "groups"], { nonEmpty: true, expected: "a Kubernetes group name" }) ?? [],
    ...(uid === undefined || uid === "" ? {} : { uid }),
    extra,
  };
}

function checkUserAccess(value: unknown, c: Checker): UserAccessConfig | undefined {
  const path = ["user_access"];
  const user = c.mapping(value, path, USER_ACCESS_KEYS);
  if (user === undefined) return undefined;
  const asPath = [...path, "access_as"];
  const chosen = c.required(user.access_as, asPath, "a mapping with agent: {} or user: {}")
    ? oneKind(user.access_as, asPath, USER_ACCESS_AS_KINDS, c)
    : undefined;
  if (chosen !== undefined) c.mapping(chosen.body, [...asPath, chosen.kind], []);
  const ids = (key: "projects" | "groups", expected: string): string[] => {
    const items = c.list(user[key], [...path, key], "{id: <path>} entries") ?? [];
    const out: string[] = [];
    for (const { entry, path: at } of c.entries(items, [...path, key], ID_KEYS)) {
      const ok = c.required(entry.id, [...at, "id"], expected);
      const id = ok ? c.string(entry.id, [...at, "id"], { nonEmpty: true, expected }) : undefined;
      if (id !== undefined) out.push(id.replace(/^\/+|\/+$/g, ""));
    }
    return out;
  };
  return { access_as: { kind: chosen?.kind ?? "agent" }, projects: ids("projects", PATH_EXPECTED), groups: ids("groups", GROUP_EXPECTED) };
}
