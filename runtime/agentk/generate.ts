import { stringify } from "yaml";
import { agentSelfRules, agentStateObjects, DEFAULT_POD_SECURITY, namespaceRules, podSecurityLabels, type PodSecurityLevel, type PolicyRule } from "../common";

export interface GenerateOptions {
  readonly agentToken: string;
  readonly kasAddress: string;
  /** The agent's own namespace. */
  readonly namespace: string;
  /** Namespaces the agent may write (least-privilege Roles); none = only its own. */
  readonly writeNamespaces: readonly string[];
  readonly name?: string;
  readonly image?: string;
  readonly replicas?: number;
  /** Pod Security level the created Namespaces enforce (also warn and audit). Default `restricted`. */
  readonly podSecurity?: PodSecurityLevel;
}

type Obj = Record<string, unknown>;

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
  const name = o.name ?? "agentk";
  const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "agentk" };
  const namespaces = [o.namespace, ...o.writeNamespaces.filter((n) => n !== o.namespace)];
  return [
    ...namespaces.map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n, labels: podSecurityLabels(o.podSecurity ?? DEFAULT_POD_SECURITY) } })),
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: o.namespace } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: `${name}-token`, namespace: o.namespace }, type: "Opaque", stringData: { token: o.agentToken } },
    ...rbacObjects(o.namespace, name, o.writeNamespaces),
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: o.namespace, labels },
      spec: {
        replicas: o.replicas ?? 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "agentk",
                image: o.image ?? "gitops-agent:latest",
                args: ["agentk", `--kas-address=${o.kasAddress}`, "--token-file=/etc/agentk/secret/token", "--observability-listen-address=:8080"],
                env: [
                  { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                ],
                ports: [{ name: "observability", containerPort: 8080 }],
                livenessProbe: { httpGet: { path: "/liveness", port: "observability" }, initialDelaySeconds: 15, periodSeconds: 20 },
                readinessProbe: { httpGet: { path: "/readiness", port: "observability" }, periodSeconds: 10 },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                volumeMounts: [{ name: "token", mountPath: "/etc/agentk/secret", readOnly: true }],
              },
            ],
            volumes: [{ name: "token", secret: { secretName: `${name}-token` } }],
          },
        },
      },
    },
  ];
}

/** Plain YAML, one document per object: objects that share a value (the Deployment's labels) are written out, not as `&a1`/`*a1`. */
export function renderYaml(objects: readonly Obj[]): string {
  return objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join("---\n");
}
