/**
 * A small Redis for kas replicas in kas's namespace (pure manifests): one
 * pod, password from a Secret (redis.conf, so it is in no process argument),
 * no persistence. kas keeps only short-lived entries there (which replica
 * holds which agent, refreshed every few seconds with an expiry), so a
 * restarted Redis is refilled by the replicas within a refresh period;
 * until then a request for an agent connected to another replica fails as if
 * the agent were away, and agentk's own reconnects are unaffected.
 */
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, type Manifest } from "../../runtime/common/deploy";

export const REDIS_PORT = 6379;
/** Redis 7.2 is the last BSD-licensed Redis; valkey/valkey images work too. */
export const DEFAULT_REDIS_IMAGE = "redis:7.2-alpine";
const CONF_MOUNT = "/etc/redis";

export const redisLabels = (name: string): Record<string, string> => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/component": "redis" });

/** redis.conf: the password, no RDB snapshots, no AOF; the data directory is an emptyDir. */
export function redisConf(password: string): string {
  return [`requirepass ${password}`, `port ${REDIS_PORT}`, 'save ""', "appendonly no", "dir /data", ""].join("\n");
}

/** The Redis Deployment: `name` is the Redis's own name (`<kas>-redis`), `secretName` holds redis.conf. */
export function redisDeployment<V>(name: string, namespace: string | V, image: string, secretName: string | V): Manifest {
  const labels = redisLabels(name);
  const probe = { tcpSocket: { port: "redis" } };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels: { ...labels } },
    spec: {
      replicas: 1,
      // One pod at a time: two would be two different stores.
      strategy: { type: "Recreate" },
      selector: { matchLabels: { ...labels } },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          securityContext: restrictedPodSecurityContext(),
          containers: [
            {
              name: "redis",
              image,
              command: ["redis-server", `${CONF_MOUNT}/redis.conf`],
              ports: [{ name: "redis", containerPort: REDIS_PORT }],
              livenessProbe: probe,
              readinessProbe: probe,
              resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [
                { name: "config", mountPath: CONF_MOUNT, readOnly: true },
                { name: "data", mountPath: "/data" },
              ],
            },
          ],
          volumes: [
            { name: "config", secret: { secretName, items: [{ key: "redis.conf", path: "redis.conf" }] } },
            { name: "data", emptyDir: {} },
          ],
        },
      },
    },
  };
}

export function redisService<V>(name: string, namespace: string | V): Manifest {
  const labels = redisLabels(name);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, labels: { ...labels } },
    spec: { selector: { ...labels }, ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }] },
  };
}
