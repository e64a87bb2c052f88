/**
 * Issue 17 item 5 end to end: a CI job runs `kas kubeconfig` (a real process,
 * bin/kas) with its ID token in $KAS_ID_TOKEN against real kas's Kubernetes
 * API listener; kas answers GET /.kas/v1/allowed_agents; the written
 * kubeconfig drives the real kubectl through the agent's tunnel to the real
 * test cluster. Then the command's failures: no agent allowed, an expired
 * token (kas's 401 message), kas's certificate not trusted, kas not there.
 */
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { kubeconfigMain } from "../../runtime/kas/ci-kubeconfig";
import { AGENT, startKubeApiScenario, type KubeApiScenario } from "./scenario";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
const CONTEXT = `${AGENT.configProject}:${AGENT.name}`;
let sc: KubeApiScenario;

beforeAll(async () => {
  sc = await startKubeApiScenario();
  await sc.cluster.kubectl(["create", "configmap", "-n", "dude", "ci-hello", "--from-literal=greeting=dude"]);
}, 240_000);

afterAll(async () => {
  await sc?.stop();
});

/** The command in-process, its output captured. */
async function command(token: string | undefined, extra: string[] = []): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await kubeconfigMain(["--kas", sc.kas.kubernetesApiUrl as string, ...extra], "gitops-agent kubeconfig", token === undefined ? {} : { KAS_ID_TOKEN: token }, {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
  });
  return { code, out, err };
}

test("kas kubeconfig writes the job's kubeconfig; kubectl uses its only context, named <config project>:<agent>, through the agent", async () => {
  const token = sc.issuer.idToken("group/ci-project");
  const file = path.join(sc.dir, "written.kubeconfig");
  const r = await run(path.join(ROOT, "bin/kas"), ["kubeconfig", "--kas", sc.kas.kubernetesApiUrl as string, "--ca-file", sc.caFile, "--output", file], {
    env: { ...process.env, KAS_ID_TOKEN: token },
    encoding: "utf8",
  });
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe(`kas kubeconfig: context ${CONTEXT} (current), written to ${file}\n`);
  // It holds the token: the job's user only.
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const doc = parse(readFileSync(file, "utf8")) as { "current-context": string; contexts: { name: string }[]; users: { user: { token: string } }[]; clusters: { cluster: { server: string } }[] };
  expect(doc["current-context"]).toBe(CONTEXT);
  expect(doc.contexts.map((c) => c.name)).toEqual([CONTEXT]);
  expect(doc.users[0]?.user.token).toBe(`ci:${AGENT.id}:${token}`);
  expect(doc.clusters[0]?.cluster.server).toBe(sc.kas.kubernetesApiUrl);

  const listed = await sc.kubectl(file, ["get", "configmaps", "-n", "dude", "-o", "name"]);
  expect(listed).toMatchObject({ ok: true });
  expect(listed.stdout).toContain("configmap/ci-hello");
  // As the CI job names it: --context <config project>:<agent>.
  const pods = await sc.kubectl(file, ["--context", CONTEXT, "get", "pods", "-n", "dude"]);
  expect(pods.ok).toBe(true);
  // The agent's ServiceAccount may not read naww: the apiserver says so.
  const naww = await sc.kubectl(file, ["get", "configmaps", "-n", "naww"]);
  expect(naww.stderr).toContain("Error from server (Forbidden)");
  expect(sc.kas.logs.join("")).toContain("allowed_agents answered");
  expect(sc.kas.logs.join("")).not.toContain(token.split(".")[2]);
}, 90_000);

test("to stdout without --output; the same document", async () => {
  const r = await command(sc.issuer.idToken("group/ci-project"), ["--ca-file", sc.caFile]);
  expect(r.code).toBe(0);
  expect((parse(r.out) as { "current-context": string })["current-context"]).toBe(CONTEXT);
  expect(r.err).toBe(`gitops-agent kubeconfig: context ${CONTEXT} (current)\n`);
}, 30_000);

test("a project no agent admits: exit 1, saying so, and nothing written", async () => {
  const r = await command(sc.issuer.idToken("group/other-project"), ["--ca-file", sc.caFile]);
  expect(r).toEqual({
    code: 1,
    out: "",
    err: "gitops-agent kubeconfig: kas allows this job no agent: no agent's ci_access admits project group/other-project (check the agent's config.yaml ci_access: projects, groups, environments, protected_branches_only)\n",
  });
}, 30_000);

test("an expired token: exit 1 with kas's 401 message", async () => {
  const now = Math.floor(Date.now() / 1000);
  const r = await command(sc.issuer.idToken("group/ci-project", { iat: now - 900, exp: now - 600 }), ["--ca-file", sc.caFile]);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/^gitops-agent kubeconfig: kas refused: 401 kas: token expired \d+s ago \(is the ID token's aud/);
}, 30_000);

test("kas's certificate not trusted (no --ca-file): exit 1, pointing at --ca-file; kas not there: exit 1, naming the address", async () => {
  const token = sc.issuer.idToken("group/ci-project");
  const untrusted = await command(token);
  expect(untrusted.code).toBe(1);
  expect(untrusted.err).toContain("its certificate is not trusted");
  expect(untrusted.err).toContain("pass --ca-file");
  let gone = "";
  const code = await kubeconfigMain(["--kas", "https://127.0.0.1:1", "--ca-file", sc.caFile], "kas kubeconfig", { KAS_ID_TOKEN: token }, { out: () => undefined, err: (t) => void (gone += t) });
  expect(code).toBe(1);
  expect(gone).toContain("kas kubeconfig: cannot reach kas at https://127.0.0.1:1 (ECONNREFUSED");
  for (const text of [untrusted.err, gone]) expect(text).not.toContain(token.split(".")[2]);
}, 30_000);
