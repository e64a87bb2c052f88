/**
 * kas's access to the configuration project (GitLabProjectAccess): the
 * provider's methods called as Pulumi's dynamic provider host calls them,
 * against the local GitLab fake (test/fakes), whose git endpoint proves the
 * deploy token clones while active and is refused once revoked.
 */
import * as path from "node:path";
import { startFakeGitLabAgentsApi as startFakeGitLab, type FakeGitLabAgentsApi as FakeGitLab } from "../../test/fakes";
import { git, makeRepo, removeDir, tempDir } from "../../test/git";
import { GitLabAgentsApi, GitLabApiError } from "./gitlab-api";
import { DEFAULT_DEPLOY_TOKEN_NAME, gitlabProjectAccessProvider as provider, type ProjectAccessInputs, type ProjectAccessOutputs } from "./project-access";

const MAINTAINER = "glpat-maintainer-Secret-0123456789";
const GUEST = "glpat-guest-Secret-9876543210";
const PROJECT = "group/agent-config";
const HOOK = "https://kas.example.com/api/v1/webhooks/push";

let gitlab: FakeGitLab;
let dir: string;
const savedToken = process.env.GITLAB_TOKEN;

async function checked(news: Partial<ProjectAccessInputs>): Promise<ProjectAccessInputs> {
  const result = await provider.check!({} as ProjectAccessInputs, news as ProjectAccessInputs);
  expect(result.failures).toEqual([]);
  return result.inputs as ProjectAccessInputs;
}

/** `git ls-remote` of the project with basic auth; resolves with the refs, rejects with git's error. */
function lsRemote(username: string, password: string): Promise<string> {
  const url = new URL(`${gitlab.url}/${PROJECT}.git`);
  url.username = encodeURIComponent(username);
  url.password = encodeURIComponent(password);
  return git(dir, ["ls-remote", url.toString()]);
}

beforeAll(async () => {
  dir = await tempDir("project-access-");
  await makeRepo(path.join(dir, "repos", `${PROJECT}.git`), { "README.md": "config\n" }, { bare: true });
});
afterAll(() => removeDir(dir));

beforeEach(async () => {
  gitlab = await startFakeGitLab({ projects: { [PROJECT]: 42 }, maintainerTokens: [MAINTAINER], guestTokens: [GUEST], repos: path.join(dir, "repos") });
  process.env.GITLAB_TOKEN = MAINTAINER;
});

afterEach(async () => {
  await gitlab.close();
  if (savedToken === undefined) delete process.env.GITLAB_TOKEN;
  else process.env.GITLAB_TOKEN = savedToken;
});

test("create makes a read-only deploy token that clones; delete revokes it and git refuses it", async () => {
  const inputs = await checked({ gitlabUrl: `${gitlab.url}/`, project: PROJECT });
  expect(inputs).toMatchObject({ gitlabUrl: gitlab.url, tokenName: DEFAULT_DEPLOY_TOKEN_NAME, webhookUrl: "" });
  const { id, outs } = await provider.create(inputs);
  const token = gitlab.deployTokens.get(outs!.deployTokenId)!;
  expect(id).toBe(`${PROJECT}:deploy-token:${token.id}`);
  expect(token).toMatchObject({ name: DEFAULT_DEPLOY_TOKEN_NAME, scopes: ["read_repository"], expiresAt: null, revoked: false });
  expect(outs).toMatchObject({ deployTokenUsername: token.username, deployToken: token.secret, hookId: 0, webhookSecret: "" });
  expect(gitlab.hooks.size).toBe(0);

  expect(await lsRemote(outs!.deployTokenUsername, outs!.deployToken)).toMatch(/refs\/heads\/main/);
  await expect(lsRemote(outs!.deployTokenUsername, "wrong")).rejects.toThrow(/Authentication failed|401|could not read/i);
  expect(gitlab.gitRequests.some((r) => r.username === token.username && r.status === 200)).toBe(true);

  await provider.delete!(id, outs as ProjectAccessOutputs);
  expect(token.revoked).toBe(true);
  await expect(lsRemote(outs!.deployTokenUsername, outs!.deployToken)).rejects.toThrow(/Authentication failed|401|could not read/i);
  expect(gitlab.gitRequests.at(-1)).toMatchObject({ username: token.username, status: 401 });
  // Already gone is fine: a second delete succeeds.
  await provider.delete!(id, outs as ProjectAccessOutputs);
});

