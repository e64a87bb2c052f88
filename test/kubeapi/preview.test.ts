/**
 * Issue 18, `gitops-agent preview`, end to end: the real test cluster (audit
 * log on), kas with its Kubernetes API listener, agentk as a process
 * (bin/agentk). The agent syncs its config project's main branch; a commit on
 * a branch it does not follow (`mr`) removes a ConfigMap key, scales a
 * Deployment, adds a Role and writes to naww. The preview lists exactly those
 * four effects, and nothing changes in the cluster: every write the agent's
 * ServiceAccount sends meanwhile is a dry run. Then the refusals: a
 * credential ci_access does not admit, and a project the agent does not sync
 * (agentk's own refusal).
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { KAS_PREVIEW_PATH, type PreviewResult } from "../../runtime/rpc";
import { kasRequest } from "../../runtime/kas/ci-kubeconfig";
import { previewMain } from "../../runtime/kas/ci-preview";
import { auditArgs, readAuditEvents, writeMetadataAuditPolicy, type TestCluster } from "../cluster";
import { AGENT_NS } from "../agentk/scenario";
import { startFakeGitLabNotes, type FakeGitLabNotes } from "../fakes";
import { commitFiles, git, removeDir, tempDir } from "../git";
import { until } from "../until";
import { AGENT, startKubeApiProcessScenario, type KubeApiProcessScenario } from "./scenario";

const AGENT_USER = `system:serviceaccount:${AGENT_NS}:agentk`;
const CONFIG = [
  "gitops:",
  "  manifest_projects:",
  `    - id: ${AGENT.configProject}`,
  "      default_namespace: dude",
  "      reconcile_timeout: 5s",
  "      paths:",
  '        - glob: "manifests/**/*.yaml"',
  "ci_access:",
  "  projects:",
  "    - id: group/ci-project",
  "",
].join("\n");

const deployment = (replicas: number): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: registry.example/web:1\n`;
const configMap = (data: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n${data}`;
const ROLE = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader\nrules:\n  - apiGroups: [\"\"]\n    resources: [configmaps]\n    verbs: [get]\n";
const NAWW = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: intruder\n  namespace: naww\ndata:\n  x: \"1\"\n";

/** The agent may write Roles in dude (access admin): grants that hold no more than it has pass the apiserver's escalation check. */
async function grantRoles(cluster: TestCluster): Promise<void> {
  const rbac = {
    apiVersion: "v1",
    kind: "List",
    items: [
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "agentk-roles", namespace: "dude" }, rules: [{ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] }] },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "agentk-roles", namespace: "dude" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "agentk-roles" }, subjects: [{ kind: "ServiceAccount", name: "agentk", namespace: AGENT_NS }] },
    ],
  };
  const file = path.join(cluster.dir, "preview-rbac.json");
  writeFileSync(file, JSON.stringify(rbac));
  await cluster.kubectl(["apply", "--server-side", "-f", file]);
}

let sc: KubeApiProcessScenario;
let auditDir: string;
let auditFile: string;
let synced: string;
let proposed: string;
let notes: FakeGitLabNotes;

beforeAll(async () => {
  auditDir = await tempDir("preview-audit-");
  const policy = path.join(auditDir, "policy.yaml");
  auditFile = path.join(auditDir, "audit.log");
  writeMetadataAuditPolicy(policy);
  sc = await startKubeApiProcessScenario({ cluster: { apiserverArgs: auditArgs(policy, auditFile) }, agentConfig: CONFIG, files: { "manifests/app.yaml": `${configMap('  a: "1"\n  b: "2"\n')}---\n${deployment(1)}` }, setup: grantRoles });
  synced = await git(sc.repo, ["rev-parse", "HEAD"]);
  await until(
    "the first commit synced",
    async () => (sc.kas.kas.tracker.list().find((a) => a.id === AGENT.id)?.projects[AGENT.configProject]?.lastReport?.commit_id === synced ? true : undefined),
    60_000,
    () => JSON.stringify(sc.kas.kas.tracker.list()),
  );
  // On a branch the agent does not follow: kas serves it to previews only.
  proposed = await commitFiles(sc.repo, { "manifests/app.yaml": `${configMap('  a: "1"\n')}---\n${deployment(3)}`, "manifests/role.yaml": ROLE, "manifests/naww.yaml": NAWW }, { branch: "mr", parent: synced });
  notes = await startFakeGitLabNotes("note-token");
}, 300_000);

