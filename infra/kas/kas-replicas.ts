/**
 * What running kas as several replicas adds to its workload (pure): each pod
 * learns its private API URL from its own IP (downward API), mounts the
 * Redis password and the private API secret, and the scheduler spreads the
 * pods over nodes (and zones); a PodDisruptionBudget keeps all but one up
 * through a node drain. The private API port is on the pod only, never on
 * the Service: replicas dial each other's pod IPs, and a NetworkPolicy lets
 * only kas's own pods reach it.
 */
import { kasSelector, type Manifest } from "../../runtime/common/deploy";
import { KAS_PRIVATE_API_MOUNT, KAS_PRIVATE_API_PORT, KAS_REDIS_MOUNT, OWN_PRIVATE_API_URL_ENV } from "./kas-replicas-config";

export interface KasReplicaPodOptions<V = never> {
  readonly replicas: number;
  /** Also spread over topology.kubernetes.io/zone (clusters whose nodes carry it, such as EKS). */
  readonly spreadAcrossZones: boolean;
  /** The Secret and key holding the Redis password, mounted as `password` at KAS_REDIS_MOUNT; none without a password. */
  readonly redisPassword?: { readonly secretName: string | V; readonly key: string };
  /** The Secret holding the private API's shared secret (key `secret`). */
  readonly privateApiSecretName: string | V;
}

type Obj = Record<string, unknown>;

/** Pod spreading: ScheduleAnyway, so a cluster with fewer nodes (or zones) than replicas still runs them all. */
export function kasSpread(name: string, zones: boolean): Obj[] {
  const keys = ["kubernetes.io/hostname", ...(zones ? ["topology.kubernetes.io/zone"] : [])];
  return keys.map((topologyKey) => ({ maxSkew: 1, topologyKey, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { ...kasSelector(name) } } }));
}

/** The kas Deployment (runtime/common/deploy kasDeployment) with what replicas need; a new object, the input untouched. */
export function withReplicaPods<V>(deployment: Manifest, name: string, o: KasReplicaPodOptions<V>): Manifest {
  const spec = deployment.spec as Obj;
  const template = spec.template as Obj;
  const pod = template.spec as Obj;
  const [kas, ...others] = pod.containers as Obj[];
  const container: Obj = {
    ...kas,
    env: [
      ...((kas!.env as Obj[] | undefined) ?? []),
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      // Kubernetes expands $(POD_IP) from the variable above.
      { name: OWN_PRIVATE_API_URL_ENV, value: `grpc://$(POD_IP):${KAS_PRIVATE_API_PORT}` },
    ],
    ports: [...(kas!.ports as Obj[]), { name: "private-api", containerPort: KAS_PRIVATE_API_PORT }],
    volumeMounts: [
      ...(kas!.volumeMounts as Obj[]),
      ...(o.redisPassword ? [{ name: "redis", mountPath: KAS_REDIS_MOUNT, readOnly: true }] : []),
      { name: "private-api", mountPath: KAS_PRIVATE_API_MOUNT, readOnly: true },
    ],
  };
  const volumes = [
    ...(pod.volumes as Obj[]),
    ...(o.redisPassword ? [{ name: "redis", secret: { secretName: o.redisPassword.secretName, items: [{ key: o.redisPassword.key, path: "password" }] } }] : []),
    { name: "private-api", secret: { secretName: o.privateApiSecretName } },
  ];
  const spread = o.replicas > 1 ? { topologySpreadConstraints: kasSpread(name, o.spreadAcrossZones) } : {};
  return {
    ...deployment,
    spec: { ...spec, replicas: o.replicas, template: { ...template, spec: { ...pod, containers: [container, ...others], volumes, ...spread } } },
  };
}

/** Voluntary disruptions (drains, upgrades) take one replica at a time; none for a single replica, which a budget would only block. */
export function kasDisruptionBudget<V>(name: string, namespace: string | V, replicas: number): Manifest | undefined {
  if (replicas <= 1) return undefined;
  const labels = kasSelector(name);
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name, namespace, labels: { ...labels } },
    spec: { maxUnavailable: 1, selector: { matchLabels: { ...labels } } },
  };
}

/**
 * Ingress to kas's pods: the private API (kas-to-kas) from kas's own pods
 * only; every other port of the pod (`openPorts`: the agent listeners, the
 * webhook, the APIs, metrics and probes) from anywhere, as without the policy
 * (a policy selecting a pod denies whatever no rule allows). Enforced by
 * clusters whose network plugin implements NetworkPolicy.
 */
export function kasPrivateApiPolicy<V>(name: string, namespace: string | V, openPorts: readonly number[]): Manifest {
  const labels = kasSelector(name);
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `${name}-private-api`, namespace, labels: { ...labels } },
    spec: {
      podSelector: { matchLabels: { ...labels } },
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ podSelector: { matchLabels: { ...labels } } }], ports: [{ protocol: "TCP", port: KAS_PRIVATE_API_PORT }] },
        { ports: openPorts.filter((p) => p !== KAS_PRIVATE_API_PORT).map((port) => ({ protocol: "TCP", port })) },
      ],
    },
  };
}
