/**
 * kas.yaml's `redis:` section (GitLab kas's names): where the state every kas
 * replica shares lives. Absent: one replica, state in memory (as before).
 */
import { durationMs, file, text, type KasReader } from "./values";

export const DEFAULT_REDIS_KEY_PREFIX = "gitops-agent-kas";
export const DEFAULT_REDIS_DIAL_TIMEOUT_MS = 5_000;

export interface RedisConfig {
  /** host:port */
  readonly host: string;
  readonly port: number;
  /** File holding the AUTH password (read at start; never logged). */
  readonly passwordFile?: string;
  /** Every key kas writes starts with `<keyPrefix>:`. */
  readonly keyPrefix: string;
  readonly tls?: { readonly caCertificateFile?: string };
  readonly dialTimeoutMs: number;
}

export function parseRedis(k: KasReader, value: unknown): RedisConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const { r } = k;
  const m = r.mapping(value, ["redis"], ["server", "password_file", "key_prefix", "tls", "dial_timeout"]) ?? {};
  const server = r.mapping(m.server, ["redis", "server"], ["address"]);
  if (!server) r.error(["redis", "server"], 'required: the Redis server (server: {address: "host:port"})');
  const at = ["redis", "server", "address"];
  const address = text(k, server?.address, at);
  let host = "";
  let port = 0;
  if (server && address === undefined) r.error(at, 'required: "host:port" of the Redis server');
  if (address !== undefined) {
    const hp = /^(\[[0-9a-fA-F:]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(address);
    if (!hp || Number(hp[2]) < 1 || Number(hp[2]) > 65535) r.mismatch(at, address, 'an address "host:port" (port 1-65535)');
    else [host, port] = [(hp[1] as string).replace(/^\[|\]$/g, ""), Number(hp[2])];
  }
  const keyPrefix = text(k, m.key_prefix, ["redis", "key_prefix"], DEFAULT_REDIS_KEY_PREFIX) ?? DEFAULT_REDIS_KEY_PREFIX;
  if (/[\s{}]/.test(keyPrefix)) r.mismatch(["redis", "key_prefix"], keyPrefix, "a prefix without spaces or braces");
  const passwordFile = file(k, m.password_file, ["redis", "password_file"]);
  const tls = parseTls(k, m.tls);
  return {
    host,
    port,
    keyPrefix,
    dialTimeoutMs: durationMs(k, m.dial_timeout, ["redis", "dial_timeout"], DEFAULT_REDIS_DIAL_TIMEOUT_MS),
    ...(passwordFile ? { passwordFile } : {}),
    ...(tls ? { tls } : {}),
  };
}

function parseTls(k: KasReader, value: unknown): RedisConfig["tls"] {
  if (value === undefined || value === null) return undefined;
  const m = k.r.mapping(value, ["redis", "tls"], ["enabled", "ca_certificate_file"]) ?? {};
  const enabled = k.r.boolean(m.enabled, ["redis", "tls", "enabled"]) ?? false;
  const ca = file(k, m.ca_certificate_file, ["redis", "tls", "ca_certificate_file"]);
  if (!enabled) {
    if (ca) k.r.error(["redis", "tls", "ca_certificate_file"], "set with tls.enabled false: set enabled: true to use TLS");
    return undefined;
  }
  return ca ? { caCertificateFile: ca } : {};
}
