/**
 * Reading a resource's props as the policies see them: plain JSON from the
 * engine, any field possibly missing or of the wrong type (a hand edit).
 */
import type { ResourceValidationArgs } from "@pulumi/policy";

export const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
export const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
export const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
export const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";

/** Policy configuration (`pulumi preview --policy-pack-config`), all optional. */
export interface RbacPolicyConfig {
  /**
   * The agent's ServiceAccounts as `namespace/name`. Default: none listed, and
   * then every ServiceAccount subject of a ClusterRoleBinding counts as the
   * agent's (this stack deploys nothing else that needs cluster-wide rights).
   */
  readonly agentServiceAccounts?: readonly string[];
  /**
   * Namespaces where the stack config asked for Secrets. Default: not listed,
   * and the Role's `gitops-agent.dev/secrets-allowed: "true"` annotation decides alone.
   */
  readonly secretsAllowedNamespaces?: readonly string[];
  /**
   * Agents (by name) whose impersonation grant may name no groups, i.e. any group,
   * system:masters included. Default: none, and such a grant fails the preview.
   */
  readonly allowAnyGroupImpersonation?: readonly string[];
}

export interface Rule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
  /** Absent when the rule names no objects (an empty list means the same to the apiserver). */
  readonly resourceNames?: string[];
}

export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
export const record = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
export const isWild = (values: readonly string[]): boolean => values.includes("*");

export function rulesOf(props: Record<string, unknown>): Rule[] {
  const rules = Array.isArray(props.rules) ? props.rules : [];
  return rules.map((r) => {
    const rule = record(r);
    const names = strings(rule.resourceNames);
    return { apiGroups: strings(rule.apiGroups), resources: strings(rule.resources), verbs: strings(rule.verbs), ...(names.length > 0 ? { resourceNames: names } : {}) };
  });
}

const KIND_BY_TYPE: Record<string, string> = {
  [ROLE]: "Role",
  [ROLE_BINDING]: "RoleBinding",
  [CLUSTER_ROLE]: "ClusterRole",
  [CLUSTER_ROLE_BINDING]: "ClusterRoleBinding",
};

/** `Role dude/dude-agent-write`, from the object's metadata, else the Pulumi resource name. */
export function describeObject(args: Pick<ResourceValidationArgs, "type" | "props" | "name">): string {
  const meta = record(args.props.metadata);
  const name = typeof meta.name === "string" ? meta.name : `(Pulumi resource ${args.name})`;
  const ns = typeof meta.namespace === "string" ? `${meta.namespace}/` : "";
  return `${KIND_BY_TYPE[args.type] ?? args.type} ${ns}${name}`;
}

/** The type of the component a resource was created in, from its URN (`...::Parent$Child::name`); undefined at the top level. */
export function parentTypeOf(urn: string): string | undefined {
  const types = (urn.split("::")[2] ?? "").split("$");
  return types.length >= 2 ? types[types.length - 2] : undefined;
}
