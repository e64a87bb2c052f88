/**
 * Issue 18's `gitops-agent wait` end to end: kas in-process with its
 * Kubernetes API listener, agentk as a process (bin/agentk) syncing its own
 * config project (group/agent-config, manifests/**) to the real test cluster,
 * a CI job's ID token from the loopback OIDC issuer. The command asks kas's
 * commit_status until the sync of the commit ends: a good commit exits 0; a
 * Deployment that never becomes available, and an object in naww (Forbidden
 * by the apiserver), exit 1 naming the object; a job not in ci_access is refused.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { commitFiles } from "../git";
import { waitMain } from "../../runtime/kas/ci-wait";
import { AGENT, startKubeApiProcessScenario, type KubeApiProcessScenario } from "./scenario";

const ROOT = path.resolve(__dirname, "../..");
const RECONCILE_TIMEOUT_S = 15;
const AGENT_CONFIG = `gitops:
  manifest_projects:
    - id: ${AGENT.configProject}
      default_namespace: dude
      paths:
        - glob: 'manifests/**/*.yaml'
      reconcile_timeout: ${RECONCILE_TIMEOUT_S}s
ci_access:
  projects:
    - id: group/ci-project
`;
const configMap = (name: string, namespace = "dude") => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  greeting: dude\n`;
/** A Deployment; with `stuck`, its pod asks for a node no one has, so it never becomes available. */
const deployment = (name: string, stuck = false) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
${stuck ? "      nodeSelector: { no-such-label: nowhere }\n" : ""}      containers:
        - name: web
          image: nginx
`;

let sc: KubeApiProcessScenario;

beforeAll(async () => {
  sc = await startKubeApiProcessScenario({ agentConfig: AGENT_CONFIG, files: { "manifests/base.yaml": configMap("wait-base") } });
}, 240_000);

afterAll(async () => {
  await sc?.stop();
});

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * The command as a CI job runs it: a process (bin/kas wait, the same command as the package's
 * `gitops-agent wait`, which runs from the built package only), the ID token in $KAS_ID_TOKEN.
 */
function spawnWait(token: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      path.join(ROOT, "bin/kas"),
      ["wait", "--kas", sc.kas.kubernetesApiUrl as string, "--ca-file", sc.caFile, ...args],
      { env: { ...process.env, KAS_ID_TOKEN: token }, encoding: "utf8", timeout: 120_000 },
      (err, out, errOut) => resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, out, err: errOut }),
    );
  });
}

/** The command in-process, its output captured. */
async function wait(token: string, args: string[]): Promise<Run> {
  let out = "";
  let err = "";
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t) };
  const code = await waitMain(["--kas", sc.kas.kubernetesApiUrl as string, "--ca-file", sc.caFile, "--interval", "500ms", ...args], "gitops-agent wait", { KAS_ID_TOKEN: token }, io);
  return { code, out, err };
}

const ciToken = () => sc.issuer.idToken("group/ci-project");

test("a good commit: exit 0 once the agent applied it and every object is Current", async () => {
  const commit = await commitFiles(sc.repo, { "manifests/web.yaml": deployment("wait-web") });
  const r = await spawnWait(ciToken(), ["--agent", AGENT.name, "--commit", commit, "--timeout", "90s", "--interval", "1s"]);
  expect(r).toMatchObject({ code: 0, err: "" });
  expect(r.out).toMatch(new RegExp(`kas wait: \\[\\d+s\\] succeeded: ${commit.slice(0, 12)}.* applied \\(agent ci-agent, project group/agent-config\\): 2 objects: 2 applied, 2 Current, 0 pending\\n$`));
  const live = await sc.cluster.kubectl(["get", "deployment", "-n", "dude", "wait-web", "-o", "jsonpath={.status.availableReplicas}"]);
  expect(live.trim()).toBe("1");
  expect(sc.kas.logs.join("")).not.toContain(ciToken().split(".")[2]);
}, 120_000);

test("a Deployment that never becomes available: exit 1 naming it and why, after reconcile_timeout", async () => {
  const commit = await commitFiles(sc.repo, { "manifests/stuck.yaml": deployment("wait-stuck", true) });
  const r = await wait(ciToken(), ["--agent", `${AGENT.configProject}:${AGENT.name}`, "--commit", commit, "--timeout", "90s"]);
  expect(r.code).toBe(1);
  // Progress while step 7 waits: agentk's in-progress reports.
  expect(r.out).toMatch(/in progress: .*pending/);
  expect(r.err).toContain(`gitops-agent wait: failed: ${commit.slice(0, 12)}`);
  expect(r.err).toContain("1 resources failed to reconcile before timeout");
  expect(r.err).toContain(`gitops-agent wait:   Deployment.apps dude/wait-stuck: Timeout: not Current after ${RECONCILE_TIMEOUT_S}s: Available: 0/1\n`);
}, 120_000);

test("a commit with an object in naww: exit 1 naming naww/<name>, Forbidden by the apiserver", async () => {
  const commit = await commitFiles(sc.repo, { "manifests/stuck.yaml": null, "manifests/naww.yaml": configMap("wait-naww", "naww") });
  const r = await wait(ciToken(), ["--agent", AGENT.id, "--commit", commit, "--timeout", "90s"]);
  expect(r.code).toBe(1);
  expect(r.err).toContain("1 resources failed");
  expect(r.err).toContain('gitops-agent wait:   ConfigMap naww/wait-naww: ApplyFailed: Forbidden: configmaps "wait-naww" is forbidden: User "system:serviceaccount:gitlab-k8s-agent:agentk" cannot');
}, 120_000);

test("an earlier commit is done when a later one containing it is: exit 0", async () => {
  const first = await commitFiles(sc.repo, { "manifests/naww.yaml": null });
  await commitFiles(sc.repo, { "manifests/more.yaml": configMap("wait-more") });
  const r = await wait(ciToken(), ["--agent", AGENT.name, "--commit", first, "--timeout", "90s"]);
  expect(r).toMatchObject({ code: 0, err: "" });
  expect(r.out).toContain(`succeeded: ${first.slice(0, 12)}`);
}, 120_000);

test("a job whose project is not in ci_access is refused: by allowed_agents for a name, by commit_status for an id", async () => {
  const token = sc.issuer.idToken("group/other-project");
  const head = await commitFiles(sc.repo, { "manifests/more.yaml": configMap("wait-more-2") });
  const byName = await spawnWait(token, ["--agent", AGENT.name, "--commit", head]);
  expect(byName.code).toBe(1);
  expect(byName.err).toBe("kas wait: kas does not allow project group/other-project the agent ci-agent: its ci_access does not admit the job, or there is no such agent. Agents this job may use: none\n");
  const byId = await wait(token, ["--agent", AGENT.id, "--commit", head]);
  expect(byId.code).toBe(1);
  expect(byId.err).toMatch(/^gitops-agent wait: kas refused: 403 .*group\/other-project/);
}, 60_000);

test("a commit in none of the agent's manifest projects: kas says so until the timeout, exit 1", async () => {
  const r = await wait(ciToken(), ["--agent", AGENT.name, "--commit", "f".repeat(40), "--timeout", "2s"]);
  expect(r.code).toBe(1);
  expect(r.err).toBe(`gitops-agent wait: timed out after 2s: kas: commit ${"f".repeat(40)} is not in any manifest project of agent ci-agent (it follows group/agent-config) as kas has it now (not pushed yet, or not fetched yet: kas polls)\n`);
}, 30_000);
