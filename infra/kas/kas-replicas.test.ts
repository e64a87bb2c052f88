/**
 * The Kas component with replicas, under pulumi.runtime.setMocks: what it
 * creates for each Redis form, what kas.yaml says, what the pods get, and
 * that generated secrets live in Secrets only.
 */
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { at, ofType as of, recordedDuring, recordResources, type Created } from "../../test/pulumi-mocks";
import type * as KasModule from "./index";

let created: Created[];
let kasModule: typeof KasModule;
const generated = (name: string) => `generated-${name}-value`;

beforeAll(async () => {
  created = await recordResources("test", {
    state: (args) => args.type.startsWith("pulumi-nodejs:dynamic")
      ? { ...args.inputs, value: generated(args.name) }
      : { ...args.inputs, metadata: { ...(args.inputs.metadata as object), name: (args.inputs.metadata as { name?: string } | undefined)?.name ?? args.name } },
  });
  kasModule = jest.requireActual<typeof KasModule>("./index");
});

type Obj = Record<string, unknown>;

function build(name: string, extra: Partial<KasModule.KasArgs>): Promise<Created[]> {
  const args = { namespace: "gitlab-agent", image: "registry.example/gitops-agent:0.1.0", projects: [], ...extra };
  return recordedDuring(created, () => new kasModule.Kas(name, args).address, 100);
}

const one = (mine: Created[], type: string, name: string) => {
  const found = of(mine, type, name);
  expect(found.map((r) => r.name)).toEqual([name]);
  return found[0]!;
};
const podSpec = (mine: Created[], name: string) => at(one(mine, "kubernetes:apps/v1:Deployment", name).inputs, "spec", "template", "spec") as Obj;
const kasContainer = (mine: Created[], name: string) => (podSpec(mine, name).containers as Obj[])[0]!;
const kasYaml = (mine: Created[]) => parse(at(of(mine, "kubernetes:core/v1:ConfigMap")[0]!.inputs, "data", "kas.yaml") as string) as Obj;
const secretData = (r: Created) => {
  const data = r.inputs.stringData as { [k: string]: unknown; value?: Record<string, string> };
  // The Kubernetes provider marks stringData secret: Pulumi's signature wraps the value.
  expect(data[pulumi.runtime.specialSigKey]).toBe(pulumi.runtime.specialSecretSig);
  return data.value!;
};
const privateApi = { listen: { address: "0.0.0.0:8157", authentication_secret_file: "/etc/kas/private-api/secret" } };

