import { stringify } from "yaml";
import { agentSelfRules, agentStateObjects, DEFAULT_POD_SECURITY, namespaceRules, podSecurityLabels, type PodSecurityLevel, type PolicyRule } from "../common";
import {
  agentkArgs,
  agentkDeployment,
  agentkNames,
  agentkSecret,
  agentkSelector,
  agentkServiceAccount,
  credentialsDigest,
  DEFAULT_AGENTK_IMAGE,
  DEFAULT_AGENTK_REPLICAS,
  DEFAULT_AGENTK_RESOURCES,
} from "../common/deploy";

export interface GenerateOptions {
  readonly agentToken: string;
  readonly kasAddress: string;
  /** The agent's own namespace. */
  readonly namespace: string;
  /** Namespaces the agent may write (least-privilege Roles); none = only its own. */
  readonly writeNamespaces: readonly string[];
  /** The agent's name: its ServiceAccount, Deployment and Secret (`<name>-token`), and so its Lease and inventory. Default `agentk`. */
  readonly name?: string;
  readonly image?: string;
  /** PEM CA bundle to verify kas's TLS certificate (grpcs:// or wss://): stored in the Secret, passed as `--ca-cert-file`. */
  readonly caCert?: string;
  readonly replicas?: number;
  /** Pod Security level the created Namespaces enforce (also warn and audit). Default `restricted`. */
  readonly podSecurity?: PodSecurityLevel;
}

type Obj = Record<string, unknown>;

/** The agent name when `--name` is not given. */
export const DEFAULT_GENERATE_NAME = "agentk";

const role = (name: string, namespace: string, rules: readonly PolicyRule[]): Obj => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "Role",
  metadata: { name, namespace },
  rules,
});
const binding = (name: string, namespace: string, sa: string, saNamespace: string): Obj => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  metadata: { name, namespace },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
  subjects: [{ kind: "ServiceAccount", name: sa, namespace: saNamespace }],
});

/**
 * The agent's RBAC alone: its own Lease and inventory ConfigMap (created here,
 * since its Role may only get, update and patch them by name), the Role for
 * them, and write Roles; no cluster-wide rights.
 */
export function rbacObjects(namespace: string, serviceAccount: string, writeNamespaces: readonly string[]): Obj[] {
  const out: Obj[] = [
    ...agentStateObjects(namespace, serviceAccount),
    role(`${serviceAccount}-self`, namespace, agentSelfRules(serviceAccount)),
    binding(`${serviceAccount}-self`, namespace, serviceAccount, namespace),
  ];
  for (const ns of writeNamespaces) {
    out.push(role(`${serviceAccount}-write`, ns, namespaceRules("write")), binding(`${serviceAccount}-write`, ns, serviceAccount, namespace));
  }
  return out;
}

/** Install manifests for agentk, as GitLab's `cli generate` prints them, with least-privilege Roles. */
export function installObjects(o: GenerateOptions): Obj[] {
  const names = agentkNames(o.name ?? DEFAULT_GENERATE_NAME);
  const labels = agentkSelector(names.deployment);
  const namespaces = [o.namespace, ...o.writeNamespaces.filter((n) => n !== o.namespace)];
  return [
    ...namespaces.map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n, labels: podSecurityLabels(o.podSecurity ?? DEFAULT_POD_SECURITY) } })),
    agentkServiceAccount(names.serviceAccount, o.namespace, labels),
    agentkSecret({ name: names.secret, namespace: o.namespace, labels: { ...labels }, token: o.agentToken, caCert: o.caCert }),
    ...rbacObjects(o.namespace, names.serviceAccount, o.writeNamespaces),
    agentkDeployment({
      name: names.deployment,
      namespace: o.namespace,
      serviceAccountName: names.serviceAccount,
      secretName: names.secret,
      image: o.image ?? DEFAULT_AGENTK_IMAGE,
      replicas: o.replicas ?? DEFAULT_AGENTK_REPLICAS,
      args: agentkArgs(o.kasAddress, o.caCert !== undefined),
      credentialsDigest: credentialsDigest(o.agentToken, o.caCert),
      resources: DEFAULT_AGENTK_RESOURCES,
    }),
  ];
}

/** Plain YAML, one document per object: objects that share a value (the Deployment's labels) are written out, not as `&a1`/`*a1`. */
export function renderYaml(objects: readonly Obj[]): string {
  return objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join("---\n");
}
