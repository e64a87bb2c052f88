/**
 * Reading a kubeconfig (pure): which server, which TLS material, which
 * credentials, for the current context. Only what a pod or an operator's
 * workstation uses with a bearer token or client certificates is read here;
 * exec plugins, auth providers and proxies are reported as `delegate` and
 * handled by @kubernetes/client-node (loaded only then: it costs ~60 MiB).
 */
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

/** Bytes or a file to read them from (resolved against the kubeconfig's folder, as kubectl does). */
export type Material = { readonly data: Buffer } | { readonly file: string };

export type Credentials =
  | { readonly kind: "none" }
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "tokenFile"; readonly file: string }
  | { readonly kind: "basic"; readonly username: string; readonly password: string };

export interface ClusterSpec {
  readonly server: URL;
  readonly ca?: Material;
  readonly cert?: Material;
  readonly key?: Material;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  readonly credentials: Credentials;
}

export type KubeconfigReading =
  | { readonly ok: true; readonly spec: ClusterSpec }
  | { readonly ok: false; readonly delegate: string }
  | { readonly ok: false; readonly error: string };

/** What the current context's user may hold that we leave to client-node. */
const DELEGATED_USER_FIELDS = ["exec", "auth-provider"] as const;
const DELEGATED_CLUSTER_FIELDS = ["proxy-url"] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The current context of one kubeconfig file's text. `file` names the file in
 * errors and anchors relative paths. Every problem names the entry and field.
 */