describe("Kas with replicas", () => {
  test("GIVEN 3 replicas and the in-cluster Redis THEN a password-protected Redis in kas's namespace, kas.yaml's redis and private_api, a PDB and spreading over nodes", async () => {
    const mine = await build("kas-a", { replicas: 3, redis: { inCluster: {} } });
    // The Redis: Deployment (restricted, config from the Secret, no persistence) and its Service.
    const redis = podSpec(mine, "kas-a-redis");
    expect((redis.containers as Obj[])[0]).toMatchObject({ image: "redis:7.2-alpine", command: ["redis-server", "/etc/redis/redis.conf"], securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true } });
    expect(redis.volumes).toContainEqual({ name: "data", emptyDir: {} });
    expect(at(one(mine, "kubernetes:core/v1:Service", "kas-a-redis").inputs, "spec", "ports")).toEqual([{ name: "redis", port: 6379, targetPort: "redis" }]);
    const redisSecret = secretData(one(mine, "kubernetes:core/v1:Secret", "kas-a-redis"));
    expect(redisSecret.password).toBe(generated("kas-a-redis-password"));
    expect(redisSecret["redis.conf"]).toBe(`requirepass ${generated("kas-a-redis-password")}\nport 6379\nsave ""\nappendonly no\ndir /data\n`);
    expect(secretData(one(mine, "kubernetes:core/v1:Secret", "kas-a-private-api"))).toEqual({ secret: generated("kas-a-private-api-secret") });

    const doc = kasYaml(mine);
    expect(doc.redis).toEqual({ server: { address: "kas-a-redis.gitlab-agent.svc:6379" }, password_file: "/etc/kas/redis/password" });
    expect(doc.private_api).toEqual(privateApi);
    // Generated secrets are in Secrets only, never in the ConfigMap.
    const configMap = JSON.stringify(of(mine, "kubernetes:core/v1:ConfigMap"));
    expect(configMap).not.toContain("generated-");

    const pod = podSpec(mine, "kas-a");
    expect(at(one(mine, "kubernetes:apps/v1:Deployment", "kas-a").inputs, "spec", "replicas")).toBe(3);
    const kas = kasContainer(mine, "kas-a");
    expect(kas.env).toEqual([
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "OWN_PRIVATE_API_URL", value: "grpc://$(POD_IP):8157" },
    ]);
    expect(kas.ports).toContainEqual({ name: "private-api", containerPort: 8157 });
    expect(kas.volumeMounts).toEqual(expect.arrayContaining([
      { name: "redis", mountPath: "/etc/kas/redis", readOnly: true },
      { name: "private-api", mountPath: "/etc/kas/private-api", readOnly: true },
    ]));
    expect(pod.volumes).toEqual(expect.arrayContaining([
      { name: "redis", secret: { secretName: "kas-a-redis", items: [{ key: "password", path: "password" }] } },
      { name: "private-api", secret: { secretName: "kas-a-private-api" } },
    ]));
    const selector = { matchLabels: { "app.kubernetes.io/name": "kas-a", "app.kubernetes.io/component": "kas" } };
    expect(pod.topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector }]);
    expect(one(mine, "kubernetes:policy/v1:PodDisruptionBudget", "kas-a").inputs.spec).toEqual({ maxUnavailable: 1, selector });

    // The private API is for kas-to-kas only: never on the Service.
    const ports = at(one(mine, "kubernetes:core/v1:Service", "kas-a").inputs, "spec", "ports") as { port: number }[];
    expect(ports.map((p) => p.port)).toEqual([8150, 8152]);
 
    // ...and a NetworkPolicy lets only kas's pods reach it; every other port of the pod stays open as without a policy.
    expect(one(mine, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "kas-a-private-api").inputs.spec).toEqual({
      podSelector: selector,
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ podSelector: selector }], ports: [{ protocol: "TCP", port: 8157 }] },
        { ports: [{ protocol: "TCP", port: 8150 }, { protocol: "TCP", port: 8152 }, { protocol: "TCP", port: 8153 }] },
      ],
    });
  });

  test("GIVEN a Redis server with a password and TLS, spread over zones THEN the password in the component's Secret, tls in kas.yaml, zone spreading; no Redis of its own", async () => {
    const mine = await build("kas-b", { replicas: 2, redis: { address: "master.cache.example:6379", password: "elasticache-auth-token-0123456789", tls: true }, spreadAcrossZones: true });
    expect(of(mine, "kubernetes:apps/v1:Deployment").map((d) => d.name)).toEqual(["kas-b"]);
    expect(secretData(one(mine, "kubernetes:core/v1:Secret", "kas-b-redis"))).toEqual({ password: "elasticache-auth-token-0123456789" });
    expect(kasYaml(mine).redis).toEqual({ server: { address: "master.cache.example:6379" }, password_file: "/etc/kas/redis/password", tls: { enabled: true } });
    expect(JSON.stringify(of(mine, "kubernetes:core/v1:ConfigMap"))).not.toContain("elasticache-auth-token");
    expect((podSpec(mine, "kas-b").topologySpreadConstraints as Obj[]).map((c) => c.topologyKey)).toEqual(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
  });

  test("GIVEN a Redis server with an existing password Secret THEN its key is mounted as the password file, and the component makes no Secret for it", async () => {
    const mine = await build("kas-c", { replicas: 2, redis: { address: "redis.shared:6379", passwordSecret: { name: "redis-auth", key: "pw" } } });
    expect(of(mine, "kubernetes:core/v1:Secret").map((s) => s.name).sort()).toEqual(["kas-c-private-api", "kas-c-registry"]);
    expect(podSpec(mine, "kas-c").volumes).toContainEqual({ name: "redis", secret: { secretName: "redis-auth", items: [{ key: "pw", path: "password" }] } });
    expect(kasYaml(mine).redis).toEqual({ server: { address: "redis.shared:6379" }, password_file: "/etc/kas/redis/password" });
  });

  test("GIVEN a Redis without a password THEN no password_file and no redis volume", async () => {
    const mine = await build("kas-d", { redis: { address: "redis.open:6379" } });
    expect(kasYaml(mine).redis).toEqual({ server: { address: "redis.open:6379" } });
    expect((podSpec(mine, "kas-d").volumes as Obj[]).map((v) => v.name)).not.toContain("redis");
    // One replica: shared state and the private API, but nothing to spread and no budget to block a drain.
    expect(podSpec(mine, "kas-d").topologySpreadConstraints).toBeUndefined();
    expect(of(mine, "kubernetes:policy/v1:PodDisruptionBudget")).toEqual([]);
  });

  test("one replica without Redis is kas as before: no redis or private_api, no env, no PDB, no spreading", async () => {
    const mine = await build("kas-e", {});
    const doc = kasYaml(mine);
    expect(doc.redis).toBeUndefined();
    expect(doc.private_api).toBeUndefined();
    expect(kasContainer(mine, "kas-e").env).toBeUndefined();
    expect(podSpec(mine, "kas-e").topologySpreadConstraints).toBeUndefined();
    expect(of(mine, "kubernetes:policy/v1:PodDisruptionBudget")).toEqual([]);
    expect(of(mine, "pulumi-nodejs:dynamic:Resource")).toEqual([]);
    expect(of(mine, "kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual([]);
  });

  test.each<[string, Partial<KasModule.KasArgs>, string]>([
    ["replicas without redis", { replicas: 2 }, "Kas kas-f: replicas 2 need redis"],
    ["replicas 0", { replicas: 0 }, "Kas kas-f: replicas must be a whole number of at least 1, got 0"],
    ["a password and a password Secret", { redis: { address: "r:6379", password: "p", passwordSecret: { name: "s", key: "k" } } }, "Kas kas-f: redis.password or redis.passwordSecret, not both"],
  ])("%s: refused", (_name, extra, message) => {
    expect(() => new kasModule.Kas("kas-f", { namespace: "n", image: "i", projects: [], ...extra })).toThrow(message);
  });
});
