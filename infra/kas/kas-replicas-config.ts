/**
 * kas.yaml's `redis` and `private_api` sections for kas replicas (pure), in
 * the shape kas reads (GitLab kas's key names): the Redis the replicas share
 * and the kas-to-kas gRPC listener, whose URL each replica takes from its
 * pod IP (env OWN_PRIVATE_API_URL, set by the Deployment).
 */
import { KAS_PORTS, OWN_PRIVATE_API_URL_ENV } from "../../runtime/common/deploy";

export { OWN_PRIVATE_API_URL_ENV };

/**
 * The private API's port. Not GitLab's 8155: here 8155 is kas's agents API
 * (KAS_PORTS.api), which listens on the pod's loopback even without a token,
 * so the two would collide.
 */
export const KAS_PRIVATE_API_PORT = KAS_PORTS.privateApi;
/** Where the Secret with the password of Redis is mounted (key `password`). */
export const KAS_REDIS_MOUNT = "/etc/kas/redis";
/** Where the Secret with the private API's shared secret is mounted (key `secret`). */
export const KAS_PRIVATE_API_MOUNT = "/etc/kas/private-api";
export const REDIS_PASSWORD_FILE = `${KAS_REDIS_MOUNT}/password`;
export const PRIVATE_API_SECRET_FILE = `${KAS_PRIVATE_API_MOUNT}/secret`;

/** kas.yaml `redis:` as kas reads it (runtime/kas/config/redis.ts). */
export interface KasRedisFile {
  readonly server: { readonly address: string };
  readonly password_file?: string;
  readonly key_prefix?: string;
  readonly tls?: { readonly enabled: boolean; readonly ca_certificate_file?: string };
  readonly dial_timeout?: string;
}

/** kas.yaml `private_api:` as kas reads it (runtime/kas/config/private-api.ts). */
export interface KasPrivateApiFile {
  readonly listen: { readonly address: string; readonly authentication_secret_file: string };
  readonly own_url?: string;
}

/** What the replicas share: a Redis at `address`, with a password (mounted at REDIS_PASSWORD_FILE) or none, over TLS or not. */
export interface KasReplicaAccess {
  readonly redisAddress: string;
  readonly redisPassword: boolean;
  readonly redisTls: boolean;
}

/** Both sections, or none: kas refuses a private_api without redis, and replicas without a private API cannot reach each other's agents. */
export function replicaSections(access: KasReplicaAccess | undefined): { redis?: KasRedisFile; private_api?: KasPrivateApiFile } {
  if (!access) return {};
  return {
    redis: {
      server: { address: access.redisAddress },
      ...(access.redisPassword ? { password_file: REDIS_PASSWORD_FILE } : {}),
      ...(access.redisTls ? { tls: { enabled: true } } : {}),
    },
    private_api: {
      listen: { address: `0.0.0.0:${KAS_PRIVATE_API_PORT}`, authentication_secret_file: PRIVATE_API_SECRET_FILE },
    },
  };
}
