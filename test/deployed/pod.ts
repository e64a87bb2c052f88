/**
 * The pod a Deployment's controllers created: the Deployment's newest
 * ReplicaSet (its revision) and that ReplicaSet's pod. KWOK marks it Running;
 * the runner starts the process it only pretends to run. Reading the Pod, not
 * the template, gives what admission added (the ServiceAccount token volume,
 * defaults) exactly as the apiserver stored it.
 */
import { apiJson, type ApiCredentials } from "../cluster";
import { list, obj, str, UnsupportedField, type Obj } from "./fields";

const REVISION = "deployment.kubernetes.io/revision";

/** The pod to run: the only one, or (`replica` given) the replica-th of the newest ReplicaSet's pods by name. */
export async function deploymentPod(admin: ApiCredentials, namespace: string, name: string, timeoutMs: number, replica?: number): Promise<Obj> {
  const where = `Deployment ${namespace}/${name}`;
  const deadline = Date.now() + timeoutMs;
  let last = "not read yet";
  for (;;) {
    const deployment = await apiJson<Obj>(admin, "GET", `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
    const spec = obj(deployment.spec);
    const replicas = Number(spec.replicas);
    if (replica === undefined && replicas !== 1) throw new UnsupportedField(`${where} spec.replicas`, `is ${String(spec.replicas)}; the runner runs exactly one replica unless told which (pods share the host's ports)`);
    if (replica !== undefined && !(Number.isInteger(replica) && replica >= 0 && replica < replicas)) throw new Error(`${where}: replica ${replica} asked for, spec.replicas is ${String(spec.replicas)}`);
    const selector = obj(spec.selector);
    if (list(selector.matchExpressions).length > 0) throw new UnsupportedField(`${where} spec.selector.matchExpressions`, "only matchLabels is supported");
    const labelSelector = Object.entries(obj(selector.matchLabels)).map(([k, v]) => `${k}=${String(v)}`).join(",");
    const revision = str(obj(obj(deployment.metadata).annotations)[REVISION]);
    const uid = str(obj(deployment.metadata).uid);
    const q = `?labelSelector=${encodeURIComponent(labelSelector)}`;
    const sets = list((await apiJson<Obj>(admin, "GET", `/apis/apps/v1/namespaces/${namespace}/replicasets${q}`)).items);
    const rs = sets.find((s) => ownedBy(s, uid) && str(obj(obj(s.metadata).annotations)[REVISION]) === revision);
    if (revision === undefined || rs === undefined) last = `no ReplicaSet of revision ${String(revision)} yet`;
    else {
      const pods = list((await apiJson<Obj>(admin, "GET", `/api/v1/namespaces/${namespace}/pods${q}`)).items);
      const own = pods.filter((p) => ownedBy(p, str(obj(rs.metadata).uid)) && obj(p.metadata).deletionTimestamp === undefined);
      const names = own.map((p) => String(obj(p.metadata).name)).sort();
      // With several replicas, wait for all of them: the order by name is stable only then.
      const pod = own.length >= (replica === undefined ? 1 : replicas) ? own.find((p) => obj(p.metadata).name === names[replica ?? 0]) : undefined;
      if (pod) return pod;
      const failure = list(obj(rs.status).conditions).find((c) => c.type === "ReplicaFailure");
      last = failure ? `ReplicaSet ${String(obj(rs.metadata).name)}: ${String(failure.message)}` : `ReplicaSet ${String(obj(rs.metadata).name)} has ${own.length} of its pods yet`;
    }
    if (Date.now() > deadline) throw new Error(`${where}: no pod to run after ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function ownedBy(o: Obj, uid: string | undefined): boolean {
  return uid !== undefined && list(obj(o.metadata).ownerReferences).some((r) => r.uid === uid && r.controller === true);
}
