/**
 * kas replicas as a user deploys them: the dude/naww stack with
 * `kas.replicas: 2` and `kas.redis: { inCluster: true }` through the real
 * Pulumi engine, then the pods run exactly as the created objects say
 * (test/deployed): the in-cluster Redis (its image played by Debian's
 * redis-server) with the generated password from its Secret, one kas replica
 * connecting to it with that password and listening on its private API, and
 * agentk syncing through it; what kas wrote is read back from the running
 * Redis with redis-cli. Then destroy removes all of it.
 *
 * Not run: the second kas replica. test/deployed has no network namespace, so
 * two kas pods would listen on the same host ports (README there).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { EXAMPLE_STACK, POLICY_PACK, PROJECT_FILE, stackProgramOutputs } from "../../examples/dude-naww/stack";
import { DEFAULT_REDIS_IMAGE, KAS_PRIVATE_API_MOUNT, KAS_REDIS_MOUNT, REDIS_PORT } from "../../infra/kas";
import { KAS_PORTS } from "../../runtime/common/deploy";
import { DEFAULT_REDIS_KEY_PREFIX } from "../../runtime/kas/config";
import { privateApiMetadata, privateApiTarget } from "../../runtime/kas/routing";
import { createPrivateTunnelClient, type ForwardResponse } from "../../runtime/rpc";
import { runDeployment, type DeployedProcess } from "../deployed";
import { stepTimer, withPulumiStack, type PulumiStackRun } from "../pulumi-engine";
import { redisImage } from "../redis";
import { until } from "../until";
import { AGENT_NS, objectNames, runKasAndAgentk } from "./as-deployed";
import { startLocalStack, type LocalStack } from "./local-stack";

let local: LocalStack;
const { step, times } = stepTimer();

beforeAll(async () => {
  local = await startLocalStack();
}, 600_000);

afterAll(async () => {
  if (times.length > 0) console.log(`pulumi up with kas replicas and the in-cluster Redis, as deployed: step times\n  ${times.join("\n  ")}`);
  await local?.close();
});

const names = (args: readonly string[]): Promise<string[]> => objectNames(local.cluster, args);
const kubectl = (args: readonly string[]): Promise<string> => local.cluster.kubectl(args);

/** The example's stack with two kas replicas sharing an in-cluster Redis. */
function stackConfig(): Record<string, unknown> {
  const values = local.stackConfig();
  return { ...values, "gitops-agent:kas": { ...(values["gitops-agent:kas"] as object), replicas: 2, redis: { inCluster: true } } };
}

/** Key `key` of the Secret that volume `volume` of Deployment `deployment` names (Pulumi auto-names Secrets), decoded. */
async function volumeSecret(deployment: string, volume: string, key: string): Promise<string> {
  const name = await kubectl(["get", "deployment", deployment, "-n", AGENT_NS, "-o", `jsonpath={.spec.template.spec.volumes[?(@.name=="${volume}")].secret.secretName}`]);
  return Buffer.from(await kubectl(["get", "secret", name, "-n", AGENT_NS, "-o", `jsonpath={.data.${key.replace(/\./g, "\\.")}}`]), "base64").toString("utf8");
}

/** redis-cli against the running Redis pod (the password in the environment, not in argv). */
async function redisCli(password: string | undefined, args: readonly string[]): Promise<string> {
  const env = { ...process.env, ...(password === undefined ? {} : { REDISCLI_AUTH: password }) };
  const { stdout } = await promisify(execFile)("redis-cli", ["-h", "127.0.0.1", "-p", String(REDIS_PORT), ...args], { encoding: "utf8", env });
  return stdout.trim();
}

/** A file as the process sees it in its own mount namespace. */
const podFile = (p: DeployedProcess, file: string): string => readFileSync(`/proc/${p.pid}/root${file}`, "utf8");
const podEnv = (p: DeployedProcess): string[] => readFileSync(`/proc/${p.pid}/environ`, "utf8").split("\0");

/**
 * What another replica does first to reach an agent connected to this one: dial its private API
 * URL (as the replica wrote it in Redis) and acquire the agent's tunnel. The first answer, or the error code.
 */
async function acquireThroughPrivateApi(url: string, secret: string, agentId: string): Promise<string> {
  const target = privateApiTarget(url);
  if (target === undefined) throw new Error(`not a private API URL: ${url}`);
  const client = createPrivateTunnelClient(target, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve) => {
      const call = client.Forward(privateApiMetadata(Buffer.from(secret)));
      call.on("data", (m: ForwardResponse) => (resolve(m.message), call.cancel()));
      call.on("error", (e: grpc.ServiceError) => resolve(`error ${grpc.status[e.code]}`));
      call.write({ message: "acquire", acquire: { agent_id: agentId, timeout_ms: 5000 } });
    });
  } finally {
    client.close();
  }
}

