/**
 * The RBAC policies `pulumi preview --policy-pack infra/policy` enforces on
 * every stack change. Exported apart from the pack (index.ts) so tests call
 * each `validateResource(args, reportViolation)` directly. They check what
 * the stack declares, whoever declares it: the AgentRbac component, another
 * component, or a hand edit.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { ESCALATION_RESOURCES, ESCALATION_VERBS, MANAGED_RESOURCES, RBAC_GROUP, READ_VERBS } from "../../runtime/common/rbac-rules";
import { REFUSED_CLUSTER_RESOURCES } from "../cluster-resources";
import { AGENT_LABEL, CLUSTER_RESOURCES_ANNOTATION, SECRETS_ALLOWED_ANNOTATION } from "../rbac/plan";
import { checkImpersonationGrant, impersonation, isImpersonationGrant, noBroadImpersonation } from "./impersonation";
import { namespacePodSecurity } from "./pod-security";
import { redisTlsAndAuth } from "./redis";
import { IMPERSONATE } from "../rbac/impersonation";
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, describeObject, isWild, record, ROLE, ROLE_BINDING, rulesOf, type RbacPolicyConfig, type Rule } from "./props";

export { AGENT_LABEL, CLUSTER_RESOURCES_ANNOTATION, SECRETS_ALLOWED_ANNOTATION };
export { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING, type RbacPolicyConfig };
export { impersonation, noBroadImpersonation, IMPERSONATION_ANNOTATION } from "./impersonation";

/** Built-in ClusterRoles that must never be bound cluster-wide; cluster-admin not even in one namespace. */
const ADMIN_ROLES = ["cluster-admin", "admin", "edit"];

function checkWildcards(args: ResourceValidationArgs, report: ReportViolation): void {
  if (args.type !== ROLE && args.type !== CLUSTER_ROLE) return;
  rulesOf(args.props).forEach((rule, i) => {
    const wild = (["verbs", "resources", "apiGroups"] as const).filter((field) => isWild(rule[field]));
    if (wild.length > 0) {
      report(`${describeObject(args)} rule ${i} grants a wildcard ("*") in ${wild.join(", ")}: name the verbs, resources and API groups the agent needs.`);
    }
  });
}

function checkAdminBindings(args: ResourceValidationArgs, report: ReportViolation): void {
  if (args.type !== ROLE_BINDING && args.type !== CLUSTER_ROLE_BINDING) return;
  const ref = record(args.props.roleRef);
  if (ref.kind !== "ClusterRole" || typeof ref.name !== "string") return;
  if (ref.name === "cluster-admin") {
    report(`${describeObject(args)} binds ClusterRole cluster-admin: grant a least-privilege Role instead.`);
  } else if (args.type === CLUSTER_ROLE_BINDING && ADMIN_ROLES.includes(ref.name)) {
    report(`${describeObject(args)} binds ClusterRole ${ref.name} cluster-wide: bind it (or a narrower Role) per namespace with a RoleBinding.`);
  }
}

const isAgentSubject = (subject: Record<string, unknown>, config: RbacPolicyConfig): boolean => {
  if (subject.kind !== "ServiceAccount") return false;
  const listed = config.agentServiceAccounts ?? [];
  return listed.length === 0 || listed.includes(`${String(subject.namespace)}/${String(subject.name)}`);
};

const isWriteVerb = (v: string): boolean => !(READ_VERBS as readonly string[]).includes(v);
const optedIn = (props: Record<string, unknown>): boolean =>
  record(record(props.metadata).annotations)[CLUSTER_RESOURCES_ANNOTATION] === "true";
const NAMESPACED: ReadonlySet<string> = new Set(Object.values(MANAGED_RESOURCES).flat().concat("secrets"));

/**
 * Why a rule of a `clusterResources` ClusterRole is not what the opt-in may
 * grant (the config refuses the same, but a hand edit could add it):
 * wildcards, RBAC, Namespaces and the other refused kinds, namespaced kinds.
 */
function optInProblem(rule: Rule): string | undefined {
  if (!rule.verbs.some(isWriteVerb)) return undefined;
  if (isWild(rule.apiGroups) || isWild(rule.resources)) return "a wildcard";
  if (rule.apiGroups.includes(RBAC_GROUP)) return "RBAC";
  return rule.resources.map((r) => (REFUSED_CLUSTER_RESOURCES[r] || NAMESPACED.has(r) ? r : "")).find(Boolean);
}

/** The impersonation grant's binding names the agent's ServiceAccount: one of agentServiceAccounts, when they are listed. */
function checkImpersonationSubject(args: ResourceValidationArgs, report: ReportViolation): void {
  if (args.type !== CLUSTER_ROLE_BINDING) return;
  const sa = record((Array.isArray(args.props.subjects) ? args.props.subjects : [])[0]);
  if (isAgentSubject(sa, args.getConfig<RbacPolicyConfig>())) return;
  report(`${describeObject(args)} binds the impersonation grant to ServiceAccount ${String(sa.namespace)}/${String(sa.name)}, which agentServiceAccounts does not list.`);
}

