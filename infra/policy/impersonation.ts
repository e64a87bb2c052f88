/**
 * Impersonation in the policy pack. The pack forbids the `impersonate` verb
 * everywhere but in one object: the agent's impersonation ClusterRole that
 * the stack config asked for (`gitops-agent:agent.impersonation`). It is told
 * apart by everything at once: the `gitops-agent.dev/impersonation` annotation,
 * the agent label, the name `<agent>-impersonate`, creation by the AgentRbac
 * component (its URN's parent type) and contents of nothing but `impersonate`
 * on users, groups, uids and `userextras/<key>`. Its binding must bind exactly
 * that ClusterRole to the agent's ServiceAccount alone. Breadth is judged
 * apart: any group, or a system:* name, is refused (mandatory); the grant
 * itself is flagged in every preview (advisory), any user first.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { EXTRA_KEY } from "../impersonation";
import { AUTHENTICATION_GROUP, IMPERSONATE, USER_EXTRAS } from "../rbac/impersonation";
import { AGENT_LABEL, AGENT_RBAC_TYPE, IMPERSONATION_ANNOTATION } from "../rbac/plan";
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, describeObject, parentTypeOf, record, ROLE, ROLE_BINDING, rulesOf, type RbacPolicyConfig, type Rule } from "./props";

export { IMPERSONATION_ANNOTATION };

type Args = Pick<ResourceValidationArgs, "type" | "props" | "name" | "urn">;

/** What the pack makes of an object marked as an impersonation grant: whose it is, or why it is not one. */
export type Recognition = { readonly agent: string } | { readonly problem: string };

const SUFFIX = "-impersonate";
const isMarked = (props: Record<string, unknown>): boolean => record(record(props.metadata).annotations)[IMPERSONATION_ANNOTATION] === "true";

/** Why a rule is not one the impersonation grant may hold. */
function ruleProblem(rule: Rule, i: number): string | undefined {
  const where = `rule ${i}`;
  if (rule.verbs.length !== 1 || rule.verbs[0] !== IMPERSONATE) return `${where} has verbs ${rule.verbs.join(", ") || "(none)"}, not just ${IMPERSONATE}`;
  if (rule.apiGroups.length !== 1) return `${where} names API groups ${rule.apiGroups.join(", ") || "(none)"}, not exactly one`;
  const allowed = rule.apiGroups[0] === "" ? (r: string) => r === "users" || r === "groups"
    : rule.apiGroups[0] === AUTHENTICATION_GROUP ? (r: string) => r === "uids" || (r.startsWith(`${USER_EXTRAS}/`) && EXTRA_KEY.test(r.slice(USER_EXTRAS.length + 1)))
      : undefined;
  if (!allowed) return `${where} is in API group ${rule.apiGroups[0]}, not the core group or ${AUTHENTICATION_GROUP}`;
  const other = rule.resources.length === 0 ? "(none)" : rule.resources.find((r) => !allowed(r));
  return other === undefined ? undefined : `${where} names ${other}, not only users, groups, uids or ${USER_EXTRAS}/<key>`;
}

/** The agent name if the object is labelled, named and created as the agent's impersonation grant; else why not. */
function identity(args: Args): Recognition {
  const meta = record(args.props.metadata);
  const agent = record(meta.labels)[AGENT_LABEL];
  if (typeof agent !== "string" || agent === "") return { problem: `it has no ${AGENT_LABEL} label` };
  if (meta.name !== `${agent}${SUFFIX}`) return { problem: `it is not named ${agent}${SUFFIX}` };
  const parent = parentTypeOf(args.urn);
  if (parent !== AGENT_RBAC_TYPE) return { problem: `it is not created by the ${AGENT_RBAC_TYPE} component (its parent is ${parent ?? "the stack"})` };
  return { agent };
}

/** For a Role or ClusterRole: undefined when it is not marked; else the agent, or why it is not that agent's grant. */
export function impersonationRoleOf(args: Args): Recognition | undefined {
  if (!isMarked(args.props)) return undefined;
  if (args.type !== CLUSTER_ROLE) return { problem: "impersonation is cluster-scoped: only a ClusterRole can be the grant" };
  const who = identity(args);
  if ("problem" in who) return who;
  const rules = rulesOf(args.props);
  if (rules.length === 0) return { problem: "it has no rules" };
  const problem = rules.map(ruleProblem).find((p) => p !== undefined);
  return problem ? { problem } : who;
}

/**
 * For a ClusterRoleBinding: undefined when it is not marked; else the agent, or why it is not that
 * agent's binding (rbac-no-cluster-wide-agent-write also holds its subject to agentServiceAccounts).
 */
export function impersonationBindingOf(args: Args): Recognition | undefined {
  if (!isMarked(args.props)) return undefined;
  if (args.type !== CLUSTER_ROLE_BINDING) return { problem: "only a ClusterRoleBinding can bind the grant" };
  const who = identity(args);
  if ("problem" in who) return who;
  const ref = record(args.props.roleRef);
  if (ref.kind !== "ClusterRole" || ref.name !== `${who.agent}${SUFFIX}`) return { problem: `it does not bind ClusterRole ${who.agent}${SUFFIX}` };
  const subjects = (Array.isArray(args.props.subjects) ? args.props.subjects : []).map(record);
  const [sa] = subjects;
  if (subjects.length !== 1 || sa?.kind !== "ServiceAccount" || sa.name !== who.agent) return { problem: `its subjects are not exactly the agent's ServiceAccount ${who.agent}` };
  return who;
}

