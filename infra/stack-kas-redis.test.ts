/** gitops-agent:kas.replicas and gitops-agent:kas.redis: defaults per cluster kind, the three Redis forms, and errors naming the keys. */
import { parseStackConfig } from "./config";

const existing = { cluster: { provider: "existing", kubeconfig: "k" }, agent: { name: "dude-agent" } };
const eks = { cluster: { provider: "eks", region: "eu-west-1" }, agent: { name: "dude-agent" } };
const kasOf = (base: Record<string, unknown>, kas: Record<string, unknown>) => parseStackConfig({ ...base, kas }).kas;

describe("kas.replicas and kas.redis", () => {
  test("one replica by default, without Redis (state in memory, as before)", () => {
    expect(kasOf(existing, {})).toMatchObject({ replicas: 1 });
    expect(kasOf(existing, {}).redis).toBeUndefined();
    expect(kasOf(eks, {}).redis).toBeUndefined();
  });

  test("GIVEN more replicas outside EKS WHEN no redis is named THEN the in-cluster Redis", () => {
    expect(kasOf(existing, { replicas: 3 })).toMatchObject({ replicas: 3, redis: { kind: "inCluster" } });
  });

  test("GIVEN more replicas in an EKS stack WHEN no redis is named THEN an error naming both keys (ElastiCache costs money: the user chooses)", () => {
    expect(() => kasOf(eks, { replicas: 2 })).toThrow(
      "gitops-agent:kas.redis: found nothing; expected with gitops-agent:kas.replicas 2, a Redis the replicas share: { inCluster: true }",
    );
    expect(() => kasOf(eks, { replicas: 2 })).toThrow("or gitops-agent:kas.replicas 1");
  });

  test("the three forms, with their defaults", () => {
    expect(kasOf(eks, { replicas: 2, redis: { elastiCache: {} } }).redis).toEqual({ kind: "elastiCache", nodeType: "cache.t4g.micro", nodes: 2 });
    expect(kasOf(eks, { replicas: 2, redis: { elastiCache: { nodeType: "cache.r7g.large", nodes: 3 } } }).redis).toEqual({ kind: "elastiCache", nodeType: "cache.r7g.large", nodes: 3 });
    expect(kasOf(eks, { replicas: 2, redis: { inCluster: true } }).redis).toEqual({ kind: "inCluster" });
    expect(kasOf(existing, { replicas: 2, redis: { inCluster: true, image: "valkey/valkey:8-alpine" } }).redis).toEqual({ kind: "inCluster", image: "valkey/valkey:8-alpine" });
    expect(kasOf(existing, { redis: { address: "redis.example.com:6379" } })).toEqual(expect.objectContaining({ replicas: 1, redis: { kind: "existing", address: "redis.example.com:6379", tls: false } }));
    expect(kasOf(existing, { replicas: 2, redis: { address: "10.0.0.7:6380", passwordSecret: { name: "redis-auth" }, tls: true } }).redis).toEqual({
      kind: "existing", address: "10.0.0.7:6380", passwordSecret: { name: "redis-auth", key: "password" }, tls: true,
    });
  });

  test.each<[string, Record<string, unknown>, Record<string, unknown>, string, string]>([
    ["replicas 0", existing, { replicas: 0 }, "gitops-agent:kas.replicas", "a whole number of at least 1"],
    ["replicas as a string", existing, { replicas: "2" }, "gitops-agent:kas.replicas", "a whole number of at least 1"],
    ["elastiCache outside EKS", existing, { replicas: 2, redis: { elastiCache: {} } }, "gitops-agent:kas.redis.elastiCache", "no elastiCache unless gitops-agent:cluster.provider is eks"],
    ["two forms at once", existing, { redis: { inCluster: true, address: "r:6379" } }, "gitops-agent:kas.redis", "more than one of inCluster, elastiCache, address"],
    ["no form", existing, { redis: {} }, "gitops-agent:kas.redis", "none of inCluster, elastiCache, address"],
    ["inCluster false", existing, { redis: { inCluster: false } }, "gitops-agent:kas.redis.inCluster", "true (or leave kas.redis out)"],
    ["a URL with a password for address", existing, { redis: { address: "redis://:pw@r:6379" } }, "gitops-agent:kas.redis.address", "host:port such as redis.example.com:6379"],
    ["an address without port", existing, { redis: { address: "redis.example.com" } }, "gitops-agent:kas.redis.address", "host:port"],
    ["a password in the stack config", existing, { redis: { address: "r:6379", password: "hunter2" } }, "gitops-agent:kas.redis.password", "unknown"],
    ["a Secret without a name", existing, { redis: { address: "r:6379", passwordSecret: { key: "pw" } } }, "gitops-agent:kas.redis.passwordSecret.name", "a Secret name"],
    ["tls with inCluster", existing, { redis: { inCluster: true, tls: true } }, "gitops-agent:kas.redis.tls", "no tls with inCluster"],
    ["an image without inCluster", existing, { redis: { address: "r:6379", image: "redis" } }, "gitops-agent:kas.redis.image", "no image without inCluster"],
    ["seven ElastiCache nodes", eks, { replicas: 2, redis: { elastiCache: { nodes: 7 } } }, "gitops-agent:kas.redis.elastiCache.nodes", "1 to 6"],
    ["a node type that is no ElastiCache type", eks, { replicas: 2, redis: { elastiCache: { nodeType: "t3.micro" } } }, "gitops-agent:kas.redis.elastiCache.nodeType", "cache.t4g.micro"],
    ["replicas of an external kas", existing, { deploy: false, address: "grpc://k:1", replicas: 2 }, "gitops-agent:kas.replicas", "no replicas when kas.deploy is false"],
    ["redis of an external kas", existing, { deploy: false, address: "grpc://k:1", redis: { inCluster: true } }, "gitops-agent:kas.redis", "no redis when kas.deploy is false"],
  ])("%s: refused, naming the key", (_name, base, kas, key, expected) => {
    expect(() => kasOf(base, kas)).toThrow(key);
    expect(() => kasOf(base, kas)).toThrow(expected);
  });
});
