import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AGENT_RBAC_TYPE, type RbacPlan } from "./plan";
import {
  renderAgentState,
  renderClusterRole,
  renderClusterRoleBinding,
  renderImpersonationBinding,
  renderImpersonationRole,
  renderNamespace,
  renderRole,
  renderRoleBinding,
  type ClusterRoleBindingManifest,
  type ClusterRoleManifest,
} from "./render";

export interface AgentRbacArgs {
  /** What to create, from planRbac(config). Required; rendered as is, nothing is decided here. */
  readonly plan: RbacPlan;
}

/**
 * The agent's Namespaces, Roles and RoleBindings, rendered from an RbacPlan;
 * a ClusterRole and its binding only for the kinds `clusterResources` opts in
 * to, and one only for the identities `agent.impersonation` names.
 */
export class AgentRbac extends pulumi.ComponentResource {
  /**
   * The agent's Namespaces by name (built-in ones such as `default` are left alone), as
   * server-side-apply patches: one that already exists is adopted (its labels set, the
   * rest kept), and `pulumi destroy` removes only our labels and keeps the Namespace with
   * every workload in it. Deleting namespaces is a person's decision, not a side effect:
   * `onDestroy: delete` in a namespace's stack config makes it a Namespace the stack owns.
   */
  readonly namespaces: Readonly<Record<string, k8s.core.v1.NamespacePatch | k8s.core.v1.Namespace>>;
  /** Roles by `<namespace>/<name>`. */
  readonly roles: Readonly<Record<string, k8s.rbac.v1.Role>>;
  /** RoleBindings by `<namespace>/<name>`. */
  readonly roleBindings: Readonly<Record<string, k8s.rbac.v1.RoleBinding>>;
  /** The agent's own namespace, known once it exists: depend on it for the agent's ServiceAccount. */
  readonly agentNamespace: pulumi.Output<string>;
  /** The agent's leader-election Lease, created empty: its Role cannot create one (create is not restricted by name). */
  readonly lease: k8s.coordination.v1.Lease;
  /** The agent's inventory ConfigMap, created empty for the same reason; agentk owns its data. */
  readonly inventory: k8s.core.v1.ConfigMap;
  /** The `clusterResources` ClusterRole and its binding, when the plan has them. */
  readonly clusterRole?: k8s.rbac.v1.ClusterRole;
  readonly clusterRoleBinding?: k8s.rbac.v1.ClusterRoleBinding;
  /** The `agent.impersonation` ClusterRole (`<agent>-impersonate`) and its binding, when the plan has them. */
  readonly impersonationRole?: k8s.rbac.v1.ClusterRole;
  readonly impersonationBinding?: k8s.rbac.v1.ClusterRoleBinding;

  constructor(name: string, args: AgentRbacArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AGENT_RBAC_TYPE, name, {}, opts);
    const { plan } = args;
    const childOpts = (dependsOn?: pulumi.Resource): pulumi.CustomResourceOptions => ({
      parent: this,
      ...(dependsOn ? { dependsOn: [dependsOn] } : {}),
    });

    const namespaces: Record<string, k8s.core.v1.NamespacePatch | k8s.core.v1.Namespace> = {};
    for (const ns of plan.namespaces.filter((n) => n.create)) {
      const { metadata } = renderNamespace(plan, ns);
      namespaces[ns.name] =
        ns.onDestroy === "delete"
          ? new k8s.core.v1.Namespace(`${name}-${ns.name}`, { metadata }, childOpts())
          : // patchForce: take over our labels from whoever set them before (kubectl create, another tool).
            new k8s.core.v1.NamespacePatch(`${name}-${ns.name}`, { metadata: { ...metadata, annotations: { "pulumi.com/patchForce": "true" } } }, childOpts());
    }
    const home = plan.serviceAccount.namespace;
    const [lease, inventory] = renderAgentState(plan);
    this.lease = new k8s.coordination.v1.Lease(`${name}-lease`, { metadata: lease?.metadata }, childOpts(namespaces[home]));
    this.inventory = new k8s.core.v1.ConfigMap(`${name}-inventory`, { metadata: inventory?.metadata }, childOpts(namespaces[home]));

    const roles: Record<string, k8s.rbac.v1.Role> = {};
    const roleBindings: Record<string, k8s.rbac.v1.RoleBinding> = {};
    for (const grant of plan.grants) {
      const key = `${grant.namespace}/${grant.name}`;
      const child = `${name}-${grant.namespace}-${grant.purpose}`;
      const { metadata, rules } = renderRole(plan, grant);
      const role = new k8s.rbac.v1.Role(child, { metadata, rules }, childOpts(namespaces[grant.namespace]));
      const binding = renderRoleBinding(plan, grant);
      roles[key] = role;
      roleBindings[key] = new k8s.rbac.v1.RoleBinding(
        child,
        { metadata: binding.metadata, roleRef: binding.roleRef, subjects: binding.subjects },
        childOpts(role),
      );
    }

    const clusterGrant = (suffix: string, role: ClusterRoleManifest, binding: ClusterRoleBindingManifest) => {
      const created = new k8s.rbac.v1.ClusterRole(`${name}-${suffix}`, { metadata: role.metadata, rules: role.rules }, childOpts());
      const bound = new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-${suffix}`,
        { metadata: binding.metadata, roleRef: binding.roleRef, subjects: binding.subjects },
        childOpts(created),
      );
      return [created, bound] as const;
    };
    if (plan.cluster) {
      [this.clusterRole, this.clusterRoleBinding] = clusterGrant("cluster", renderClusterRole(plan, plan.cluster), renderClusterRoleBinding(plan, plan.cluster));
    }
    if (plan.impersonation) {
      const grant = plan.impersonation;
      [this.impersonationRole, this.impersonationBinding] = clusterGrant("impersonate", renderImpersonationRole(plan, grant), renderImpersonationBinding(plan, grant));
    }

    this.namespaces = namespaces;
    this.roles = roles;
    this.roleBindings = roleBindings;
    this.agentNamespace = namespaces[home]?.metadata.name ?? pulumi.output(home);
    this.registerOutputs({
      agentNamespace: this.agentNamespace,
      namespaces: Object.keys(namespaces),
      roles: Object.keys(roles),
      clusterRole: plan.cluster?.name,
      impersonationRole: plan.impersonation?.name,
    });
  }
}
