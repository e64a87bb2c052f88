/**
 * `gitops-agent:kas.replicas` and `gitops-agent:kas.redis`: how many kas
 * replicas run, and the Redis they share (which replica holds which agent's
 * connections). One replica keeps its state in memory and needs no Redis;
 * more need one: in the cluster (default outside EKS), ElastiCache (EKS
 * stacks), or an existing server.
 */
import { DNS_SUBDOMAIN, type Checker, type KeyPath } from "../runtime/common/config-kit";


/** A small Redis Deployment and Service in kas's namespace, password-protected, no persistence. */
export interface KasInClusterRedis {
  readonly kind: "inCluster";
  /** Redis image. Default: the Kas component's (infra/kas DEFAULT_REDIS_IMAGE). */
  readonly image?: string;
}

/** An ElastiCache replication group in the EKS cluster's private subnets: TLS in transit, an auth token, reachable from the nodes only. */
export interface KasElastiCacheRedis {
  readonly kind: "elastiCache";
  /** Default DEFAULT_ELASTICACHE_NODE_TYPE. */
  readonly nodeType: string;
  /** Nodes (primary and replicas); 2 or more fail over automatically across AZs. Default 2. */
  readonly nodes: number;
}

/** A Redis that exists already. */
export interface KasExistingRedis {
  readonly kind: "existing";
  /** host:port. */
  readonly address: string;
  /** The password's Secret in kas's namespace (created before `pulumi up`); without it, no AUTH. */
  readonly passwordSecret?: { readonly name: string; readonly key: string };
  /** Connect with TLS (system CAs). Default false. */
  readonly tls: boolean;
}

export type KasRedisConfig = KasInClusterRedis | KasElastiCacheRedis | KasExistingRedis;

export const DEFAULT_ELASTICACHE_NODE_TYPE = "cache.t4g.micro";
export const DEFAULT_ELASTICACHE_NODES = 2;

const EXPECTED = "{ inCluster: true } (a Redis in kas's namespace), { elastiCache: { nodeType, nodes } } (EKS stacks) or { address: host:port, passwordSecret: { name, key }, tls }";
const HOST_PORT = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:\d{1,5}$/;
const NODE_TYPE = /^cache\.[a-z0-9]+\.[a-z0-9]+$/;

export function parseKasRedis(r: Checker, raw: unknown, eks: boolean | undefined): KasRedisConfig | undefined {
  const at: KeyPath = ["kas", "redis"];
  const m = r.object(raw, at, ["inCluster", "image", "elastiCache", "address", "passwordSecret", "tls"], `one of ${EXPECTED}`);
  if (!m) return undefined;
  const forms = [m.inCluster !== undefined, m.elastiCache !== undefined, m.address !== undefined].filter(Boolean).length;
  if (forms !== 1) return r.mismatch(at, raw, `exactly one of ${EXPECTED}`, { found: forms === 0 ? "none of inCluster, elastiCache, address" : "more than one of inCluster, elastiCache, address" });
  if (m.inCluster !== undefined) return inCluster(r, at, m);
  if (m.image !== undefined) r.mismatch([...at, "image"], m.image, "no image without inCluster (it is the in-cluster Redis's image)");
  if (m.elastiCache !== undefined) return elastiCache(r, at, m, eks);
  return existing(r, at, m);
}

function inCluster(r: Checker, at: KeyPath, m: Record<string, unknown>): KasInClusterRedis | undefined {
  for (const key of ["passwordSecret", "tls"]) if (m[key] !== undefined) r.mismatch([...at, key], m[key], `no ${key} with inCluster (the stack makes the password; the in-cluster Redis has no TLS)`);
  if (m.inCluster !== true) return r.mismatch([...at, "inCluster"], m.inCluster, "true (or leave kas.redis out)");
  if (m.image === undefined) return { kind: "inCluster" };
  const image = r.string(m.image, [...at, "image"], { pattern: /^\S+$/, expected: "an image reference such as redis:7.2-alpine" });
  return image ? { kind: "inCluster", image } : undefined;
}

