/** Manifests and agent configurations the benchmarks commit or apply. */

export type Mix = "configmaps" | "mixed";

/** A ConfigMap with a few realistic keys; `version` changes its data. */
export function configMap(name: string, version: number): string {
  return [
    "apiVersion: v1",
    "kind: ConfigMap",
    "metadata:",
    `  name: ${name}`,
    "  labels: {app.kubernetes.io/part-of: bench}",
    "data:",
    `  version: "${version}"`,
    `  app.properties: |`,
    `    name=${name}`,
    "    log.level=info",
    "    pool.size=16",
    `    feature.flags=a,b,c,${version}`,
    "",
  ].join("\n");
}

/** A Deployment (KWOK runs its pods); `version` changes an annotation, not the pod template (no rollout). */
export function deployment(name: string, version: number, replicas = 1): string {
  return [
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    `  name: ${name}`,
    `  labels: {app: ${name}, app.kubernetes.io/part-of: bench}`,
    `  annotations: {bench/version: "${version}"}`,
    "spec:",
    `  replicas: ${replicas}`,
    `  selector: {matchLabels: {app: ${name}}}`,
    "  template:",
    `    metadata: {labels: {app: ${name}}}`,
    "    spec:",
    "      containers:",
    "      - name: app",
    "        image: nginx:1.27",
    "        ports: [{containerPort: 80}]",
    "        resources: {requests: {cpu: 10m, memory: 16Mi}}",
    "",
  ].join("\n");
}

/** A headless Service (the test cluster's Service CIDR is a /24: ClusterIPs would run out); `version` changes an annotation. */
export function service(name: string, version: number): string {
  return [
    "apiVersion: v1",
    "kind: Service",
    "metadata:",
    `  name: ${name}`,
    `  labels: {app.kubernetes.io/part-of: bench}`,
    `  annotations: {bench/version: "${version}"}`,
    "spec:",
    "  clusterIP: None",
    `  selector: {app: ${name}}`,
    "  ports: [{name: http, port: 80, targetPort: 80}]",
    "",
  ].join("\n");
}

/**
 * `count` objects named by kind and index, one file each or `perFile` to a
 * file (multi-document YAML; kas serves at most 1000 files, as GitLab);
 * "mixed" is ConfigMaps, Deployments and Services in turn.
 */
export function manifestFiles(mix: Mix, count: number, version: number, options: { dir?: string; replicas?: number; perFile?: number } = {}): Record<string, string> {
  const dir = options.dir ?? "manifests";
  const perFile = options.perFile ?? 1;
  if (perFile > 1) {
    const single = Object.values(manifestFiles(mix, count, version, { ...options, perFile: 1 }));
    const files: Record<string, string> = {};
    for (let i = 0; i < single.length; i += perFile) files[`${dir}/objects-${String(i / perFile).padStart(4, "0")}.yaml`] = single.slice(i, i + perFile).join("---\n");
    return files;
  }
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(4, "0");
    const kind = mix === "configmaps" ? 0 : i % 3;
    if (kind === 0) files[`${dir}/cm-${n}.yaml`] = configMap(`cm-${n}`, version);
    else if (kind === 1) files[`${dir}/deploy-${n}.yaml`] = deployment(`app-${n}`, version, options.replicas);
    else files[`${dir}/svc-${n}.yaml`] = service(`app-${n}`, version);
  }
  return files;
}

/** The resources `manifestFiles` writes, as apiserver metric labels "group/resource". */
export const MIX_RESOURCES: Record<Mix, readonly string[]> = {
  configmaps: ["/configmaps"],
  mixed: ["/configmaps", "apps/deployments", "/services"],
};

/** An agent's config.yaml following one manifest project into one namespace. */
export function agentConfig(projectId: string, namespace: string, logLevel = "info"): string {
  return [
    "gitops:",
    "  manifest_projects:",
    `  - id: ${projectId}`,
    `    default_namespace: ${namespace}`,
    "    paths:",
    "    - glob: '/manifests/**/*.yaml'",
    "observability:",
    "  logging:",
    `    level: ${logLevel}`,
    "",
  ].join("\n");
}
