/**
 * kas.yaml `private_api:` (GitLab kas's name): the kas-to-kas gRPC listener a
 * replica serves so the others can reach the agents connected to it (issue 20).
 * `listen.address` is where it listens (8157 here; GitLab's 8155 is our agents API);
 * `listen.authentication_secret_file` holds the secret every replica shares
 * (calls carry a short-lived HS256 token signed with it); `own_url` is how the
 * other replicas reach this one (grpc://host:port), default from the
 * environment variable OWN_PRIVATE_API_URL (a pod's IP is known at start only).
 * With `listen.certificate_file` and `key_file` (GitLab kas's names) the
 * listener serves TLS and own_url is grpcs://; a replica calls a grpcs://
 * replica with TLS, checking its certificate against `ca_certificate_file`
 * (else the system's CAs). Replicas find each other through the shared store,
 * so `private_api` needs `redis` (checkPrivateApiNeedsRedis).
 */
import type { Checker } from "../../common/config-kit";
import { KAS_PORTS, OWN_PRIVATE_API_URL_ENV } from "../../common/deploy";
import { address, file, text, type KasReader } from "./values";

export { OWN_PRIVATE_API_URL_ENV };

export interface PrivateApiConfig {
  readonly listen: { readonly address: string; readonly authenticationSecretFile: string; readonly certificateFile?: string; readonly keyFile?: string };
  /** grpc://host:port, or grpcs://host:port when the listener serves TLS. */
  readonly ownUrl: string;
  /** The CA that signed the replicas' certificates (else the system's CAs). */
  readonly caCertificateFile?: string;
  /** The name the replicas' certificates carry, checked instead of own_url's host (pod IPs are rarely in a certificate). */
  readonly serverName?: string;
}

/** Not GitLab's 8155: here 8155 is kas's agents API (KAS_PORTS, the one list of kas's ports). */
export const DEFAULT_PRIVATE_API_PORT = KAS_PORTS.privateApi;

const AT = ["private_api"];

/** `grpc://host:port` or `grpcs://host:port` (TLS; IPv6 in brackets), the forms a replica's own_url takes. */
export function isPrivateApiUrl(s: string): boolean {
  return /^grpcs?:\/\/(\[[0-9a-fA-F:]+\]|[^:/\s[\]]+):\d{1,5}$/.test(s);
}

export function parsePrivateApi(k: KasReader, value: unknown, env: NodeJS.ProcessEnv = process.env): PrivateApiConfig | undefined {
  if (value === undefined) return undefined;
  const { r } = k;
  const m = r.mapping(value, AT, ["listen", "own_url", "ca_certificate_file", "server_name"]) ?? {};
  const at = [...AT, "listen"];
  const l = r.mapping(m.listen ?? {}, at, ["address", "authentication_secret_file", "certificate_file", "key_file"]) ?? {};
  const listenAddress = address(k, l.address, [...at, "address"]);
  if (l.address === undefined) r.error([...at, "address"], `required: where this replica serves the other replicas, e.g. "0.0.0.0:${DEFAULT_PRIVATE_API_PORT}"`);
  const secretFile = file(k, l.authentication_secret_file, [...at, "authentication_secret_file"]);
  if (l.authentication_secret_file === undefined) r.error([...at, "authentication_secret_file"], "required: a file with the secret every kas replica shares");
  const certificateFile = file(k, l.certificate_file, [...at, "certificate_file"]);
  const keyFile = file(k, l.key_file, [...at, "key_file"]);
  if ((l.certificate_file === undefined) !== (l.key_file === undefined)) r.error(at, "certificate_file and key_file go together: both for TLS, neither for plain gRPC");
  const caCertificateFile = file(k, m.ca_certificate_file, [...AT, "ca_certificate_file"]);
  const serverName = text(k, m.server_name, [...AT, "server_name"]);
  const ownUrl = parseOwnUrl(k, m.own_url, env);
  const tls = certificateFile !== undefined && keyFile !== undefined;
  if (ownUrl && tls !== ownUrl.startsWith("grpcs://")) {
    r.error([...AT, "own_url"], tls ? `${JSON.stringify(ownUrl)}: the listener serves TLS (listen.certificate_file), so the other replicas must call grpcs://` : `${JSON.stringify(ownUrl)}: grpcs:// needs listen.certificate_file and listen.key_file`);
    return undefined;
  }
  if (!listenAddress || !secretFile || !ownUrl) return undefined;
  return {
    listen: { address: listenAddress, authenticationSecretFile: secretFile, ...(tls ? { certificateFile, keyFile } : {}) },
    ownUrl,
    ...(caCertificateFile ? { caCertificateFile } : {}),
    ...(serverName ? { serverName } : {}),
  };
}

function parseOwnUrl(k: KasReader, value: unknown, env: NodeJS.ProcessEnv): string | undefined {
  const at = [...AT, "own_url"];
  const fromEnv = env[OWN_PRIVATE_API_URL_ENV];
  const url = value === undefined ? fromEnv : text(k, value, at);
  if (url === undefined) {
    if (value === undefined) k.r.error(at, `required (or the environment variable ${OWN_PRIVATE_API_URL_ENV}): how the other replicas reach this one, e.g. "grpc://10.0.0.5:${DEFAULT_PRIVATE_API_PORT}"`);
    return undefined;
  }
  if (isPrivateApiUrl(url)) return url;
  const where = value === undefined ? ` (from ${OWN_PRIVATE_API_URL_ENV})` : "";
  k.r.error(at, `${JSON.stringify(url)}${where} is not a private API URL; expected "grpc://host:port" (or "grpcs://host:port" with TLS)`);
  return undefined;
}

/**
 * Replicas find where an agent is connected through the shared store:
 * `private_api` without `redis` could never route anything, so it is refused.
 */
export function checkPrivateApiNeedsRedis(r: Checker, privateApi: unknown, redis: unknown): void {
  if (privateApi !== undefined && redis === undefined) {
    r.error(["private_api"], "needs the redis section: replicas learn where each agent is connected from redis; add redis (server.address) or remove private_api");
  }
}