function elastiCache(r: Checker, at: KeyPath, m: Record<string, unknown>, eks: boolean | undefined): KasElastiCacheRedis | undefined {
  for (const key of ["passwordSecret", "tls"]) if (m[key] !== undefined) r.mismatch([...at, key], m[key], `no ${key} with elastiCache (always TLS, with an auth token the stack makes)`);
  if (eks === false) return r.mismatch([...at, "elastiCache"], m.elastiCache, "no elastiCache unless gitops-agent:cluster.provider is eks (the stack puts it in the EKS cluster's VPC); use { inCluster: true } or { address }");
  const path = [...at, "elastiCache"];
  const e = r.object(m.elastiCache, path, ["nodeType", "nodes"], "a map { nodeType, nodes } ({} for the defaults)");
  if (!e) return undefined;
  const nodeType = e.nodeType === undefined ? DEFAULT_ELASTICACHE_NODE_TYPE : r.string(e.nodeType, [...path, "nodeType"], { pattern: NODE_TYPE, expected: "an ElastiCache node type such as cache.t4g.micro" });
  const nodes = e.nodes === undefined ? DEFAULT_ELASTICACHE_NODES : r.integer(e.nodes, [...path, "nodes"], 1, "a whole number from 1 to 6 (a primary and up to 5 replicas)");
  if (nodes !== undefined && nodes > 6) return r.mismatch([...path, "nodes"], nodes, "a whole number from 1 to 6 (a primary and up to 5 replicas)");
  return nodeType && nodes ? { kind: "elastiCache", nodeType, nodes } : undefined;
}

function existing(r: Checker, at: KeyPath, m: Record<string, unknown>): KasExistingRedis | undefined {
  const address = r.string(m.address, [...at, "address"], { pattern: HOST_PORT, expected: "host:port such as redis.example.com:6379 (no URL, no password: that goes in passwordSecret)" });
  const tls = r.boolean(m.tls, [...at, "tls"]);
  let passwordSecret: KasExistingRedis["passwordSecret"];
  if (m.passwordSecret !== undefined) {
    const path = [...at, "passwordSecret"];
    const p = r.object(m.passwordSecret, path, ["name", "key"], "a map { name, key } naming a Secret in kas's namespace");
    const name = p && (r.required(p.name, [...path, "name"], "a Secret name") ? r.string(p.name, [...path, "name"], { pattern: DNS_SUBDOMAIN, expected: "the name of a Secret in kas's namespace" }) : undefined);
    const key = p && (p.key === undefined ? "password" : r.string(p.key, [...path, "key"], { pattern: /^[-._a-zA-Z0-9]+$/, expected: "a Secret key such as password" }));
    if (!name || !key) return undefined;
    passwordSecret = { name, key };
  }
  if (!address || (m.tls !== undefined && tls === undefined)) return undefined;
  return { kind: "existing", address, ...(passwordSecret ? { passwordSecret } : {}), tls: tls ?? false };
}

/**
 * kas.replicas with kas.redis: more than one replica needs a Redis. Outside
 * EKS it defaults to the in-cluster one; in an EKS stack the choice (and
 * ElastiCache's bill) is the user's, so it is an error naming both keys.
 */
export function kasRedisFor(r: Checker, replicas: number, redis: KasRedisConfig | undefined, eks: boolean | undefined): KasRedisConfig | undefined {
  if (redis || replicas === 1) return redis;
  if (eks === false) return { kind: "inCluster" };
  if (eks === true) {
    r.mismatch(["kas", "redis"], undefined, `with gitops-agent:kas.replicas ${replicas}, a Redis the replicas share: ${EXPECTED}; or gitops-agent:kas.replicas 1`, { found: "nothing" });
  }
  return undefined;
}
