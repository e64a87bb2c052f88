/**
 * kas.yaml `private_api:` (GitLab kas's name): the kas-to-kas gRPC listener a
 * replica serves so the others can reach the agents connected to it (issue 20).
 * `listen.address` is where it listens (8157 here; GitLab's 8155 is our agents API);
 * `listen.authentication_secret_file` holds the secret every replica shares
 * (calls carry a short-lived HS256 token signed with it); `own_url` is how the
 * other replicas reach this one (grpc://host:port), default from the
 * environment variable OWN_PRIVATE_API_URL (a pod's IP is known at start only).
 * Replicas find each other through the shared store, so `private_api` needs
 * `redis` (checkPrivateApiNeedsRedis).
 */
import type { Checker } from "../../common/config-kit";
import { KAS_PORTS, OWN_PRIVATE_API_URL_ENV } from "../../common/deploy";
import { address, file, text, type KasReader } from "./values";

export { OWN_PRIVATE_API_URL_ENV };

export interface PrivateApiConfig {
  readonly listen: { readonly address: string; readonly authenticationSecretFile: string };
  /** grpc://host:port. */
  readonly ownUrl: string;
}

/** Not GitLab's 8155: here 8155 is kas's agents API (KAS_PORTS, the one list of kas's ports). */
export const DEFAULT_PRIVATE_API_PORT = KAS_PORTS.privateApi;

const AT = ["private_api"];

/** `grpc://host:port` (IPv6 in brackets), the only form a replica's own_url takes. */
export function isPrivateApiUrl(s: string): boolean {
  return /^grpc:\/\/(\[[0-9a-fA-F:]+\]|[^:/\s[\]]+):\d{1,5}$/.test(s);
}

export function parsePrivateApi(k: KasReader, value: unknown, env: NodeJS.ProcessEnv = process.env): PrivateApiConfig | undefined {
  if (value === undefined) return undefined;
  const { r } = k;
  const m = r.mapping(value, AT, ["listen", "own_url"]) ?? {};
  const l = r.mapping(m.listen ?? {}, [...AT, "listen"], ["address", "authentication_secret_file"]) ?? {};
  const listenAddress = address(k, l.address, [...AT, "listen", "address"]);
  if (l.address === undefined) r.error([...AT, "listen", "address"], `required: where this replica serves the other replicas, e.g. "0.0.0.0:${DEFAULT_PRIVATE_API_PORT}"`);
  const secretFile = file(k, l.authentication_secret_file, [...AT, "listen", "authentication_secret_file"]);
  if (l.authentication_secret_file === undefined) r.error([...AT, "listen", "authentication_secret_file"], "required: a file with the secret every kas replica shares");
  const ownUrl = parseOwnUrl(k, m.own_url, env);
  if (!listenAddress || !secretFile || !ownUrl) return undefined;
  return { listen: { address: listenAddress, authenticationSecretFile: secretFile }, ownUrl };
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
  k.r.error(at, `${JSON.stringify(url)}${where} is not a private API URL; expected "grpc://host:port"`);
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
