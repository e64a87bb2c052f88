/**
 * Step 7: is an applied object ready? kstatus' rules
 * (sigs.k8s.io/cli-utils/pkg/kstatus/status, Compute): generic checks first
 * (deletion, observed generation, the Reconciling/Stalled conditions), then the
 * rule of a built-in kind, else Current. Messages are kstatus' own, so that
 * logs read like GitLab's agentk.
 */
import { isRecord, stringAt, valueAt, type UnknownRecord } from "./fields";
import { splitApiVersion } from "./parse";
import { conditionsOf, current, inProgress, type StatusOptions, type StatusResult } from "./status-result";
import { KIND_RULES } from "./status-rules";

export type { KStatus, StatusOptions, StatusResult } from "./status-result";

/**
 * The status of a live object as read from the API server (status included).
 * `options.now` (ms since the epoch) only matters for a Pod the scheduler
 * could not place: within 15 s of its creation it is InProgress, then Failed;
 * without `now` it is Failed at once.
 */
export function computeStatus(live: unknown, options: StatusOptions = {}): StatusResult {
  if (!isRecord(live)) return { status: "Unknown", message: "not a Kubernetes object" };
  const generic = genericStatus(live);
  if (generic !== undefined) return generic;
  const group = splitApiVersion(stringAt(live, ["apiVersion"], ""))?.group ?? "";
  const kind = stringAt(live, ["kind"], "");
  const rule = KIND_RULES.get(group === "" ? kind : `${group}/${kind}`);
  if (rule !== undefined) return rule(live, options);
  return readyFalse(live) ?? current("Resource is current");
}

/** kstatus' checkGenericProperties. */
function genericStatus(live: UnknownRecord): StatusResult | undefined {
  if (stringAt(live, ["metadata", "deletionTimestamp"], "") !== "") {
    return { status: "Terminating", message: "Resource scheduled for deletion" };
  }
  const generation = valueAt(live, ["metadata", "generation"]);
  const observed = valueAt(live, ["status", "observedGeneration"]);
  if (typeof generation === "number" && typeof observed === "number" && generation !== observed) {
    const kind = stringAt(live, ["kind"], "");
    return inProgress(`${kind} generation is ${generation}, but latest observed generation is ${observed}`);
  }
  for (const c of conditionsOf(live)) {
    if (c.type === "Reconciling" && c.status === "True") return inProgress(c.message);
    if (c.type === "Stalled" && c.status === "True") return { status: "Failed", message: c.message };
  }
  return undefined;
}

/**
 * Beyond kstatus: a custom resource whose Ready condition is False (Flux, Crossplane,
 * cert-manager...) is not Current yet. Only for kinds without a rule of their
 * own: a Pod that ran to completion has Ready=False and is done.
 */
function readyFalse(live: UnknownRecord): StatusResult | undefined {
  const ready = conditionsOf(live).find((c) => c.type === "Ready");
  if (ready?.status !== "False") return undefined;
  return inProgress(ready.message || `Ready condition is False${ready.reason ? ` (${ready.reason})` : ""}`);
}

