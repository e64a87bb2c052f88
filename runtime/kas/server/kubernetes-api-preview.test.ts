/**
 * kas's preview endpoint before and around the agent: refusals in words, and
 * what it sends through the tunnel. The tunnel is a stand-in recording the
 * request (the real one: test/kubeapi/preview.test.ts).
 */
import { serveLoopback, type LoopbackHttp } from "../../../test/loopback-http";
import { startIssuer, type TestIssuer } from "../../../test/kubeapi/issuer";
import { createLogger } from "../../common";
import { KAS_PREVIEW_PATH, MANIFEST_PROJECT_DEFAULTS, type ManifestProject, type PreviewRequest, type TunnelRequestHead } from "../../rpc";
import { parseAgentConfig } from "../agentcfg";
import type { ProjectConfig } from "../config";
import { CredentialCache, JwksCache, ciBearerToken, type TargetAgent } from "../kubeapi-auth";
import type { TunnelRegistry } from "../tunnel";
import { previewHandler } from "./kubernetes-api-preview";

const AUDIENCE = "https://kas.example";
const SHA = "0123abcd89abcdef0123456789abcdef01234567";
let issuer: TestIssuer;
const parsed = parseAgentConfig("ci_access:\n  projects:\n  - id: group/app\n  - id: group/imp\n    access_as: {impersonate: {username: alice}}\n", { file: "config.yaml", configProjectId: "group/agent-config" });
if (!parsed.ok) throw new Error(parsed.error);
const AGENT: TargetAgent = { agent: { id: "7", name: "dude", configProjectPath: "group/agent-config" }, ciAccess: parsed.access.ci_access };
const MANIFESTS: ManifestProject = { ...MANIFEST_PROJECT_DEFAULTS, id: "group/agent-config", ref: {}, paths: [{ glob: "manifests/*.yaml" }] };
/** Listed by the agent's config, but kas.yaml grants it to another agent only: the agent may not read it. */
const SECRET_PROJECT: ManifestProject = { ...MANIFEST_PROJECT_DEFAULTS, id: "group/secret", ref: {}, paths: [] };
const collected: string[] = [];

/** What the stand-in tunnel was asked, and what it answers. */
let capabilities: string[] = [];
const sent: { head: TunnelRequestHead; body: PreviewRequest }[] = [];
const cancelled: string[] = [];
const tunnels = {
  acquire: async () => ({
    capabilities,
    cancel: (why: string) => void cancelled.push(why),
    request: async (head: TunnelRequestHead, body: AsyncIterable<Buffer>) => {
      const parts: Buffer[] = [];
      for await (const c of body) parts.push(c);
      const req = JSON.parse(Buffer.concat(parts).toString("utf8")) as PreviewRequest;
      sent.push({ head, body: req });
      const answer = req.files.length === 0 ? { refused: "not mine" } : { project_id: req.project_id, commit_id: req.commit_id, objects: [], prune: { enabled: true, objects: [] }, rbac: [] };
      return { head: { status: req.files.length === 0 ? 403 : 200, headers: [] }, body: (async function* () { yield Buffer.from(JSON.stringify(answer)); })() };
    },
  }),
} as unknown as TunnelRegistry;

let server: LoopbackHttp;
let url = "";
beforeAll(async () => {
  issuer = await startIssuer(AUDIENCE);
  const handler = previewHandler({
    auth: { verify: { issuer: issuer.url, audience: AUDIENCE, jwks: new JwksCache({ issuer: issuer.url }) }, cache: new CredentialCache(), agent: (id) => (id === "7" ? AGENT : undefined) },
    tunnels,
    logger: createLogger({ level: "error", write: () => undefined }, { component: "kas" }),
    access: { get: (id) => (id === "7" ? AGENT : undefined), manifestProject: (id, project) => (id !== "7" ? undefined : [MANIFESTS, SECRET_PROJECT].find((m) => m.id === project)) },
    projects: () => [{ id: "group/secret", url: "/nowhere", public: false, agents: ["someone-else"] } as unknown as ProjectConfig],
    git: {
      resolveRef: async (_p, ref) => (ref.commit && SHA.startsWith(ref.commit) ? SHA : Promise.reject(Object.assign(new Error(`commit ${ref.commit} not found`), { name: "RefNotFoundError" }))),
      collectFiles: async (p, _c, globs) => (collected.push(p), [{ path: "manifests/a.yaml", data: Buffer.from(`globs: ${globs.join(",")}`) }]),
    },
  });
  server = await serveLoopback(handler);
  url = server.url;
});
afterAll(async () => {
  await server.close();
  await issuer.close();
});
beforeEach(() => {
  capabilities = ["http", "upgrade", "preview"];
  sent.length = 0;
  cancelled.length = 0;
  collected.length = 0;
});

