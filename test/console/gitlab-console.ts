/**
 * The console's workloads scenario for the browser (issue 21): kas as a
 * process (bin/kas) in GitLab mode with the API token and GitLab sign-in
 * (console.gitlab), GitLab's internal API and its OAuth endpoints as loopback
 * fakes (one table of users: an OAuth sign-in gives the user the token
 * authorize_proxy_user knows), agentk as a process (bin/agentk,
 * --allow-impersonation) syncing examples/dude-naww (dude allowed, naww not)
 * on the real test cluster with KWOK pods and logs. RBAC and users as
 * test/workloads/scenario.ts: walter may not read pods, alice may, donny may
 * not use the agent.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { grantAgent } from "../agentk/rbac";
import { AGENT_NS } from "../agentk/scenario";
import { freePorts, startTestCluster, type TestCluster } from "../cluster";
import { startFakeGitLabInternalApi, startFakeGitLabOAuth, type FakeGitLabInternalApi, type FakeGitLabOAuth } from "../fakes";
import { makeRepo, removeDir, tempDir } from "../git";
import { newToken } from "../kas";
import { startKasReplica, type KasReplica } from "../kas/kas-replica";
import { agentkProcess, type AgentkProcess } from "../kubeapi/agentk-process";
import { AGENT, CONFIG_PROJECT_ID } from "../kubeapi/scenario";
import { makeTestPki } from "../tls";
import { DUDE, grantWorkloadsRbac, WORKLOADS_AGENT_CONFIG, WORKLOADS_USERS } from "../workloads/scenario";

export const CONSOLE_API_TOKEN = randomBytes(24).toString("base64url");
const CLIENT = { id: "console-app", secret: "console-app-secret-0123456789" };
const NAWW = readFileSync(path.resolve(__dirname, "../../examples/dude-naww/manifests/naww.yaml"), "utf8");

export interface GitLabConsoleScenario {
  readonly cluster: TestCluster;
  readonly kas: KasReplica;
  readonly agentk: AgentkProcess;
  readonly gitlab: FakeGitLabInternalApi;
  /** Set `oauth.signedInAs` to who GitLab signs in next. */
  readonly oauth: FakeGitLabOAuth;
  /** The console: http://127.0.0.1:<listen.api port>. */
  readonly base: string;
  /** GitLab's user of `username` as /oauth/authorize signs them in (with the token authorize_proxy_user knows). */
  user(username: string): { username: string; accessToken: string };
  stop(): Promise<void>;
}

export async function startGitLabConsoleScenario(): Promise<GitLabConsoleScenario> {
  const cluster = await startTestCluster({ kubeletServer: true });
  const kubeconfig = await grantAgent(cluster, AGENT_NS, "agentk", ["dude"]);
  await cluster.kubectl(["create", "namespace", "naww"]);
  await grantWorkloadsRbac(cluster);
  const dir = await tempDir("workloads-browser-");
  const repo = path.join(dir, "agent-config");
  await makeRepo(repo, { [`.gitlab/agents/${AGENT.name}/config.yaml`]: WORKLOADS_AGENT_CONFIG, "manifests/dude.yaml": DUDE, "manifests/naww.yaml": NAWW });
  const token = newToken();
  const secret = randomBytes(32);
  const gitlab = await startFakeGitLabInternalApi(secret, { [token]: { agentId: Number(AGENT.id), agentName: AGENT.name, projectId: CONFIG_PROJECT_ID, projectPath: AGENT.configProject } }, { users: WORKLOADS_USERS });
  const [grpc, api, webhook, observability, kubeApi] = (await freePorts(5)) as [number, number, number, number, number];
  const base = `http://127.0.0.1:${api}`;
  const oauth = await startFakeGitLabOAuth({ ...CLIENT, redirectUrl: `${base}/oauth/callback` });
  const kasDir = path.join(dir, "kas");
  mkdirSync(kasDir);
  const pki = makeTestPki(kasDir);
  writeFileSync(path.join(kasDir, "kas-secret"), secret.toString("base64"));
  writeFileSync(path.join(kasDir, "api-token"), CONSOLE_API_TOKEN);
  writeFileSync(path.join(kasDir, "webhook-secret"), "workloads-webhook-secret");
  writeFileSync(path.join(kasDir, "client-secret"), CLIENT.secret);
  const users = Object.values(WORKLOADS_USERS).map((u) => u.username);
  const kas = await startKasReplica(
    "kas",
    kasDir,
    { grpc, api, webhook, observability },
    {
      agents: { registry: "gitlab", gitlab: { url: gitlab.url, secret_file: "kas-secret" } },
      git: { cache_dir: "cache", poll_period: "1s" },
      projects: [{ id: AGENT.configProject, url: repo }],
      webhook: { secret_file: "webhook-secret" },
      api: { token_file: "api-token" },
      console: { gitlab: { url: oauth.url, client_id: CLIENT.id, client_secret_file: "client-secret", redirect_url: `${base}/oauth/callback`, users } },
    },
    { apiToken: CONSOLE_API_TOKEN, listen: { kubernetes_api: { address: `127.0.0.1:${kubeApi}`, cert_file: pki.certFile, key_file: pki.keyFile } } },
  );
  const agentk = agentkProcess({ kasGrpcAddress: `127.0.0.1:${grpc}`, token, kubeconfig, namespace: AGENT_NS, allowImpersonation: true });
  await agentk.start();
  return {
    cluster,
    kas,
    agentk,
    gitlab,
    oauth,
    base,
    user: (username) => {
      const entry = Object.entries(WORKLOADS_USERS).find(([, u]) => u.username === username);
      if (!entry) throw new Error(`no GitLab user ${username} in WORKLOADS_USERS (known: ${users.join(", ")})`);
      return { username, accessToken: entry[0] };
    },
    stop: async () => {
      await agentk.close();
      await kas.stop();
      await oauth.close();
      await gitlab.close();
      await cluster.stop();
      await removeDir(dir);
    },
  };
}
