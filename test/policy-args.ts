/** Calling a policy of infra/policy directly, as the pack would: validateResource(args, report). */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import type { RbacManifest } from "../infra/rbac";
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING, type RbacPolicyConfig } from "../infra/policy/policies";

export type Props = Record<string, unknown>;

/** The URN of a resource named `r`; with `parent`, created inside a component of that type. */
export const urnOf = (type: string, parent?: string): string => `urn:pulumi:test::gitops-agent::${parent ? `${parent}$` : ""}${type}::r`;

export function policyArgs(type: string, props: Props, config: RbacPolicyConfig = {}, urn = urnOf(type)): ResourceValidationArgs {
  return {
    type,
    props,
    urn,
    name: "r",
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: () => {
      throw new Error("notApplicable");
    },
  };
}

/** The messages a policy reports for one resource. */
export async function violations(policy: ResourceValidationPolicy, type: string, props: Props, config?: RbacPolicyConfig, urn?: string): Promise<string[]> {
  const messages: string[] = [];
  const validations = [policy.validateResource ?? []].flat();
  for (const validate of validations) await validate(policyArgs(type, props, config, urn), (message) => messages.push(message));
  return messages;
}

export const TYPE_OF: Record<RbacManifest["kind"], string> = {
  Namespace: "kubernetes:core/v1:Namespace",
  ConfigMap: "kubernetes:core/v1:ConfigMap",
  Lease: "kubernetes:coordination.k8s.io/v1:Lease",
  Role: ROLE,
  RoleBinding: ROLE_BINDING,
  ClusterRole: CLUSTER_ROLE,
  ClusterRoleBinding: CLUSTER_ROLE_BINDING,
};

export const role = (rules: Props[], metadata: Props = { name: "r", namespace: "dude" }): Props => ({ metadata, rules });
export const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): Props => ({ apiGroups, resources, verbs, ...(resourceNames ? { resourceNames } : {}) });
export const binding = (roleRef: Props, subjects: Props[] = [{ kind: "ServiceAccount", name: "dude-agent", namespace: "gitlab-k8s-agent" }], metadata: Props = { name: "b" }): Props => ({
  metadata,
  roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
  subjects,
});