async function post(body: unknown, project = "group/app", method = "POST"): Promise<{ status: number; json: { message?: string; project_id?: string } }> {
  const res = await fetch(`${url}${KAS_PREVIEW_PATH}`, { method, headers: { authorization: `Bearer ${ciBearerToken("7", issuer.idToken(project))}` }, ...(method === "POST" ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as { message?: string } };
}

test("the commit resolved, the files of the agent's paths for its config project, sent to agentk's own path as the agent", async () => {
  expect(await post({ commit: "0123abcd" })).toEqual({ status: 200, json: { project_id: "group/agent-config", commit_id: SHA, objects: [], prune: { enabled: true, objects: [] }, rbac: [] } });
  expect(sent).toEqual([
    {
      head: { method: "POST", path: "/.agentk/v1/preview", headers: [{ name: "content-type", values: ["application/json"] }], identity: null },
      body: { project_id: "group/agent-config", commit_id: SHA, files: [{ source: "manifests/a.yaml", data: Buffer.from("globs: manifests/*.yaml").toString("base64") }] },
    },
  ]);
});

test("a project the agent's config does not list goes without files; agentk's refusal comes back", async () => {
  expect(await post({ commit: "0123abcd", project: "group/else" })).toEqual({ status: 403, json: expect.objectContaining({ kind: "Status", message: "agent 7 refused the preview: not mine" }) });
  expect(sent[0]?.body).toEqual({ project_id: "group/else", commit_id: "0123abcd", files: [] });
});

test.each<[string, () => Promise<{ status: number; json: { message?: string } }>, number, string]>([
  ["a GET", () => post(undefined, "group/app", "GET"), 405, `kas: ${KAS_PREVIEW_PATH} answers POST only`],
  ["not JSON", () => post("{"), 400, 'kas: the preview request is not JSON; expected {"commit": "<sha>", "project": "<path>"}'],
  ["a branch name", () => post({ commit: "main" }), 400, 'kas: preview request: body.commit: "main"; expected a commit SHA (4 to 40 lowercase hex digits)'],
  ["a project ci_access does not admit", () => post({ commit: "0123abcd" }, "group/other"), 403, "kas: project group/other is not authorised by the ci_access of agent group/agent-config:dude"],
  ["an unknown commit", () => post({ commit: "ffffffff" }), 404, "kas: commit ffffffff not found"],
])("%s: refused in words, agentk not asked", async (_name, call, status, message) => {
  expect(await call()).toEqual({ status, json: expect.objectContaining({ kind: "Status", message }) });
  expect(sent).toEqual([]);
});

test("an older agentk (no preview capability): 501 saying so; the tunnel given back", async () => {
  capabilities = ["http", "upgrade"];
  expect(await post({ commit: "0123abcd" })).toEqual({ status: 501, json: expect.objectContaining({ message: "kas: agent 7's agentk does not serve previews (an older agentk?); upgrade agentk" }) });
  expect(cancelled).toHaveLength(1);
  expect(sent).toEqual([]);
});

test("a ci_access entry that impersonates: 403, a preview runs as the agent only", async () => {
  capabilities = ["http", "upgrade", "impersonate", "preview"];
  const r = await post({ commit: "0123abcd" }, "group/imp");
  expect(r).toEqual({ status: 403, json: expect.objectContaining({ message: "kas: a preview runs as agent 7's ServiceAccount, but this credential's ci_access grants access as alice: kas previews only for ci_access entries that run as the agent" }) });
  expect(sent).toEqual([]);
});

test("a manifest project the agent's config lists but kas does not let the agent read: 403 in the words the objects stream uses; not a byte read", async () => {
  const r = await post({ commit: "0123abcd", project: "group/secret" });
  expect(r).toEqual({ status: 403, json: expect.objectContaining({ message: expect.stringContaining('agent dude may not read project "group/secret"') }) });
  expect(collected).toEqual([]);
  expect(sent).toEqual([]);
});