const granted = (r: Recognition | undefined): r is { agent: string } => r !== undefined && "agent" in r;
const GRANT = `the AgentRbac component's <agent>${SUFFIX} ClusterRole (gitops-agent:agent.impersonation), with only ${IMPERSONATE} on users, groups, uids and ${USER_EXTRAS}/<key>, bound to the agent's ServiceAccount alone`;

/** The impersonation grant, recognised: the escalation check lets its `impersonate` verb pass. */
export const isImpersonationGrant = (args: Args): boolean =>
  granted(args.type === CLUSTER_ROLE_BINDING ? impersonationBindingOf(args) : impersonationRoleOf(args));

/**
 * Part of rbac-no-escalation-paths: an object marked as the grant that is not it, and a binding
 * of some `<x>-impersonate` ClusterRole that is not the agent's own binding of it.
 */
export function checkImpersonationGrant(args: ResourceValidationArgs, report: ReportViolation): void {
  const found = args.type === ROLE || args.type === CLUSTER_ROLE ? impersonationRoleOf(args) : impersonationBindingOf(args);
  if (found && "problem" in found) {
    report(`${describeObject(args)} is marked ${IMPERSONATION_ANNOTATION}: "true" but ${found.problem}: only ${GRANT} may impersonate.`);
    return;
  }
  if (args.type !== ROLE_BINDING && args.type !== CLUSTER_ROLE_BINDING) return;
  const ref = record(args.props.roleRef);
  if (found === undefined && ref.kind === "ClusterRole" && typeof ref.name === "string" && ref.name.endsWith(SUFFIX)) {
    report(`${describeObject(args)} binds ClusterRole ${ref.name}, an agent's impersonation grant by its name, but is not that agent's own binding of it: only ${GRANT} may impersonate.`);
  }
}

const impersonates = (rule: Rule, resource: string): boolean =>
  (rule.verbs.includes(IMPERSONATE) || rule.verbs.includes("*")) &&
  (rule.apiGroups.includes("") || rule.apiGroups.includes("*")) &&
  (rule.resources.includes(resource) || rule.resources.includes("*"));

const SYSTEM = (name: string): boolean => name.startsWith("system:");

function checkBroad(args: ResourceValidationArgs, report: ReportViolation): void {
  if (args.type !== ROLE && args.type !== CLUSTER_ROLE) return;
  const own = impersonationRoleOf(args);
  const allowed = args.getConfig<RbacPolicyConfig>().allowAnyGroupImpersonation ?? [];
  rulesOf(args.props).forEach((rule, i) => {
    for (const resource of ["groups", "users"] as const) {
      if (!impersonates(rule, resource)) continue;
      const system = (rule.resourceNames ?? []).filter(SYSTEM);
      if (system.length > 0) {
        report(`${describeObject(args)} rule ${i} lets its holder impersonate ${resource} ${system.join(", ")}: system:* identities are Kubernetes' own (system:masters is cluster-admin).`);
      } else if (resource === "groups" && !rule.resourceNames && !(granted(own) && allowed.includes(own.agent))) {
        report(`${describeObject(args)} rule ${i} lets its holder impersonate any group, system:masters included, i.e. act as cluster-admin: name the groups (gitops-agent:agent.impersonation.groups), or, if this agent really must, list it in the policy config allowAnyGroupImpersonation.`);
      }
    }
  });
}

function summary(rules: readonly Rule[], resource: string): string | undefined {
  const matching = rules.filter((r) => r.resources.includes(resource));
  if (matching.length === 0) return undefined;
  if (matching.some((r) => !r.resourceNames)) return `any ${resource.slice(0, -1)}`;
  return `${resource} ${[...new Set(matching.flatMap((r) => r.resourceNames ?? []))].join(", ")}`;
}

function checkGrant(args: ResourceValidationArgs, report: ReportViolation): void {
  if (args.type !== CLUSTER_ROLE || !granted(impersonationRoleOf(args))) return;
  const rules = rulesOf(args.props);
  const users = summary(rules, "users");
  const groups = summary(rules, "groups");
  const extras = rules.flatMap((r) => r.resources.filter((res) => res.startsWith(`${USER_EXTRAS}/`)).map((res) => res.slice(USER_EXTRAS.length + 1)));
  const uids = summary(rules, "uids");
  const whom = [users, groups, uids, extras.length > 0 ? `extra keys ${extras.join(", ")}` : undefined].filter(Boolean).join("; ");
  const anyUser = users === "any user"
    ? " Any user includes every right bound to a user name (system:kube-controller-manager's too): keep the agent's ci_access narrow."
    : "";
  report(`${describeObject(args)} lets the agent impersonate ${whom} (gitops-agent:agent.impersonation): kas's CI/CD tunnel sends requests as these identities.${anyUser}`);
}

export const noBroadImpersonation: ResourceValidationPolicy = {
  name: "rbac-no-broad-impersonation",
  description: "No impersonation of any group (system:masters included) unless allowAnyGroupImpersonation names the agent, and never of a system:* user or group.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: { allowAnyGroupImpersonation: { type: "array", items: { type: "string" }, description: "agents (by name) whose impersonation grant may name no groups" } },
  },
  validateResource: checkBroad,
};

/** Advisory: the stack config asked for it, and whom the agent may become stays visible in every preview. */
export const impersonation: ResourceValidationPolicy = {
  name: "rbac-impersonation",
  description: "Flags the agent's impersonation grant (gitops-agent:agent.impersonation), any user first.",
  enforcementLevel: "advisory",
  validateResource: checkGrant,
};
