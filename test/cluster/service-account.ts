import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { apiJson, apiRequest, type ApiCredentials } from "./api";
import { renderKubeconfig } from "./kubeconfig";

export interface ServiceAccountKubeconfigOptions {
  /** Create the namespace and ServiceAccount if missing. Default true. */
  readonly create?: boolean;
  /** Token lifetime. Default 3600 s (the apiserver's minimum is 600). */
  readonly expirationSeconds?: number;
}

/**
 * Mints a token for namespace/name through the TokenRequest API and writes a
 * kubeconfig that uses it, so the holder has exactly that ServiceAccount's rights.
 */
export async function mintServiceAccountKubeconfig(
  admin: ApiCredentials,
  dir: string,
  namespace: string,
  name: string,
  options: ServiceAccountKubeconfigOptions = {},
): Promise<string> {
  if (options.create ?? true) {
    await createIfMissing(admin, `/api/v1/namespaces/${namespace}`, "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace },
    });
    await createIfMissing(
      admin,
      `/api/v1/namespaces/${namespace}/serviceaccounts/${name}`,
      `/api/v1/namespaces/${namespace}/serviceaccounts`,
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } },
    );
  }
  const tr = await apiJson<{ status: { token: string } }>(
    admin,
    "POST",
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: options.expirationSeconds ?? 3600 },
    },
  );
  const file = path.join(dir, `sa-${namespace}-${name}.kubeconfig`);
  const user = `system:serviceaccount:${namespace}:${name}`;
  writeFileSync(file, renderKubeconfig(admin.server, admin.ca, { name: user, token: tr.status.token }, namespace), {
    mode: 0o600,
  });
  return file;
}

async function createIfMissing(admin: ApiCredentials, getPath: string, postPath: string, body: unknown): Promise<void> {
  const res = await apiRequest(admin, "GET", getPath);
  if (res.status === 200) return;
  const created = await apiRequest(admin, "POST", postPath, body);
  // 409: someone created it between our GET and POST; that is fine.
  if (created.status !== 201 && created.status !== 409) {
    throw new Error(`POST ${postPath}: HTTP ${created.status}: ${created.body.slice(0, 300)}`);
  }
}
