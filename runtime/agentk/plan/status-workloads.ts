/**
 * kstatus' rules for the workload controllers: replica counts in .status
 * against .spec, first shortfall wins, with kstatus' messages.
 */
import { intAt, stringAt, valueAt } from "./fields";
import { conditionsOf, current, failed, hasCondition, inProgress, type KindRule, type StatusResult } from "./status-result";

/** The first check that holds, as InProgress with its message. */
function firstShortfall(checks: readonly (readonly [holds: boolean, message: string])[]): StatusResult | undefined {
  const hit = checks.find(([holds]) => holds);
  return hit === undefined ? undefined : inProgress(hit[1]);
}

/** The replica counts Deployment, StatefulSet and ReplicaSet report, with kstatus' defaults. */
function replicaCounts(live: unknown) {
  const counted = (field: string) => intAt(live, ["status", field], 0);
  return {
    // The controllers' default when spec.replicas is not set.
    spec: intAt(live, ["spec", "replicas"], 1),
    replicas: counted("replicas"),
    ready: counted("readyReplicas"),
    available: counted("availableReplicas"),
    updated: counted("updatedReplicas"),
    current: counted("currentReplicas"),
    labelled: counted("fullyLabeledReplicas"),
  };
}

/** The controller's "no deadline" value for spec.progressDeadlineSeconds (math.MaxInt32). */
const NO_PROGRESS_DEADLINE = 2 ** 31 - 1;

export const deploymentStatus: KindRule = (live) => {
  // Without a progress deadline the controller never sets Progressing: count it as progressing.
  let progressing = intAt(live, ["spec", "progressDeadlineSeconds"], NO_PROGRESS_DEADLINE) === NO_PROGRESS_DEADLINE;
  let available = false;
  for (const c of conditionsOf(live)) {
    if (c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded") return failed("Progress deadline exceeded");
    if (c.type === "Progressing" && c.status === "True" && c.reason === "NewReplicaSetAvailable") progressing = true;
    if (c.type === "Available" && c.status === "True") available = true;
  }
  const { spec, replicas, updated, ready, available: availableReplicas } = replicaCounts(live);
  return (
    firstShortfall([
      [spec > replicas, `Replicas: ${replicas}/${spec}`],
      [spec > updated, `Updated: ${updated}/${spec}`],
      [replicas > spec, `Pending termination: ${replicas - spec}`],
      [updated > availableReplicas, `Available: ${availableReplicas}/${updated}`],
      [spec > ready, `Ready: ${ready}/${spec}`],
      [!progressing, "ReplicaSet not Available"],
      [!available, "Deployment not Available"],
    ]) ?? current(`Deployment is available. Replicas: ${replicas}`)
  );
};

/** StatefulSet sets no conditions: only the counts and revisions tell. */
export const statefulSetStatus: KindRule = (live) => {
  if (stringAt(live, ["spec", "updateStrategy", "type"], "") === "OnDelete") {
    return current("StatefulSet is using the ondelete update strategy");
  }
  const { spec, replicas, ready, current: currentReplicas, updated } = replicaCounts(live);
  const partition = intAt(live, ["spec", "updateStrategy", "rollingUpdate", "partition"], -1);
  const counts = firstShortfall([
    [spec > replicas, `Replicas: ${replicas}/${spec}`],
    [spec > ready, `Ready: ${ready}/${spec}`],
    [replicas > spec, `Pending termination: ${replicas - spec}`],
  ]);
  if (counts !== undefined) return counts;
  if (partition !== -1) {
    if (updated < spec - partition) return inProgress(`updated: ${updated}/${spec - partition}`);
    return current(`Partition rollout complete. updated: ${updated}`);
  }
  const revisionsDiffer = stringAt(live, ["status", "currentRevision"], "") !== stringAt(live, ["status", "updateRevision"], "");
  return (
    firstShortfall([
      [spec > currentReplicas, `current: ${currentReplicas}/${spec}`],
      [revisionsDiffer, "Waiting for updated revision to match current"],
    ]) ?? current(`All replicas scheduled as expected. Replicas: ${replicas}`)
  );
};

export const replicaSetStatus: KindRule = (live) => {
  if (hasCondition(live, "ReplicaFailure", "True")) return inProgress("Replica Failure condition. Check Pods");
  const { spec, replicas, ready, available: availableReplicas, labelled } = replicaCounts(live);
  return (
    firstShortfall([
      [spec > labelled, `Labelled: ${labelled}/${spec}`],
      [spec > availableReplicas, `Available: ${availableReplicas}/${spec}`],
      [spec > ready, `Ready: ${ready}/${spec}`],
      [replicas > spec, `Pending termination: ${replicas - spec}`],
    ]) ?? current(`ReplicaSet is available. Replicas: ${replicas}`)
  );
};

/**
 * The generic check skips unset generations; a DaemonSet the controller has
 * seen always has both, so their absence means "not observed yet".
 */
export const daemonSetStatus: KindRule = (live) => {
  const kind = stringAt(live, ["kind"], "DaemonSet");
  if (typeof valueAt(live, ["metadata", "generation"]) !== "number") return inProgress(`${kind} metadata.generation not found`);
  if (typeof valueAt(live, ["status", "observedGeneration"]) !== "number") return inProgress(`${kind} status.observedGeneration not found`);
  const desired = intAt(live, ["status", "desiredNumberScheduled"], -1);
  if (desired === -1) return inProgress("Missing .status.desiredNumberScheduled");
  const scheduled = intAt(live, ["status", "currentNumberScheduled"], 0);
  const updated = intAt(live, ["status", "updatedNumberScheduled"], 0);
  const availableNumber = intAt(live, ["status", "numberAvailable"], 0);
  const ready = intAt(live, ["status", "numberReady"], 0);
  return (
    firstShortfall([
      [desired > scheduled, `Current: ${scheduled}/${desired}`],
      [desired > updated, `Updated: ${updated}/${desired}`],
      [desired > availableNumber, `Available: ${availableNumber}/${desired}`],
      [desired > ready, `Ready: ${ready}/${desired}`],
    ]) ?? current(`All replicas scheduled as expected. Replicas: ${desired}`)
  );
};
