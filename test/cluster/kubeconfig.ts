import { stringify } from "yaml";

export interface KubeconfigUser {
  readonly name: string;
  readonly clientCertificate?: string;
  readonly clientKey?: string;
  readonly token?: string;
}

/** A kubeconfig with one cluster, one user and one context (also the current one). */
export function renderKubeconfig(server: string, ca: string, user: KubeconfigUser, namespace = "default"): string {
  const userEntry: Record<string, string> = {};
  if (user.clientCertificate) userEntry["client-certificate-data"] = b64(user.clientCertificate);
  if (user.clientKey) userEntry["client-key-data"] = b64(user.clientKey);
  if (user.token) userEntry.token = user.token;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "test", cluster: { server, "certificate-authority-data": b64(ca) } }],
    users: [{ name: user.name, user: userEntry }],
    contexts: [{ name: user.name, context: { cluster: "test", user: user.name, namespace } }],
    "current-context": user.name,
  });
}

function b64(s: string): string {
  return Buffer.from(s, "utf8").toString("base64");
}
