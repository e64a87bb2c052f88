/**
 * The seed scenario, for real: agentk may write namespace `dude` and not
 * `naww`. Used by `npm run demo` (demo.ts) and by the end-to-end test.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes, createHash } from "node:crypto";
import { stringify } from "yaml";
import { parseStackConfig, readStackFile } from "../../infra/config";
import { planRbac, renderManifests } from "../../infra/rbac";
import { commitFiles, makeRepo } from "../../test/git";
import { freePorts } from "../../test/cluster/ports";
import { until } from "../../test/until";
import { openCluster, type DemoCluster } from "./cluster-access";
import { startProc, type Proc } from "./procs";

const EXAMPLE = __dirname;
const ROOT = path.resolve(__dirname, "../..");

export interface DemoOptions {
  /** Use an existing cluster instead of the embedded local one. */
  readonly kubeconfig?: string;
  /** Where the narration goes. */
  readonly say?: (line: string) => void;
}

export interface DemoResult {
  readonly podsDude: string;
  readonly podsNaww: string;
  /** The agentk log lines that explain the outcome. */
  readonly why: string[];
  readonly podsAfterCommit: string;
  readonly restoredAfterDelete: boolean;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const say = options.say ?? ((l: string) => process.stdout.write(l + "\n"));
  const dir = mkdtempSync(path.join(os.tmpdir(), "dude-naww-"));
  const procs: Proc[] = [];
  let cluster: DemoCluster | undefined;
  try {
    say("== 1. Kubernetes: " + (options.kubeconfig ? `existing cluster (${options.kubeconfig})` : "the embedded local test cluster (kube-apiserver with RBAC, etcd, controller-manager, scheduler, KWOK)"));
    cluster = await openCluster(options.kubeconfig, (l) => say(`   ${l}`));

    const stack = parseStackConfig(readStackFile(path.join(EXAMPLE, "Pulumi.dude-naww.yaml")));
    const plan = planRbac(stack);
    const agentNs = stack.agent.namespace;
    const agentName = stack.agent.name;
    say(`== 2. RBAC from Pulumi.dude-naww.yaml via planRbac: ${Object.entries(stack.namespaces).map(([ns, n]) => `${ns}=${n.access}`).join(", ")}`);
    const rbacFile = path.join(dir, "rbac.yaml");
    writeFileSync(rbacFile, renderManifests(plan).map((o) => stringify(o)).join("---\n"));
    say(indent(await cluster.kubectl(["apply", "--server-side", "--field-manager=demo", "-f", rbacFile])));
    await cluster.kubectl(["create", "serviceaccount", agentName, "-n", agentNs]).catch(() => undefined);
    const saKubeconfig = await cluster.serviceAccountKubeconfig(agentNs, agentName, dir);

    say("== 3. The manifest repository (a real git repository made from examples/dude-naww)");
    const repo = path.join(dir, "repo");
    const files = Object.fromEntries(
      [".gitlab/agents/dude-agent/config.yaml", "manifests/dude.yaml", "manifests/naww.yaml"].map((f) => [f, readFileSync(path.join(EXAMPLE, f))]),
    );
    await makeRepo(repo, files, { message: "dude and naww nginx Deployments" });

    const token = `glagent-${randomBytes(24).toString("base64url")}`;
    const [grpcPort, obsPort, agentObs] = (await freePorts(3)) as [number, number, number];
    writeFileSync(path.join(dir, "agents.yaml"), stringify({ agents: [{ id: "1", name: agentName, config_project: "root/dude-naww", tokens: [{ sha256: createHash("sha256").update(token).digest("hex") }] }] }));
    writeFileSync(
      path.join(dir, "kas.yaml"),
      stringify({
        listen: { grpc: `127.0.0.1:${grpcPort}`, observability: `127.0.0.1:${obsPort}` },
        agents: { registry: "file", file: "agents.yaml" },
        projects: [{ id: "root/dude-naww", url: "repo" }],
      }),
    );
    say(`== 4. kas on grpc://127.0.0.1:${grpcPort} (file registry, token stored as SHA-256); agentk as system:serviceaccount:${agentNs}:${agentName}`);
    procs.push(startProc("kas", path.join(ROOT, "bin/kas"), ["--config", path.join(dir, "kas.yaml")], path.join(dir, "kas.log")));
    const agentk = startProc(
      "agentk",
      path.join(ROOT, "bin/agentk"),
      ["--kas-address", `grpc://127.0.0.1:${grpcPort}`, "--kubeconfig", saKubeconfig, "--namespace", agentNs, "--observability-listen-address", `127.0.0.1:${agentObs}`],
      path.join(dir, "agentk.log"),
      { AGENTK_TOKEN: token },
    );
    procs.push(agentk);

    say("== 5. Waiting for the first sync");
    const pods = (ns: string) => cluster!.kubectl(["get", "pods", "-n", ns]).then((o) => o.trim() || `No resources found in ${ns} namespace.`);
    const running = async (n: number) => {
      const out = await cluster!.kubectl(["get", "pods", "-n", "dude", "-l", "app=nginx", "--field-selector=status.phase=Running", "-o", "name"]);
      return out.trim().split("\n").filter(Boolean).length === n ? true : undefined;
    };
    await until("2 nginx pods Running in dude", () => running(2), 120_000, () => agentk.log().slice(-2000));
    await until("the sync result in the agent log", async () => (/Synchronization (failed|finished)/.test(agentk.log()) ? true : undefined), 60_000, () => agentk.log().slice(-2000));
    const podsDude = await pods("dude");
    const podsNaww = (await cluster.kubectl(["get", "pods", "-n", "naww"])).trim() || "No resources found in naww namespace.";
    say("$ kubectl get pods -n dude\n" + podsDude);
    say("$ kubectl get pods -n naww\n" + podsNaww);
    const why = agentk.log().split("\n").filter((l) => /"msg":"Synchronizing objects"|Forbidden|"msg":"Synchronization failed"/.test(l)).slice(0, 3);
    say("agentk log, the lines that say why:");
    for (const l of why) say("   " + l);

    say("== 6. GitOps: commit replicas 2 -> 3 to the repository");
    const dude = readFileSync(path.join(EXAMPLE, "manifests/dude.yaml"), "utf8").replace("replicas: 2", "replicas: 3");
    await commitFiles(repo, { "manifests/dude.yaml": dude }, { message: "dude: 3 replicas" });
    await until("3 nginx pods Running in dude", () => running(3), 120_000, () => agentk.log().slice(-2000));
    const podsAfterCommit = await pods("dude");
    say("$ kubectl get pods -n dude\n" + podsAfterCommit);

    say("== 7. Drift: delete the Deployment by hand; agentk puts it back");
    say(indent(await cluster.kubectl(["delete", "deployment", "nginx-deployment-dude", "-n", "dude", "--wait=false"])));
    await until("the Deployment restored with 3 available", async () => {
      const out = await cluster!.kubectl(["get", "deployment", "nginx-deployment-dude", "-n", "dude", "-o", "jsonpath={.status.availableReplicas}"]).catch(() => "");
      return out === "3" ? true : undefined;
    }, 120_000, () => agentk.log().slice(-2000));
    say("$ kubectl get deployment -n dude\n" + (await cluster.kubectl(["get", "deployment", "-n", "dude"])).trim());
    say("== Done: stopping agentk, kas" + (cluster.local ? " and the test cluster" : ""));
    return { podsDude, podsNaww, why, podsAfterCommit, restoredAfterDelete: true };
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const indent = (s: string): string => s.trim().split("\n").map((l) => `   ${l}`).join("\n");