function checkClusterWideWrite(args: ResourceValidationArgs, report: ReportViolation): void {
  // The agent's impersonation grant and its binding: flagged by rbac-impersonation, judged by rbac-no-broad-impersonation.
  if (isImpersonationGrant(args)) {
    checkImpersonationSubject(args, report);
    return;
  }
  if (args.type === CLUSTER_ROLE) {
    const rules = rulesOf(args.props);
    const problems = rules.map(optInProblem).filter((p): p is string => p !== undefined);
    if (optedIn(args.props) && problems.length === 0) return; // the clusterResources opt-in: flagged by rbac-cluster-resources
    const writes = [...new Set(rules.flatMap((r) => (r.resources.length > 0 ? r.verbs : [])))].filter(isWriteVerb);
    if (optedIn(args.props) && problems.length > 0) {
      report(`${describeObject(args)} is marked as the clusterResources opt-in but writes ${problems.join(", ")} cluster-wide: the opt-in is for cluster-scoped kinds such as customresourcedefinitions only.`);
    } else if (writes.length > 0) {
      report(`${describeObject(args)} grants write verbs cluster-wide (${writes.join(", ")}): the agent writes only through namespaced Roles.`);
    }
  } else if (args.type === CLUSTER_ROLE_BINDING) {
    const config = args.getConfig<RbacPolicyConfig>();
    const labels = record(record(args.props.metadata).labels);
    const subjects = (Array.isArray(args.props.subjects) ? args.props.subjects : []).map(record);
    const agents = subjects.filter((s) => isAgentSubject(s, config)).map((s) => `${String(s.namespace)}/${String(s.name)}`);
    const ref = record(args.props.roleRef);
    // The opt-in's binding may only bind the opt-in's own ClusterRole, `<agent>-cluster` (checked as a ClusterRole above).
    const optInBinding = optedIn(args.props) && ref.kind === "ClusterRole" && typeof labels[AGENT_LABEL] === "string" && ref.name === `${labels[AGENT_LABEL]}-cluster`;
    if (optInBinding) return;
    if (agents.length > 0 || typeof labels[AGENT_LABEL] === "string") {
      const who = agents.length > 0 ? `ServiceAccount ${agents.join(", ")}` : `agent ${String(labels[AGENT_LABEL])}`;
      report(`${describeObject(args)} gives the ${who} cluster-wide rights: use a RoleBinding in each namespace the agent may write.`);
    }
  }
}

const READS_SECRETS = (rule: Rule): boolean =>
  (rule.apiGroups.includes("") || isWild(rule.apiGroups)) &&
  (rule.resources.includes("secrets") || isWild(rule.resources)) &&
  rule.verbs.some((v) => v === "*" || (READ_VERBS as readonly string[]).includes(v));

function checkSecretRead(args: ResourceValidationArgs, report: ReportViolation): void {
  if (args.type !== ROLE && args.type !== CLUSTER_ROLE) return;
  if (!rulesOf(args.props).some(READS_SECRETS)) return;
  if (args.type === CLUSTER_ROLE) {
    report(`${describeObject(args)} reads Secrets cluster-wide: grant Secrets per namespace with secrets: true in the stack config.`);
    return;
  }
  const meta = record(args.props.metadata);
  const annotated = record(meta.annotations)[SECRETS_ALLOWED_ANNOTATION] === "true";
  const allowed = args.getConfig<RbacPolicyConfig>().secretsAllowedNamespaces;
  const listed = allowed === undefined || (typeof meta.namespace === "string" && allowed.includes(meta.namespace));
  if (!annotated || !listed) {
    const why = annotated ? `namespace ${String(meta.namespace)} is not in secretsAllowedNamespaces` : `it lacks the ${SECRETS_ALLOWED_ANNOTATION}: "true" annotation`;
    report(`${describeObject(args)} reads Secrets (get/list/watch) but the namespace config did not ask for them (${why}): set secrets: true for that namespace in the stack config, or drop secrets from the Role.`);
  }
}

/** A rule that writes Roles or RoleBindings: the `admin` level (or a hand-written equivalent). */
const WRITES_RBAC = (rule: Rule): boolean =>
  (rule.apiGroups.includes(RBAC_GROUP) || isWild(rule.apiGroups)) &&
  rule.resources.some((r) => r === "roles" || r === "rolebindings" || r === "*") &&
  rule.verbs.some((v) => v === "*" || isWriteVerb(v));

function checkAdminLevel(args: ResourceValidationArgs, report: ReportViolation): void {
  if (args.type !== ROLE && args.type !== CLUSTER_ROLE) return;
  if (!rulesOf(args.props).some(WRITES_RBAC)) return;
  report(`${describeObject(args)} lets its holder write Roles and RoleBindings (access admin): a commit can hand the agent's rights there to anyone, e.g. system:authenticated. Keep it to namespaces whose RBAC is managed through Git, or use access write.`);
}

const ESCALATION_PATHS = ESCALATION_RESOURCES.filter((e) => e.apiGroup !== RBAC_GROUP);

