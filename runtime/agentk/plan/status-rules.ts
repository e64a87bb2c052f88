/**
 * kstatus' rules for built-in kinds (pkg/kstatus/status/core.go), plus
 * Namespace. Workload controllers (Deployment & co.) are in status-workloads.ts.
 */
import { intAt, stringAt, valueAt } from "./fields";
import { conditionsOf, current, failed, hasCondition, inProgress, type KindRule } from "./status-result";
import { daemonSetStatus, deploymentStatus, replicaSetStatus, statefulSetStatus } from "./status-workloads";

const alwaysReady: KindRule = () => current("Resource is always ready");

/** How long a Pod may stay unscheduled before it is Failed (kstatus' ScheduleWindow). */
export const SCHEDULE_WINDOW_MS = 15_000;

const podStatus: KindRule = (live, options) => {
  const phase = stringAt(live, ["status", "phase"], "");
  switch (phase) {
    case "Succeeded":
      return current("Pod has completed successfully");
    case "Failed":
      return current("Pod has completed, but not successfully");
    case "Running": {
      if (hasCondition(live, "Ready", "True")) return current("Pod is Ready");
      const crashing = crashLoopingContainers(live);
      if (crashing.length > 0) return failed(`Containers in CrashLoop state: ${crashing.join(",")}`);
      return inProgress("Pod is running but is not Ready");
    }
    case "Pending": {
      const unschedulable = conditionsOf(live).some((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable");
      if (!unschedulable) return inProgress("Pod is in the Pending phase");
      const created = Date.parse(stringAt(live, ["metadata", "creationTimestamp"], ""));
      const inWindow = options.now !== undefined && Number.isFinite(created) && options.now - SCHEDULE_WINDOW_MS < created;
      return inWindow ? inProgress("Pod has not been scheduled") : failed("Pod could not be scheduled");
    }
    case "":
      return inProgress("Pod phase not available");
    default:
      return { status: "Unknown", message: `unknown phase ${phase}` };
  }
};

function crashLoopingContainers(live: unknown): string[] {
  const statuses = valueAt(live, ["status", "containerStatuses"]);
  if (!Array.isArray(statuses)) return [];
  return statuses
    .filter((cs) => stringAt(cs, ["state", "waiting", "reason"], "") === "CrashLoopBackOff")
    .map((cs) => stringAt(cs, ["name"], ""))
    .filter((name) => name !== "");
}

const pvcStatus: KindRule = (live) => {
  const phase = stringAt(live, ["status", "phase"], "unknown");
  return phase === "Bound" ? current("PVC is Bound") : inProgress(`PVC is not Bound. phase: ${phase}`);
};

/**
 * kstatus waits for a cluster IP only, not for a load balancer's ingress: a
 * cluster without a load-balancer controller (kind, KWOK) would never be Current.
 */
const serviceStatus: KindRule = (live) => {
  const type = stringAt(live, ["spec", "type"], "ClusterIP");
  if (type === "LoadBalancer" && stringAt(live, ["spec", "clusterIP"], "") === "") {
    return inProgress("ClusterIP not set. Service type: LoadBalancer");
  }
  return current("Service is ready");
};

const jobStatus: KindRule = (live) => {
  const parallelism = intAt(live, ["spec", "parallelism"], 1);
  const completions = intAt(live, ["spec", "completions"], parallelism);
  const succeeded = intAt(live, ["status", "succeeded"], 0);
  const active = intAt(live, ["status", "active"], 0);
  const failedPods = intAt(live, ["status", "failed"], 0);
  for (const c of conditionsOf(live)) {
    if (c.status !== "True") continue;
    if (c.type === "Complete") return current(`Job Completed. succeeded: ${succeeded}/${completions}`);
    if (c.type === "Failed") return failed(`Job Failed. failed: ${failedPods}/${completions}`);
    if (c.type === "Suspended") return current("Job is suspended");
  }
  if (stringAt(live, ["status", "startTime"], "") === "") return inProgress("Job not started");
  return current(`Job in progress. success:${succeeded}, active: ${active}, failed: ${failedPods}`);
};

const crdStatus: KindRule = (live) => {
  for (const c of conditionsOf(live)) {
    if (c.type === "NamesAccepted" && c.status === "False") return failed(c.message);
    if (c.type === "Established") {
      if (c.status === "False" && c.reason !== "Installing") return failed(c.message);
      if (c.status === "True") return current("CRD is established");
    }
  }
  return inProgress("Install in progress");
};

/** Not in kstatus (which says "Resource is current"): a Namespace being emptied is Terminating. */
const namespaceStatus: KindRule = (live) => {
  const phase = stringAt(live, ["status", "phase"], "Active");
  if (phase === "Terminating") return { status: "Terminating", message: "Namespace is terminating" };
  return current(phase === "Active" ? "Namespace is active" : `Namespace phase: ${phase}`);
};

/** Keyed as kstatus' legacyTypes: `<group>/<kind>`, or the kind alone for the core group. */
export const KIND_RULES: ReadonlyMap<string, KindRule> = new Map<string, KindRule>([
  ["Service", serviceStatus],
  ["Pod", podStatus],
  ["Secret", alwaysReady],
  ["ConfigMap", alwaysReady],
  ["Namespace", namespaceStatus],
  ["PersistentVolumeClaim", pvcStatus],
  ["apps/StatefulSet", statefulSetStatus],
  ["apps/DaemonSet", daemonSetStatus],
  ["extensions/DaemonSet", daemonSetStatus],
  ["apps/Deployment", deploymentStatus],
  ["extensions/Deployment", deploymentStatus],
  ["apps/ReplicaSet", replicaSetStatus],
  ["extensions/ReplicaSet", replicaSetStatus],
  ["policy/PodDisruptionBudget", () => current("AllowedDisruptions has been computed.")],
  ["batch/CronJob", alwaysReady],
  ["batch/Job", jobStatus],
  ["apiextensions.k8s.io/CustomResourceDefinition", crdStatus],
]);
