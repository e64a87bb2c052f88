/**
 * How agentk reaches the API server: TLS material for one keep-alive agent,
 * and the authorization of each request (a mounted ServiceAccount token is
 * re-read at most once a minute, as client-go does, because kubelet rotates it).
 */
import { existsSync, promises as fsp, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inClusterSpec, readKubeconfig, type ClusterSpec, type Credentials, type Material } from "./kubeconfig";

export interface ClusterTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly rejectUnauthorized: boolean;
  readonly servername?: string;
}

export interface ClusterAccess {
  readonly server: URL;
  readonly tls: ClusterTls;
  /** Headers that authorize the next request (empty for client certificates alone). */
  headers(): Promise<Readonly<Record<string, string>>>;
  /** Where the access came from, for logs: a kubeconfig path or "in-cluster". Never a secret. */
  readonly source: string;
}

export interface LoadOptions {
  /** --kubeconfig: this file and nothing else. */
  readonly kubeconfig?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where a pod's ServiceAccount is mounted. */
  readonly serviceAccountDir?: string;
  /** How long a token read from a file is reused. Default 60 s. */
  readonly tokenTtlMs?: number;
}

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const TOKEN_TTL_MS = 60_000;

/**
 * --kubeconfig if given; else in-cluster when KUBERNETES_SERVICE_HOST is set;
 * else $KUBECONFIG; else ~/.kube/config. Errors name the file and field.
 */
export async function loadClusterAccess(opts: LoadOptions = {}): Promise<ClusterAccess> {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig) return kubeconfigAccess(opts.kubeconfig, opts);
  if (env.KUBERNETES_SERVICE_HOST) {
    const spec = inClusterSpec(env, opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
    if (typeof spec === "string") throw new Error(spec);
    return fromSpec(spec, "in-cluster", opts);
  }
  const list = (env.KUBECONFIG ?? "").split(path.delimiter).filter((p) => p !== "");
  if (list.length > 1) return delegate((kc) => kc.loadFromDefault(), `KUBECONFIG lists ${list.length} files (merged by client-node)`);
  const file = list[0] ?? path.join(env.HOME ?? os.homedir(), ".kube", "config");
  if (!existsSync(file)) {
    throw new Error(`no cluster access: not in a pod (KUBERNETES_SERVICE_HOST unset), no --kubeconfig, and ${file} does not exist`);
  }
  return kubeconfigAccess(file, opts);
}

/** The current context of one kubeconfig file. */
export async function kubeconfigAccess(file: string, opts: Pick<LoadOptions, "tokenTtlMs"> = {}): Promise<ClusterAccess> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (e) {
    throw new Error(`kubeconfig ${file}: cannot read: ${(e as Error).message}`);
  }
  const reading = readKubeconfig(text, file);
  if (reading.ok) return fromSpec(reading.spec, file, opts);
  if ("error" in reading) throw new Error(reading.error);
  return delegate((kc) => kc.loadFromFile(file), `kubeconfig ${file}: ${reading.delegate}`);
}

function fromSpec(spec: ClusterSpec, source: string, opts: Pick<LoadOptions, "tokenTtlMs">): ClusterAccess {
  const load = (m: Material | undefined, what: string): Buffer | undefined => {
    if (m === undefined) return undefined;
    if ("data" in m) return m.data;
    try {
      return readFileSync(m.file);
    } catch (e) {
      throw new Error(`${source}: ${what} ${m.file}: cannot read: ${(e as Error).message}`);
    }
  };
  return {
    server: spec.server,
    source,
    tls: {
      ca: load(spec.ca, "certificate authority"),
      cert: load(spec.cert, "client certificate"),
      key: load(spec.key, "client key"),
      rejectUnauthorized: !spec.insecureSkipTlsVerify,
      servername: spec.tlsServerName,
    },
    headers: authorizer(spec.credentials, opts.tokenTtlMs ?? TOKEN_TTL_MS),
  };
}

function authorizer(creds: Credentials, ttlMs: number): ClusterAccess["headers"] {
  switch (creds.kind) {
    case "none":
      return () => Promise.resolve({});
    case "token": {
      const h = { authorization: `Bearer ${creds.token}` };
      return () => Promise.resolve(h);
    }
    case "basic": {
      const h = { authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}` };
      return () => Promise.resolve(h);
    }
    case "tokenFile":
      return fileToken(creds.file, ttlMs);
  }
}

/**
 * A bearer token read from `file`, reused for `ttlMs`. A failed re-read keeps
 * the last token (the kubelet may be mid-rotation); a first read that fails is an error.
 */
export function fileToken(file: string, ttlMs: number, now: () => number = Date.now): ClusterAccess["headers"] {
  let current: { headers: Record<string, string>; readAt: number } | undefined;
  let pending: Promise<Record<string, string>> | undefined;
  const read = async (): Promise<Record<string, string>> => {
    try {
      const token = (await fsp.readFile(file, "utf8")).trim();
      if (token === "") throw new Error("the file is empty");
      current = { headers: { authorization: `Bearer ${token}` }, readAt: now() };
    } catch (e) {
      if (!current) throw new Error(`token file ${file}: cannot read: ${(e as Error).message}`);
      current = { headers: current.headers, readAt: now() };
    }
    return current.headers;
  };
  return () => {
    if (current && now() - current.readAt < ttlMs) return Promise.resolve(current.headers);
    pending ??= read().finally(() => (pending = undefined));
    return pending;
  };
}

type ClientNodeConfig = InstanceType<(typeof import("@kubernetes/client-node"))["KubeConfig"]>;

/**
 * Exec plugins, auth providers, proxies and merged KUBECONFIG lists are
 * client-node's: loaded only here, so an agent in a pod never pays for it.
 */
async function delegate(load: (kc: ClientNodeConfig) => void, why: string): Promise<ClusterAccess> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  load(kc);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${why}: no current cluster`);
  const tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  await kc.applyToHTTPSOptions(tls);
  return {
    server: new URL(cluster.server),
    source: why,
    tls: { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !cluster.skipTLSVerify, servername: cluster.tlsServerName },
    headers: async () => {
      const opts: { headers: Record<string, string>; auth?: string } = { headers: {} };
      await kc.applyToHTTPSOptions(opts);
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString("base64")}`;
      return headers;
    },
  };
}
