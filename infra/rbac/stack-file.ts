import { parseStackConfig, readStackSource } from "../config";
import { EMPTY_PLAN, planRbac, type RbacPlan } from "./plan";

/**
 * The RBAC plan of a `Pulumi.<stack>.yaml` file, without Pulumi. A file with
 * no gitops-agent config (an empty file, e.g. a stack that does not exist yet
 * on the base branch) plans nothing. Throws StackConfigError on invalid config,
 * each problem with its file:line:col.
 */
export function planFromStackFile(path: string): RbacPlan {
  const { raw, source } = readStackSource(path);
  return Object.keys(raw).length === 0 ? EMPTY_PLAN : planRbac(parseStackConfig(raw, source));
}