const ONLY_GRANT_IMPERSONATES = " Only the agent's <agent>-impersonate ClusterRole, from gitops-agent:agent.impersonation, may impersonate.";

function checkEscalation(args: ResourceValidationArgs, report: ReportViolation): void {
  checkImpersonationGrant(args, report);
  if (args.type !== ROLE && args.type !== CLUSTER_ROLE) return;
  // The stack config's impersonation grant keeps its impersonate verb (it holds nothing else: impersonationRoleOf checks).
  const grant = isImpersonationGrant(args);
  rulesOf(args.props).forEach((rule, i) => {
    const verbs = rule.verbs.filter((v) => (ESCALATION_VERBS as readonly string[]).includes(v) && !(grant && v === IMPERSONATE));
    const paths = ESCALATION_PATHS.filter((e) => rule.apiGroups.includes(e.apiGroup) && rule.resources.includes(e.resource) && rule.verbs.some(isWriteVerb));
    const found = [...verbs.map((v) => `verb ${v}`), ...paths.map((e) => `${e.resource} (${e.why})`)];
    const hint = verbs.includes(IMPERSONATE) ? ONLY_GRANT_IMPERSONATES : "";
    if (found.length > 0) report(`${describeObject(args)} rule ${i} grants an escalation path: ${found.join("; ")}.${hint}`);
  });
}

function checkClusterResources(args: ResourceValidationArgs, report: ReportViolation): void {
  if (args.type !== CLUSTER_ROLE || !optedIn(args.props)) return;
  const kinds = rulesOf(args.props).flatMap((r) => r.resources.map((res) => `${res}${r.apiGroups[0] ? `.${r.apiGroups[0]}` : ""}`));
  report(`${describeObject(args)} lets the agent write ${[...new Set(kinds)].join(", ")} cluster-wide (gitops-agent:clusterResources): a commit can change these for the whole cluster. Narrow it with resourceNames where you can.`);
}

const stringList = { type: "array", items: { type: "string" } } as const;

export const noWildcards: ResourceValidationPolicy = {
  name: "rbac-no-wildcards",
  description: 'No Role or ClusterRole rule may use "*" for verbs, resources or API groups.',
  enforcementLevel: "mandatory",
  validateResource: checkWildcards,
};

export const noAdminBindings: ResourceValidationPolicy = {
  name: "rbac-no-admin-bindings",
  description: "No binding to cluster-admin, and no ClusterRoleBinding to admin or edit.",
  enforcementLevel: "mandatory",
  validateResource: checkAdminBindings,
};

export const noClusterWideAgentWrite: ResourceValidationPolicy = {
  name: "rbac-no-cluster-wide-agent-write",
  description: "No ClusterRole with write verbs and no ClusterRoleBinding for the agent's ServiceAccount.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { agentServiceAccounts: { ...stringList, description: "namespace/name of the agent's ServiceAccounts" } } },
  validateResource: checkClusterWideWrite,
};

export const noUnaskedSecretRead: ResourceValidationPolicy = {
  name: "rbac-no-unasked-secret-read",
  description: "No Secret read unless the namespace config asked for Secrets (Role annotated gitops-agent.dev/secrets-allowed).",
  enforcementLevel: "mandatory",
  configSchema: { properties: { secretsAllowedNamespaces: { ...stringList, description: "namespaces whose config says secrets: true" } } },
  validateResource: checkSecretRead,
};

export const noEscalationPaths: ResourceValidationPolicy = {
  name: "rbac-no-escalation-paths",
  description: "No escalate, bind or impersonate verb (impersonate only in the agent's own impersonation grant), and no write on serviceaccounts/token, pods/exec and the other escalation paths.",
  enforcementLevel: "mandatory",
  validateResource: checkEscalation,
};

/**
 * Advisory, not mandatory: `admin` is a level the stack config names on
 * purpose, rbac:diff highlights every change to or from it, and the apiserver
 * still refuses to grant anything the agent does not hold. Mandatory would
 * make it unusable without a second switch; the advisory keeps it visible in
 * every preview.
 */
export const adminLevel: ResourceValidationPolicy = {
  name: "rbac-admin-level",
  description: "Flags Roles that let the agent write Roles and RoleBindings (access admin).",
  enforcementLevel: "advisory",
  validateResource: checkAdminLevel,
};

/** Advisory: the clusterResources opt-in is explicit and narrow (rbac-no-cluster-wide-agent-write checks its contents). */
export const clusterResources: ResourceValidationPolicy = {
  name: "rbac-cluster-resources",
  description: "Flags the clusterResources opt-in: cluster-scoped kinds (e.g. CRDs) the agent may write.",
  enforcementLevel: "advisory",
  validateResource: checkClusterResources,
};

export const policies: ResourceValidationPolicy[] = [
  noWildcards,
  noAdminBindings,
  noClusterWideAgentWrite,
  noUnaskedSecretRead,
  noEscalationPaths,
  noBroadImpersonation,
  adminLevel,
  clusterResources,
  impersonation,
  namespacePodSecurity,
  redisTlsAndAuth,
];
