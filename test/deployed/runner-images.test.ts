/**
 * test/deployed with an image other than ours (as a third-party image such as
 * Redis is played): ENTRYPOINT and CMD combined with the container's command
 * and args as the kubelet does, a tcpSocket probe, and one chosen pod of a
 * Deployment of several replicas.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { startTestCluster, type TestCluster } from "../cluster";
import { removeDir, tempDir } from "../git";
import { ensureNodeLts } from "../image";
import { runDeployment, type DeployedProcess, type LocalImage } from "./index";

const NS = "images";
const IMAGE = "tool:1";
const PORT = 18991;
let cluster: TestCluster;
let dir: string;
let image: LocalImage;
const running: DeployedProcess[] = [];

/** Prints its argv, then listens on PORT after a second (so a tcpSocket probe first fails, then passes). */
const SCRIPT = `console.log("argv " + JSON.stringify(process.argv.slice(1))); setTimeout(() => require("net").createServer((s) => s.end()).listen(${PORT}), 1000)`;

beforeAll(async () => {
  const node = await ensureNodeLts();
  [cluster, dir] = await Promise.all([startTestCluster(), tempDir("deployed-images-")]);
  image = {
    files: { "/opt/tool/node": node },
    env: { PATH: "/opt/tool:/usr/bin:/bin" },
    workingDir: "/",
    user: { uid: 65532, gid: 65532 },
    entrypoint: ["node", "-e", SCRIPT],
    cmd: ["from-cmd"],
  };
  const objects = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
    deployment("cmd", 1, {}),
    deployment("args", 1, { args: ["from-args"] }),
    deployment("command", 1, { command: ["node", "-e", SCRIPT, "own"] }),
    deployment("two", 2, {}),
  ];
  const file = path.join(dir, "objects.json");
  writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  await cluster.kubectl(["apply", "-f", file]);
}, 600_000);

afterAll(async () => {
  for (const p of running.reverse()) await p.stop(5000);
  await cluster?.stop();
  if (dir) await removeDir(dir);
});

function deployment(name: string, replicas: number, container: object): object {
  const labels = { app: name };
  const probe = { tcpSocket: { port: "tool" }, periodSeconds: 1 };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NS },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: IMAGE, ports: [{ name: "tool", containerPort: PORT }], readinessProbe: probe, ...container }] } } },
  };
}

async function run(name: string, replica?: number): Promise<DeployedProcess> {
  const p = await runDeployment(cluster, { namespace: NS, name, images: { [IMAGE]: image }, ...(replica === undefined ? {} : { replica }) });
  running.push(p);
  return p;
}

test.each([
  ["cmd", "no command, no args: ENTRYPOINT + CMD", ["from-cmd"]],
  ["args", "args replace CMD", ["from-args"]],
  ["command", "command replaces ENTRYPOINT and CMD", ["own"]],
])("%s: %s; the tcpSocket readiness probe passes once the port listens", async (name, _what, argv) => {
  const p = await run(name);
  expect(await p.waitForLine(/^argv /)).toBe(`argv ${JSON.stringify(argv)}`);
  await p.waitReady(15_000);
  expect(p.readiness()?.attempts).toBeGreaterThan(1); // failed before the port listened
  await p.stop(5000);
}, 120_000);

test("a Deployment of 2 replicas: refused unless told which pod; replica 1 is the second pod by name", async () => {
  await expect(run("two")).rejects.toThrow(/Deployment images\/two spec\.replicas: is 2; the runner runs exactly one replica unless told which/);
  await expect(run("two", 2)).rejects.toThrow(/replica 2 asked for, spec\.replicas is 2/);
  const p = await run("two", 1);
  const pods = JSON.parse(await cluster.kubectl(["get", "pods", "-n", NS, "-l", "app=two", "-o", "json"])) as { items: { metadata: { name: string } }[] };
  expect(p.pod.name).toBe(pods.items.map((i) => i.metadata.name).sort()[1]);
  await p.waitReady(15_000);
}, 120_000);