afterAll(async () => {
  await notes?.close();
  await sc?.stop();
  if (auditDir) await removeDir(auditDir);
});

async function preview(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const argv = ["--kas", sc.kas.kubernetesApiUrl as string, "--ca-file", sc.caFile, "--agent", AGENT.name, ...args];
  const code = await previewMain(argv, "gitops-agent preview", { KAS_ID_TOKEN: sc.issuer.idToken("group/ci-project"), ...env }, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

const state = async (): Promise<string> => sc.cluster.kubectl(["get", "configmaps,deployments,roles", "-n", "dude", "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}@{.metadata.resourceVersion} {end}"]);

test("the preview of the MR commit lists exactly its four effects, and only dry-run writes reach the apiserver", async () => {
  const before = await state();
  const auditBefore = readAuditEvents(auditFile).length;
  const r = await preview(["--commit", proposed, "--format", "json"]);
  expect(r.err).toBe("");
  // The naww ConfigMap would be Forbidden: the apply would fail.
  expect(r.code).toBe(1);
  const result = JSON.parse(r.out) as PreviewResult;
  expect(result).toMatchObject({ project_id: AGENT.configProject, commit_id: proposed });
  const effects = result.objects.filter((o) => o.action !== "unchanged");
  expect(effects).toHaveLength(4);
  const find = (kind: string, name: string) => effects.find((o) => o.ref.kind === kind && o.ref.name === name);
  expect(find("ConfigMap", "settings")).toEqual({ ref: { group: "", kind: "ConfigMap", namespace: "dude", name: "settings" }, action: "change", changes: [{ path: "data.b", op: "removed", before: "2" }] });
  expect(find("Deployment", "web")).toEqual({ ref: { group: "apps", kind: "Deployment", namespace: "dude", name: "web" }, action: "change", changes: [{ path: "spec.replicas", op: "changed", before: 1, after: 3 }] });
  expect(find("Role", "reader")).toEqual({ ref: { group: "rbac.authorization.k8s.io", kind: "Role", namespace: "dude", name: "reader" }, action: "create" });
  expect(find("ConfigMap", "intruder")).toMatchObject({ ref: { namespace: "naww" }, action: "forbidden" });
  expect(find("ConfigMap", "intruder")?.message).toContain(`User "${AGENT_USER}" cannot get resource "configmaps" in API group "" in the namespace "naww"`);
  expect(result.objects).toHaveLength(4);
  expect(result.prune).toEqual({ enabled: true, objects: [] });
  expect(result.rbac).toEqual([{ ref: { group: "rbac.authorization.k8s.io", kind: "Role", namespace: "dude", name: "reader" }, created: true, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }], subjects: [] }]);

  // Nothing changed, and every write of the agent's ServiceAccount meanwhile was a dry run.
  expect(await state()).toBe(before);
  await expect(sc.cluster.kubectl(["get", "configmap", "-n", "naww", "intruder"])).rejects.toThrow(/NotFound/);
  const events = readAuditEvents(auditFile).slice(auditBefore).filter((e) => e.user?.username === AGENT_USER);
  const writes = events.filter((e) => ["create", "update", "patch", "delete", "deletecollection"].includes(e.verb ?? ""));
  expect(writes.map((e) => e.objectRef?.name).sort()).toEqual(["reader", "settings", "web"]);
  for (const w of writes) expect(w.requestURI).toContain("dryRun=All");
  expect(sc.kas.logs.join("")).toContain("preview requested");
  expect(sc.agentk.output()).toContain("Previewing commit");
}, 60_000);

