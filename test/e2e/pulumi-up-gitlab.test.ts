/**
 * GitLab mode, as deployed: infra/'s own program through the real Pulumi
 * engine (test/pulumi-engine) with `gitops-agent:gitlab` pointing at the local
 * GitLab test server (test/fakes: the agents, deploy tokens and webhooks APIs,
 * and the project's repository over smart HTTP for deploy tokens only), then
 * kas and agentk run exactly as the created objects say (test/deployed).
 *
 * preview (policy pack on) -> up: GitLab shows the agent, its token, a
 * read-only deploy token and a push webhook to kas.publicUrl -> kas clones the
 * configuration project with the deploy token, agentk syncs: nginx in dude ->
 * a push: GitLab posts the event to kas's webhook, kas looks now, agentk
 * applies the new commit -> destroy: the agent deleted, its token and the
 * deploy token revoked (git refuses it), the webhook deleted. Step times printed.
 */
import * as path from "node:path";
import { readStackFile } from "../../infra/config";
import { KAS_PORTS } from "../../runtime/common/deploy";
import { startTestCluster, type TestCluster } from "../cluster";
import type { DeployedProcess } from "../deployed";
import { startFakeGitLabAgentsApi, type FakeGitLabAgentsApi } from "../fakes";
import { commitFiles, makeRepo, removeDir, tempDir } from "../git";
import { ensureRuntimeImage, type RuntimeImage } from "../image";
import { stepTimer, withPulumiStack, type PulumiStackRun } from "../pulumi-engine";
import { until } from "../until";
import { AGENT_NS, asStackConfig, EXAMPLE, exampleRepoFiles, POLICY_PACK, objectNames, program, runKasAndAgentk } from "./as-deployed";

/** The agent's configuration project in GitLab; here it also holds the manifests. */
const PROJECT = "group/dude-agent";
const MAINTAINER_TOKEN = "glpat-e2e-maintainer-0123456789";
/** Where the fake GitLab reaches kas's webhook listener: the deployed kas listens on the host's loopback (test/deployed). */
const KAS_PUBLIC_URL = `http://127.0.0.1:${KAS_PORTS.webhook}`;

let cluster: TestCluster;
let gitlab: FakeGitLabAgentsApi;
let dir: string;
let repo: string;
let image: RuntimeImage;
const running: DeployedProcess[] = [];
const { step, times } = stepTimer();

beforeAll(async () => {
  [cluster, image, dir] = await Promise.all([startTestCluster(), ensureRuntimeImage(), tempDir()]);
  repo = path.join(dir, "repos", `${PROJECT}.git`);
  // The example's config.yaml names its manifest project root/dude-naww; here that is the GitLab project.
  await makeRepo(repo, exampleRepoFiles(PROJECT), { bare: true, message: "dude and naww" });
  gitlab = await startFakeGitLabAgentsApi({ projects: { [PROJECT]: 7 }, maintainerTokens: [MAINTAINER_TOKEN], repos: path.join(dir, "repos") });
}, 600_000);

afterAll(async () => {
  if (times.length > 0) console.log(`pulumi up in GitLab mode, as deployed: step times\n  ${times.join("\n  ")}`);
  for (const p of running) await p.stop().catch(() => undefined);
  await gitlab?.close();
  await cluster?.stop();
  if (dir) await removeDir(dir);
});

/** The example's stack config in GitLab mode: the test cluster, the fake GitLab, kas's public URL; no kas.projects (GitLab's). */
function stackConfig(): Record<string, { value: string }> {
  const raw = readStackFile(path.join(EXAMPLE, "Pulumi.dude-naww.yaml"));
  const { projects: _projects, ...kas } = raw.kas as { projects: unknown };
  const values: Record<string, unknown> = {
    ...raw,
    cluster: { provider: "existing", kubeconfig: cluster.kubeconfigPath },
    gitlab: { url: gitlab.url, project: PROJECT },
    kas: { ...kas, publicUrl: KAS_PUBLIC_URL },
  };
  return asStackConfig(values);
}

const names = (args: readonly string[]): Promise<string[]> => objectNames(cluster, args);

