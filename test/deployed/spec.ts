/**
 * The pod spec the runner accepts: what it emulates, what only schedules or
 * pulls (no effect on a local process), and nothing else. Returns the one
 * container with its effective user and restrictions.
 */
import { list, num, obj, onlyKeys, onlyValues, str, UnsupportedField, type Obj } from "./fields";

/** Fields a kubelet would honour that only place or pull the pod: nothing to do for a local process. */
const SCHEDULING = ["nodeName", "nodeSelector", "affinity", "tolerations", "schedulerName", "priority", "priorityClassName", "preemptionPolicy", "topologySpreadConstraints", "imagePullSecrets"];
const POD_KEYS = [...SCHEDULING, "containers", "volumes", "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "securityContext", "restartPolicy", "terminationGracePeriodSeconds", "dnsPolicy", "enableServiceLinks"];
/** Accepted and not enforced (README): seccomp, resource limits. */
const POD_SECURITY_KEYS = ["runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile", "supplementalGroups"];
const CONTAINER_KEYS = ["name", "image", "command", "args", "workingDir", "ports", "env", "envFrom", "resources", "volumeMounts", "livenessProbe", "readinessProbe", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext"];
const CONTAINER_SECURITY_KEYS = ["runAsUser", "runAsGroup", "runAsNonRoot", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "capabilities", "seccompProfile", "privileged"];

export interface ContainerRun {
  readonly container: Obj;
  /** Where errors point: `Pod ns/name spec.containers[0] (kas)`. */
  readonly where: string;
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
  readonly noNewPrivs: boolean;
  readonly dropAllCaps: boolean;
  readonly readOnlyRoot: boolean;
}

/** `imageOf` gives the container's image (for its USER), or throws naming `where`.image. */
export function checkPodSpec<I extends { readonly user: { readonly uid: number; readonly gid: number } }>(pod: Obj, imageOf: (ref: unknown, where: string) => I): ContainerRun & { readonly image: I } {
  const meta = obj(pod.metadata);
  const podWhere = `Pod ${String(meta.namespace)}/${String(meta.name)} spec`;
  const spec = obj(pod.spec);
  if (list(spec.initContainers).length > 0) throw new UnsupportedField(`${podWhere}.initContainers`, "init containers are not run");
  onlyKeys(spec, podWhere, POD_KEYS);
  onlyValues(spec, podWhere, "restartPolicy", ["Always"]);
  onlyValues(spec, podWhere, "dnsPolicy", ["ClusterFirst"]);
  const containers = list(spec.containers);
  if (containers.length !== 1) throw new UnsupportedField(`${podWhere}.containers`, `has ${containers.length} containers; the runner runs exactly one`);
  const container = containers[0]!;
  const where = `${podWhere}.containers[0] (${String(container.name)})`;
  onlyKeys(container, where, CONTAINER_KEYS);
  const image = imageOf(container.image, where);
  onlyValues(container, where, "terminationMessagePolicy", ["File"]);
  const podSec = obj(spec.securityContext);
  onlyKeys(podSec, `${podWhere}.securityContext`, POD_SECURITY_KEYS);
  const sec = obj(container.securityContext);
  onlyKeys(sec, `${where}.securityContext`, CONTAINER_SECURITY_KEYS);
  const caps = obj(sec.capabilities);
  onlyKeys(caps, `${where}.securityContext.capabilities`, ["drop"]);
  const uid = num(sec.runAsUser) ?? num(podSec.runAsUser) ?? image.user.uid;
  const gid = num(sec.runAsGroup) ?? num(podSec.runAsGroup) ?? image.user.gid;
  const nonRoot = (sec.runAsNonRoot ?? podSec.runAsNonRoot) === true;
  // The kubelet refuses to start such a container (CreateContainerConfigError).
  if (nonRoot && uid === 0) throw new Error(`${where}: runAsNonRoot is true but the container would run as uid 0`);
  for (const [i, p] of list(container.ports).entries()) {
    onlyKeys(p, `${where}.ports[${i}]`, ["name", "containerPort", "protocol"]);
    onlyValues(p, `${where}.ports[${i}]`, "protocol", ["TCP"]);
  }
  return {
    container,
    image,
    where,
    uid,
    gid,
    groups: Array.isArray(podSec.supplementalGroups) ? podSec.supplementalGroups.filter((g): g is number => typeof g === "number") : [],
    noNewPrivs: sec.allowPrivilegeEscalation === false,
    dropAllCaps: Array.isArray(caps.drop) && caps.drop.includes("ALL"),
    readOnlyRoot: sec.readOnlyRootFilesystem === true,
  };
}

/** The container's ports by name (named probe ports and Service targetPorts resolve through them). */
export function containerPorts(container: Obj): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of list(container.ports)) {
    const name = str(p.name);
    const port = num(p.containerPort);
    if (name !== undefined && port !== undefined) out.set(name, port);
  }
  return out;
}

/** A port as a probe or a Service's targetPort gives it: a number, or a name among the container's ports. */
export function resolvePort(port: unknown, ports: ReadonlyMap<string, number>, where: string): number {
  if (typeof port === "number") return port;
  const n = typeof port === "string" ? ports.get(port) : undefined;
  if (n === undefined) throw new Error(`${where}: port ${JSON.stringify(port)} is not a number nor the name of one of the container's ports (${[...ports.keys()].join(", ") || "none"})`);
  return n;
}