test("kas.replicas 2 with the in-cluster Redis: up, Redis and a kas replica run as deployed share state, agentk syncs, destroy removes it all", async () => {
  const options = { projectName: "gitops-agent", stackName: EXAMPLE_STACK, program: stackProgramOutputs, projectFile: PROJECT_FILE, stackConfig: stackConfig(), policyPacks: [POLICY_PACK] };
  await withPulumiStack(options, async (run: PulumiStackRun) => {
    const up = await step("up (policy pack on)", () => run.up());
    expect(up.summary.result).toBe("succeeded");
    const agentId = String(up.outputs.agentId?.value);

    const [kasName] = await names(["get", "deployments", "-n", AGENT_NS, "-l", "app.kubernetes.io/name=kas"]);
    expect(await kubectl(["get", "deployment", String(kasName), "-n", AGENT_NS, "-o", "jsonpath={.spec.replicas}"])).toBe("2");
    // The budget covers kas's pods: its selector is the Deployment's.
    const kasSelector = await kubectl(["get", "deployment", String(kasName), "-n", AGENT_NS, "-o", "jsonpath={.spec.selector.matchLabels}"]);
    expect(await kubectl(["get", "poddisruptionbudgets", "-n", AGENT_NS, "-o", "jsonpath={.items[*].spec.selector.matchLabels}"])).toBe(kasSelector);
    const [redisName, ...more] = await names(["get", "deployments", "-n", AGENT_NS, "-l", "app.kubernetes.io/component=redis"]);
    expect([redisName, more]).toEqual([expect.any(String), []]);

    // Redis as its Deployment says: the command, the redis.conf from the Secret as mounted, the emptyDir, the tcpSocket probe.
    const redis = await step("Redis started and ready (tcpSocket probe)", async () => {
      const p = await runDeployment(local.cluster, { namespace: AGENT_NS, name: String(redisName), images: { [DEFAULT_REDIS_IMAGE]: redisImage() } });
      local.running.push(p);
      await p.waitReady(30_000);
      return p;
    });
    const password = await volumeSecret(String(redisName), "config", "password");
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(podFile(redis, "/etc/redis/redis.conf")).toContain(`requirepass ${password}\n`);
    expect(readFileSync(`/proc/${redis.pid}/cmdline`, "utf8")).not.toContain(password);
    expect(await redisCli(undefined, ["PING"])).toMatch(/NOAUTH/);
    expect(await redisCli(password, ["PING"])).toBe("PONG");

    // One kas replica as its pod says, then agentk through it.
    const { kas } = await runKasAndAgentk(local.cluster, local.image, step, local.running, { kasReplica: 0 });
    expect(podFile(kas, `${KAS_REDIS_MOUNT}/password`)).toBe(password);
    expect(await volumeSecret(String(kasName), "redis", "password")).toBe(password);
    expect(podFile(kas, `${KAS_PRIVATE_API_MOUNT}/secret`)).toBe(await volumeSecret(String(kasName), "private-api", "secret"));
    // status.podIP is 127.0.0.1 here (no network namespace): the URL is built from it as the object says.
    const ownUrl = `grpc://127.0.0.1:${KAS_PORTS.privateApi}`;
    expect(podEnv(kas)).toContain(`OWN_PRIVATE_API_URL=${ownUrl}`);

    const metrics = await (await fetch(`http://127.0.0.1:${KAS_PORTS.observability}/metrics`)).text();
    expect(metrics).toMatch(/^kas_redis_up 1$/m);
    const agents = await step("agents API: shared state available, the agent's report", () =>
      until("the agent connected with a report in the agents API", async () => {
        const body = (await (await fetch(`http://127.0.0.1:${KAS_PORTS.api}/api/v1/agents`)).json()) as { shared_state?: string; agents: { id: string; connected: boolean; projects: Record<string, { lastReport?: unknown }> }[] };
        const agent = body.agents.find((a) => a.id === agentId);
        return agent?.connected && Object.values(agent.projects).some((p) => p.lastReport) ? body : undefined;
      }, 60_000, () => kas.lines.slice(-10).join("\n")),
    );
    expect(agents.shared_state).toBe("available");

    // What kas wrote, read back from the running Redis: the agent's presence (held by this replica, by its URL) and its record.
    const prefix = DEFAULT_REDIS_KEY_PREFIX;
    const keys = (await redisCli(password, ["--scan", "--pattern", `${prefix}:*`])).split("\n").sort();
    expect(keys).toEqual(expect.arrayContaining([`${prefix}:agents`, `${prefix}:agent:${agentId}`, `${prefix}:presence:${agentId}`, `${prefix}:commits:${agentId}`]));
    expect(await redisCli(password, ["HKEYS", `${prefix}:presence:${agentId}`])).toBe(ownUrl);
    // The private API on 8157 takes a replica's token made with the mounted secret, and refuses another secret.
    const privateApiSecret = podFile(kas, `${KAS_PRIVATE_API_MOUNT}/secret`);
    expect(await acquireThroughPrivateApi(ownUrl, privateApiSecret, agentId)).toBe("acquired");
    expect(await acquireThroughPrivateApi(ownUrl, randomBytes(32).toString("base64"), agentId)).toBe("error UNAUTHENTICATED");
    const record = JSON.parse(await redisCli(password, ["GET", `${prefix}:agent:${agentId}`])) as Record<string, unknown>;
    expect(JSON.stringify(record)).toContain("dude-agent");

    for (const p of local.running.splice(0)) await p.stop();
    const down = await step("destroy", () => run.destroy());
    expect(down.summary.result).toBe("succeeded");
  });

  // kas, its Redis (Deployment, Service, Secret), the private API Secret and the budget are gone.
  expect(await names(["get", "deployments,services,secrets,poddisruptionbudgets", "-n", AGENT_NS])).toEqual([]);
}, 900_000);