/** The repository's refs as git asks for them, with basic auth: the HTTP status. */
async function gitStatus(username: string, password: string): Promise<number> {
  const res = await fetch(`${gitlab.url}/${PROJECT}.git/info/refs?service=git-upload-pack`, {
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` },
  });
  await res.arrayBuffer();
  return res.status;
}

test("GitLab mode: up registers agent, token, deploy token and webhook; kas clones with the deploy token; a push reaches kas; destroy revokes and deletes", async () => {
  await withPulumiStack(
    { projectName: "gitops-agent", stackName: "dude-gitlab", program, config: stackConfig(), policyPacks: [POLICY_PACK], env: { GITLAB_TOKEN: MAINTAINER_TOKEN } },
    async (run: PulumiStackRun) => {
      const preview = await step("preview (policy pack on)", () => run.preview());
      expect(preview.changeSummary.create).toBeGreaterThan(10);
      expect(gitlab.requests).toEqual([]); // a preview changes nothing in GitLab

      const up = await step("up", () => run.up());
      expect(up.summary.result).toBe("succeeded");

      // GitLab: the agent with one active token, one read-only deploy token, one push webhook to kas.
      const agents = [...gitlab.agents.values()];
      expect(agents.map((a) => a.name)).toEqual(["dude-agent"]);
      expect(up.outputs.agentId?.value).toBe(agents[0]!.id);
      const agentTokens = [...gitlab.tokens.values()];
      expect(agentTokens.map((t) => t.status)).toEqual(["active"]);
      const [deployToken, ...moreTokens] = [...gitlab.deployTokens.values()];
      expect(moreTokens).toEqual([]);
      expect(deployToken).toMatchObject({ scopes: ["read_repository"], revoked: false });
      const [hook, ...moreHooks] = [...gitlab.hooks.values()];
      expect(moreHooks).toEqual([]);
      expect(hook).toMatchObject({ url: `${KAS_PUBLIC_URL}/api/v1/webhooks/push`, pushEvents: true, enableSslVerification: false, deleted: false });

      // kas was configured with the same secret GitLab sends, and with the deploy token (a Secret of its own).
      const secret = (name: string, key: string) => cluster.kubectl(["get", "secret", name, "-n", AGENT_NS, "-o", `jsonpath={.data.${key}}`]).then((b) => Buffer.from(b, "base64").toString("utf8"));
      const [httpSecret] = (await names(["get", "secrets", "-n", AGENT_NS])).filter((n) => n.startsWith("kas-http"));
      expect(await secret(httpSecret!, "webhook-secret")).toBe(hook!.secret);
      expect(await secret("kas-git-credentials", "password-0")).toBe(deployToken!.secret);

      const { kas, agentk } = await runKasAndAgentk(cluster, image, step, running);
      expect(await names(["get", "deployments", "-n", "naww"])).toEqual([]);
      // kas cloned the project as the deploy token's user, and only so.
      const fetched = gitlab.gitRequests.filter((r) => r.status === 200);
      expect(fetched.length).toBeGreaterThan(0);
      expect(new Set(fetched.map((r) => r.username))).toEqual(new Set([deployToken!.username]));

      // A push: GitLab posts the event to kas's webhook; kas looks now and agentk applies the new commit.
      await commitFiles(repo, { "manifests/pushed.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pushed\n  namespace: dude\ndata:\n  via: webhook\n" }, { message: "a push" });
      const [delivery] = await step("push webhook delivered", () => gitlab.deliverPush(PROJECT));
      expect(delivery).toMatchObject({ url: hook!.url, status: 202 });
      await kas.waitForLine(/"msg":"Push webhook: checking project now"/, 10_000);
      await step("pushed ConfigMap applied", () =>
        until("ConfigMap pushed in dude", async () => ((await names(["get", "configmaps", "-n", "dude"])).includes("pushed") ? true : undefined), 60_000, () => agentk.lines.slice(-10).join("\n")),
      );
      expect(kas.exited()).toBeUndefined();

      for (const p of running.splice(0)) await p.stop();
      const down = await step("destroy", () => run.destroy());
      expect(down.summary.result).toBe("succeeded");

      // GitLab: the agent deleted, its token and the deploy token revoked, the webhook deleted.
      const api = `/api/v4/projects/${encodeURIComponent(PROJECT)}`;
      expect(gitlab.requests.filter((r) => r.startsWith("DELETE")).sort()).toEqual([
        `DELETE ${api}/cluster_agents/${agents[0]!.id}/tokens/${agentTokens[0]!.id} -> 204`,
        `DELETE ${api}/cluster_agents/${agents[0]!.id} -> 204`,
        `DELETE ${api}/hooks/${hook!.id} -> 204`,
        `DELETE ${api}/deploy_tokens/${deployToken!.id} -> 204`,
      ].sort());
      expect(gitlab.agents.size).toBe(0);
      expect(deployToken!.revoked).toBe(true);
      expect(hook!.deleted).toBe(true);
      expect(await gitStatus(deployToken!.username, deployToken!.secret)).toBe(401);
    },
  );
  // The cluster: kas, its Secrets, agentk and the agent's RBAC gone; the namespaces kept.
  expect(await names(["get", "deployments,secrets,configmaps,serviceaccounts,roles,rolebindings", "-n", AGENT_NS, "-l", "app.kubernetes.io/managed-by=pulumi"])).toEqual([]);
  expect(await names(["get", "secrets", "-n", AGENT_NS])).toEqual([]);
  expect(await names(["get", "namespaces", "dude", "naww", AGENT_NS])).toEqual(["dude", AGENT_NS, "naww"]);
}, 900_000);