export function readKubeconfig(text: string, file: string, contextOverride?: string): KubeconfigReading {
  const fail = (msg: string): KubeconfigReading => ({ ok: false, error: `kubeconfig ${file}: ${msg}` });
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return fail(`not valid YAML: ${(e as Error).message}`);
  }
  if (!isObj(doc)) return fail("expected a mapping with clusters, users, contexts and current-context");
  const contextName = contextOverride ?? doc["current-context"];
  if (typeof contextName !== "string" || contextName === "") return fail("current-context is not set");
  const context = named(doc, "contexts", contextName, "context");
  if (typeof context === "string") return fail(context);
  const clusterName = context["cluster"];
  if (typeof clusterName !== "string") return fail(`contexts "${contextName}": cluster: expected a cluster name`);
  const cluster = named(doc, "clusters", clusterName, "cluster");
  if (typeof cluster === "string") return fail(cluster);
  const userName = context["user"];
  let user: Obj = {};
  if (userName !== undefined && userName !== "") {
    if (typeof userName !== "string") return fail(`contexts "${contextName}": user: expected a user name`);
    const found = named(doc, "users", userName, "user");
    if (typeof found === "string") return fail(found);
    user = found;
  }
  for (const f of DELEGATED_USER_FIELDS) if (user[f] !== undefined) return { ok: false, delegate: `users "${String(userName)}" uses ${f}` };
  for (const f of DELEGATED_CLUSTER_FIELDS) if (cluster[f] !== undefined) return { ok: false, delegate: `clusters "${clusterName}" uses ${f}` };

  const where = (kind: string, name: string, field: string): string => `${kind} "${name}": ${field}`;
  const dir = path.dirname(path.resolve(file));
  const material = (entry: Obj, kind: string, name: string, fileField: string, dataField: string): Material | string | undefined => {
    const data = entry[dataField];
    if (data !== undefined) {
      if (typeof data !== "string" || data === "") return `${where(kind, name, dataField)}: expected base64 text`;
      return { data: Buffer.from(data, "base64") };
    }
    const f = entry[fileField];
    if (f === undefined || f === "") return undefined;
    if (typeof f !== "string") return `${where(kind, name, fileField)}: expected a file path`;
    return { file: path.resolve(dir, f) };
  };

  const server = cluster["server"];
  if (typeof server !== "string" || server === "") return fail(`${where("clusters", clusterName, "server")}: expected a URL such as https://host:6443`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return fail(`${where("clusters", clusterName, "server")}: ${JSON.stringify(server)} is not a URL (expected https://host:port)`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return fail(`${where("clusters", clusterName, "server")}: expected http:// or https://, found ${url.protocol}`);
  const ca = material(cluster, "clusters", clusterName, "certificate-authority", "certificate-authority-data");
  const uname = String(userName ?? "");
  const cert = material(user, "users", uname, "client-certificate", "client-certificate-data");
  const key = material(user, "users", uname, "client-key", "client-key-data");
  for (const m of [ca, cert, key]) if (typeof m === "string") return fail(m);
  if ((cert === undefined) !== (key === undefined)) {
    return fail(`${where("users", uname, cert ? "client-key" : "client-certificate")}: a client certificate needs both client-certificate and client-key`);
  }
  const credentials = readCredentials(user, uname, dir);
  if (typeof credentials === "string") return fail(credentials);
  const insecure = cluster["insecure-skip-tls-verify"];
  if (insecure !== undefined && typeof insecure !== "boolean") return fail(`${where("clusters", clusterName, "insecure-skip-tls-verify")}: expected true or false`);
  const serverName = cluster["tls-server-name"];
  if (serverName !== undefined && typeof serverName !== "string") return fail(`${where("clusters", clusterName, "tls-server-name")}: expected a host name`);
  return {
    ok: true,
    spec: {
      server: url,
      ca: ca as Material | undefined,
      cert: cert as Material | undefined,
      key: key as Material | undefined,
      insecureSkipTlsVerify: insecure === true,
      tlsServerName: serverName || undefined,
      credentials,
    },
  };
}

function readCredentials(user: Obj, name: string, dir: string): Credentials | string {
  const token = user["token"];
  if (token !== undefined && token !== "") {
    if (typeof token !== "string") return `users "${name}": token: expected text`;
    return { kind: "token", token };
  }
  const tokenFile = user["tokenFile"];
  if (tokenFile !== undefined && tokenFile !== "") {
    if (typeof tokenFile !== "string") return `users "${name}": tokenFile: expected a file path`;
    return { kind: "tokenFile", file: path.resolve(dir, tokenFile) };
  }
  const username = user["username"];
  if (username !== undefined && username !== "") {
    const password = user["password"];
    if (typeof username !== "string" || typeof password !== "string") return `users "${name}": username and password: expected text`;
    return { kind: "basic", username, password };
  }
  return { kind: "none" };
}

/** The `inner` mapping of the entry of list `list` whose name is `name`, or an error message. */
function named(doc: Obj, list: string, name: string, inner: string): Obj | string {
  const entries = doc[list];
  if (!Array.isArray(entries)) return `${list}: expected a list (looking for "${name}")`;
  const entry: unknown = entries.find((e) => isObj(e) && e["name"] === name);
  if (!isObj(entry)) {
    const known = entries.filter(isObj).map((e) => JSON.stringify(e["name"]));
    return `${list}: no entry named "${name}" (found: ${known.join(", ") || "none"})`;
  }
  const value = entry[inner];
  if (!isObj(value)) return `${list} "${name}": ${inner}: expected a mapping`;
  return value;
}

/** In a pod: the API server from the service environment, the mounted ServiceAccount token and CA. */
export function inClusterSpec(env: NodeJS.ProcessEnv, serviceAccountDir: string): ClusterSpec | string {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return "not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set";
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  let server: URL;
  try {
    server = new URL(`https://${h}:${port}`);
  } catch {
    return `KUBERNETES_SERVICE_HOST/PORT ${JSON.stringify(`${host}:${port}`)} do not form a URL`;
  }
  return {
    server,
    ca: { file: path.join(serviceAccountDir, "ca.crt") },
    insecureSkipTlsVerify: false,
    credentials: { kind: "tokenFile", file: path.join(serviceAccountDir, "token") },
  };
}
