/**
 * The Kas component's objects for replicas: the private API's shared secret,
 * the Redis password's Secret (or the user's), the in-cluster Redis when
 * asked for, and what the Deployment and kas.yaml say about them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { plain, type Later } from "../later";
import { GeneratedSecret } from "./generated-secret";
import { DEFAULT_REDIS_IMAGE, REDIS_PORT, redisConf, redisDeployment, redisService } from "./in-cluster-redis";
import type { KasReplicaAccess } from "./kas-replicas-config";
import type { KasReplicaPodOptions } from "./kas-replicas";

/** A Redis the component runs itself, in kas's namespace. */
export interface KasInClusterRedisArg {
  readonly inCluster: { /** Default DEFAULT_REDIS_IMAGE. */ readonly image?: string };
}

/** A Redis that exists (or that another component creates, such as ElastiCache). */
export interface KasRedisServerArg {
  /** host:port. */
  readonly address: pulumi.Input<string>;
  /** The password, stored in a Secret of the component's. */
  readonly password?: pulumi.Input<string>;
  /** Or an existing Secret in kas's namespace holding it. */
  readonly passwordSecret?: { readonly name: string; readonly key: string };
  /** TLS with the system's CAs. Default false. */
  readonly tls?: boolean;
}

export type KasRedisArg = KasInClusterRedisArg | KasRedisServerArg;

export interface KasReplicaResources {
  readonly access: pulumi.Output<KasReplicaAccess>;
  readonly pod: Omit<KasReplicaPodOptions<Later>, "replicas" | "spreadAcrossZones">;
}

export function kasReplicaResources(name: string, namespace: pulumi.Input<string>, redis: KasRedisArg, parent: pulumi.Resource): KasReplicaResources {
  const opts = { parent };
  const privateApi = new k8s.core.v1.Secret(`${name}-private-api`, {
    metadata: { namespace },
    stringData: { secret: new GeneratedSecret(`${name}-private-api-secret`, {}, opts).value },
  }, opts);
  const server = "inCluster" in redis ? inClusterRedis(name, namespace, redis.inCluster.image ?? DEFAULT_REDIS_IMAGE, parent) : serverRedis(name, namespace, redis, parent);
  return {
    access: pulumi.output(server.address).apply((redisAddress) => ({ redisAddress, redisPassword: server.password !== undefined, redisTls: server.tls })),
    pod: { privateApiSecretName: privateApi.metadata.name, ...(server.password ? { redisPassword: server.password } : {}) },
  };
}

interface Server {
  readonly address: pulumi.Input<string>;
  readonly password?: { readonly secretName: Later | string; readonly key: string };
  readonly tls: boolean;
}

function inClusterRedis(name: string, namespace: pulumi.Input<string>, image: string, parent: pulumi.Resource): Server {
  const opts = { parent };
  const redisName = `${name}-redis`;
  const password = new GeneratedSecret(`${redisName}-password`, {}, opts).value;
  const secret = new k8s.core.v1.Secret(redisName, {
    metadata: { namespace },
    stringData: { password, "redis.conf": password.apply(redisConf) },
  }, opts);
  new k8s.apps.v1.Deployment(redisName, plain(redisDeployment<Later>(redisName, namespace as Later, image, secret.metadata.name)), opts);
  const service = new k8s.core.v1.Service(redisName, plain(redisService<Later>(redisName, namespace as Later)), opts);
  return {
    address: pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc:${REDIS_PORT}`,
    password: { secretName: secret.metadata.name, key: "password" },
    tls: false,
  };
}

function serverRedis(name: string, namespace: pulumi.Input<string>, redis: KasRedisServerArg, parent: pulumi.Resource): Server {
  if (redis.password !== undefined && redis.passwordSecret) throw new Error(`Kas ${name}: redis.password or redis.passwordSecret, not both`);
  const own = redis.password === undefined
    ? undefined
    : new k8s.core.v1.Secret(`${name}-redis`, { metadata: { namespace }, stringData: { password: redis.password } }, { parent });
  const password = own ? { secretName: own.metadata.name, key: "password" } : redis.passwordSecret ? { secretName: redis.passwordSecret.name, key: redis.passwordSecret.key } : undefined;
  return { address: redis.address, ...(password ? { password } : {}), tls: redis.tls ?? false };
}