test("text and markdown; --mr-note posts the markdown on the merge request", async () => {
  const text = await preview(["--commit", proposed]);
  expect(text.code).toBe(1);
  expect(text.out).toContain(`Preview of ${AGENT.configProject} at ${proposed} by agent ${AGENT.configProject}:${AGENT.name}`);
  expect(text.out).toContain("- data.b (was \"2\")");
  expect(text.out).toContain("~ spec.replicas: 1 -> 3");
  expect(text.out).toContain("Result: the apply would fail on 1 object");

  const env = { CI_API_V4_URL: notes.apiUrl, CI_PROJECT_ID: "42", CI_MERGE_REQUEST_IID: "7", GITLAB_NOTE_TOKEN: "note-token" };
  const md = await preview(["--commit", proposed, "--format", "markdown", "--mr-note"], env);
  expect(md.code).toBe(1);
  expect(md.err).toBe("gitops-agent preview: posted the preview on merge request !7\n");
  expect(notes.notes).toEqual([{ projectId: "42", mergeRequestIid: "7", body: md.out }]);
  expect(md.out).toContain("| `Role.rbac.authorization.k8s.io dude/reader` | create |");

  const missing = await preview(["--commit", proposed, "--format", "markdown", "--mr-note"], { CI_API_V4_URL: notes.apiUrl });
  expect(missing.err).toContain("the merge request note is not posted: $CI_PROJECT_ID, $CI_MERGE_REQUEST_IID are not set");
  expect(notes.notes).toHaveLength(1);
}, 60_000);

test("the synced commit previews as unchanged: exit 0", async () => {
  const r = await preview(["--commit", synced, "--format", "json"]);
  expect(r.code).toBe(0);
  const result = JSON.parse(r.out) as PreviewResult;
  expect(result.objects.map((o) => o.action)).toEqual(["unchanged", "unchanged"]);
}, 60_000);

test("a commit that drops the Deployment: prune would delete it; nothing is deleted", async () => {
  const dropped = await commitFiles(sc.repo, { "manifests/app.yaml": configMap('  a: "1"\n  b: "2"\n') }, { branch: "drop", parent: synced });
  const before = await state();
  const r = await preview(["--commit", dropped.slice(0, 12), "--format", "json"]);
  expect(r.code).toBe(0);
  const result = JSON.parse(r.out) as PreviewResult;
  expect(result.commit_id).toBe(dropped);
  expect(result.objects.map((o) => `${o.ref.kind}/${o.ref.name}:${o.action}`)).toEqual(["ConfigMap/settings:unchanged"]);
  expect(result.prune).toEqual({ enabled: true, objects: [{ group: "apps", kind: "Deployment", namespace: "dude", name: "web" }] });
  expect(await state()).toBe(before);
}, 60_000);

test("a credential ci_access does not admit: kas refuses with 403 and the agent is not asked", async () => {
  const token = sc.issuer.idToken("group/other-project");
  const asked = (): number => sc.agentk.output().split("Previewing commit").length + sc.agentk.output().split("Preview refused").length;
  const askedBefore = asked();
  const answer = await kasRequest({ kas: sc.kas.kubernetesApiUrl as string, path: KAS_PREVIEW_PATH, caPem: sc.caPem, authorization: `Bearer ci:${AGENT.id}:${token}`, json: { commit: proposed } });
  expect(answer.status).toBe(403);
  expect(JSON.parse(answer.body)).toMatchObject({ kind: "Status", message: `kas: project group/other-project is not authorised by the ci_access of agent ${AGENT.configProject}:${AGENT.name}` });
  // The command asks kas which agents it may use first, and says none.
  const r = await preview(["--commit", proposed], { KAS_ID_TOKEN: token });
  expect(r.code).toBe(1);
  expect(r.err).toContain(`kas does not allow project group/other-project the agent ${AGENT.name}: its ci_access does not admit the job, or there is no such agent. Agents this job may use: none`);
  expect(asked()).toBe(askedBefore);
  expect(sc.kas.logs.join("")).not.toContain(token.split(".")[2]);
}, 60_000);

test("a project the agent does not sync: agentk refuses, with its reason", async () => {
  const r = await preview(["--commit", proposed, "--project", "group/elsewhere"]);
  expect(r.code).toBe(1);
  expect(r.out).toBe("");
  expect(r.err).toContain(`agent ${AGENT.id} refused the preview: agent ${AGENT.id} does not sync project group/elsewhere (its gitops.manifest_projects: ${AGENT.configProject}); it previews only what it would sync`);
  await until("agentk's log of the refusal", async () => (sc.agentk.output().includes("Preview refused: not a manifest project of this agent") ? true : undefined), 5_000, () => sc.agentk.output().slice(-2000));
}, 60_000);