test("with a webhook URL, a push hook with a random secret; delete removes it", async () => {
  const { id, outs } = await provider.create(await checked({ gitlabUrl: gitlab.url, project: PROJECT, webhookUrl: HOOK }));
  const hook = gitlab.hooks.get(outs!.hookId)!;
  expect(hook).toMatchObject({ url: HOOK, pushEvents: true, enableSslVerification: true, deleted: false });
  expect(outs!.webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(hook.secret).toBe(outs!.webhookSecret);
  // GitLab never returns the secret.
  expect(JSON.stringify(await (await fetch(`${gitlab.url}/api/v4/projects/42/hooks`, { headers: { "PRIVATE-TOKEN": MAINTAINER } })).json())).not.toContain(outs!.webhookSecret);

  await provider.delete!(id, outs as ProjectAccessOutputs);
  expect(hook.deleted).toBe(true);
  expect(gitlab.deployTokens.get(outs!.deployTokenId)?.revoked).toBe(true);
  expect(gitlab.requests.filter((r) => r.startsWith("DELETE"))).toEqual([
    `DELETE /api/v4/projects/group%2Fagent-config/hooks/${hook.id} -> 204`,
    `DELETE /api/v4/projects/group%2Fagent-config/deploy_tokens/${outs!.deployTokenId} -> 204`,
  ]);
});

test("a webhook URL change replaces the hook only (new secret), a token name change replaces the resource", async () => {
  const inputs = await checked({ gitlabUrl: gitlab.url, project: PROJECT, webhookUrl: HOOK });
  const { outs } = await provider.create(inputs);
  const olds = outs as ProjectAccessOutputs;
  const moved = { ...inputs, webhookUrl: "http://kas.internal:8154/api/v1/webhooks/push" };
  expect(await provider.diff!("x", olds, moved)).toMatchObject({ changes: true, replaces: [] });
  expect(await provider.diff!("x", olds, { ...inputs, tokenName: "other" })).toMatchObject({ changes: true, replaces: ["tokenName"] });
  expect(await provider.diff!("x", olds, inputs)).toMatchObject({ changes: false });

  const { outs: updated } = await provider.update!("x", olds, moved);
  expect(updated).toMatchObject({ deployTokenId: olds.deployTokenId, deployToken: olds.deployToken, webhookUrl: moved.webhookUrl });
  expect(updated!.hookId).not.toBe(olds.hookId);
  expect(updated!.webhookSecret).not.toBe(olds.webhookSecret);
  expect(gitlab.hooks.get(olds.hookId)?.deleted).toBe(true);
  expect(gitlab.hooks.get(updated!.hookId!)).toMatchObject({ url: moved.webhookUrl, enableSslVerification: false, secret: updated!.webhookSecret });
  // Without a webhook URL the hook goes and nothing replaces it.
  const { outs: none } = await provider.update!("x", updated as ProjectAccessOutputs, { ...inputs, webhookUrl: "" });
  expect(none).toMatchObject({ hookId: 0, webhookSecret: "" });
  expect([...gitlab.hooks.values()].filter((h) => !h.deleted)).toEqual([]);
});

test("a hook GitLab refuses revokes the deploy token just made; a guest may not create; check names bad URLs", async () => {
  // Past check (which would refuse it), GitLab refuses the hook: 422.
  await expect(provider.create({ gitlabUrl: gitlab.url, project: PROJECT, tokenName: "kas", webhookUrl: "ftp://kas" })).rejects.toThrow(GitLabApiError);
  expect([...gitlab.deployTokens.values()].map((t) => t.revoked)).toEqual([true]);

  process.env.GITLAB_TOKEN = GUEST;
  const err = await provider.create(await checked({ gitlabUrl: gitlab.url, project: PROJECT })).catch((e: unknown) => e as GitLabApiError);
  expect(err).toMatchObject({ kind: "forbidden", status: 403 });
  expect(String(err)).toMatch(/deploy tokens/);
  expect(String(err)).not.toContain(GUEST);

  const result = await provider.check!({} as ProjectAccessInputs, { gitlabUrl: "gitlab.example.com", project: PROJECT, webhookUrl: "kas" } as ProjectAccessInputs);
  expect(result.failures?.map((f) => f.property)).toEqual(["gitlabUrl", "webhookUrl"]);
});

test("the API: a missing deploy token or hook is 'not-found' (false on delete), a missing project 'project-not-found'", async () => {
  const api = new GitLabAgentsApi({ gitlabUrl: gitlab.url, privateToken: MAINTAINER });
  expect(await api.revokeDeployToken(PROJECT, 999)).toBe(false);
  expect(await api.deleteHook(PROJECT, 999)).toBe(false);
  const err = await api.createDeployToken("no/such", { name: "x", scopes: ["read_repository"] }).catch((e: unknown) => e as GitLabApiError);
  expect(err).toMatchObject({ kind: "project-not-found", status: 404 });
  const made = await api.createDeployToken(PROJECT, { name: "kas", scopes: ["read_repository"], username: "kas-reader", expiresAt: "2099-01-01" });
  expect(made).toMatchObject({ username: "kas-reader", expires_at: "2099-01-01" });
});
