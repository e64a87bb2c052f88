/**
 * Advisory: a Namespace the stack creates that enforces no Pod Security, or
 * `privileged`, lets any commit the agent applies there run a privileged Pod
 * with the node's filesystem mounted. Allowed (a namespace may need it), but
 * said in every preview so a reviewer sees it.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { record } from "./props";

export const NAMESPACE = "kubernetes:core/v1:Namespace";
const ENFORCE = "pod-security.kubernetes.io/enforce";


function checkPodSecurity(args: ResourceValidationArgs, report: ReportViolation): void {
  if (args.type !== NAMESPACE) return;
  const meta = record(args.props.metadata);
  const name = typeof meta.name === "string" ? meta.name : `(Pulumi resource ${args.name})`;
  const level = record(meta.labels)[ENFORCE];
  if (level === undefined) {
    report(`Namespace ${name} has no ${ENFORCE} label, so Pods there are not checked at all: set podSecurity for it in the stack config (restricted unless a workload needs less).`);
  } else if (level === "privileged") {
    report(`Namespace ${name} enforces Pod Security "privileged": a commit may run privileged Pods with host mounts there. Keep it only if a workload needs it; otherwise podSecurity: baseline or restricted.`);
  }
}

export const namespacePodSecurity: ResourceValidationPolicy = {
  name: "namespace-pod-security",
  description: "Advisory: Namespaces enforce a Pod Security level other than privileged (restricted unless asked otherwise).",
  enforcementLevel: "advisory",
  validateResource: checkPodSecurity,
};
