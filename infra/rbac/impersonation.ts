/**
 * The `impersonate` rules `gitops-agent:agent.impersonation` asks for: users
 * and groups in the core group, uids and `userextras/<key>` in
 * authentication.k8s.io, as the apiserver's impersonation filter checks them.
 * Listed names become resourceNames; `"*"` has none (any name). Never
 * `serviceaccounts`: the agent does not impersonate ServiceAccounts.
 */
import type { PolicyRule } from "../../runtime/common/rbac-rules";
import { ANY, type ImpersonationConfig, type Names } from "../impersonation";

export const IMPERSONATE = "impersonate";
/** The API group of the uids and userextras impersonation resources. */
export const AUTHENTICATION_GROUP = "authentication.k8s.io";
export const USER_EXTRAS = "userextras";

function rule(apiGroup: string, resources: readonly string[], names: Names): PolicyRule {
  return { apiGroups: [apiGroup], resources: [...resources], verbs: [IMPERSONATE], ...(names === ANY ? {} : { resourceNames: [...names] }) };
}

const some = (names: Names): boolean => names === ANY || names.length > 0;

export function impersonationRules(config: ImpersonationConfig): PolicyRule[] {
  const rules: PolicyRule[] = [];
  if (some(config.users)) rules.push(rule("", ["users"], config.users));
  if (some(config.groups)) rules.push(rule("", ["groups"], config.groups));
  if (some(config.uids)) rules.push(rule(AUTHENTICATION_GROUP, ["uids"], config.uids));
  const keys = Object.keys(config.extras).sort();
  // Keys with any value share one rule; keys with listed values each need their own resourceNames.
  const anyValue = keys.filter((k) => config.extras[k] === ANY);
  if (anyValue.length > 0) rules.push(rule(AUTHENTICATION_GROUP, anyValue.map((k) => `${USER_EXTRAS}/${k}`), ANY));
  for (const key of keys) {
    const values = config.extras[key];
    if (values !== undefined && values !== ANY) rules.push(rule(AUTHENTICATION_GROUP, [`${USER_EXTRAS}/${key}`], values));
  }
  return rules;
}
