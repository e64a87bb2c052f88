/**
 * A stand-in GitLab for tests: serves `GET /api/v4/internal/kubernetes/agent_info`
 * on 127.0.0.1 with the documented contract. It checks the Gitlab-Kas-Api-Request
 * JWT (signature with the shared secret, iss, aud, exp, nbf) and the Bearer agent
 * token: 401 for a bad JWT or an unknown token, 200 with GitLab's body otherwise.
 * With `kube`, also the Kubernetes API proxy's questions: allowed_agents for CI
 * job tokens and authorize_proxy_user for personal access tokens
 * (gitlab-kube-api.ts). Not part of the registry's public surface.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AGENT_INFO_PATH } from "../../runtime/kas/registry";
import { ALLOWED_AGENTS_PATH, AUTHORIZE_PROXY_USER_PATH } from "../../runtime/kas/kubeapi-auth";
import { kasJwtOk, serveAllowedAgents, serveProxyUser, type FakeJob, type FakeKubeApiState, type FakeUser } from "./gitlab-kube-api";

export type { FakeAllowedAgent, FakeJob, FakeUser, FakeUserAccessAs } from "./gitlab-kube-api";

export interface FakeAgent {
  readonly agentId: number;
  readonly agentName: string;
  readonly projectId: number;
  readonly projectPath: string;
}

export interface FakeGitLab extends FakeKubeApiState {
  readonly url: string;
  /** Requests that reached agent_info. */
  requests: number;
  /** Agents by token; edit to revoke. */
  readonly agents: Map<string, FakeAgent>;
  /** When set, every request is answered with this status (e.g. 500). */
  failWith: number | undefined;
  /** Revokes a CI job token (the job ended) or a personal access token. */
  revoke(token: string): void;
  close(): Promise<void>;
}

export interface FakeKubeTables {
  readonly jobs?: Record<string, FakeJob>;
  readonly users?: Record<string, FakeUser>;
}

export async function startFakeGitLab(secret: Buffer, agents: Record<string, FakeAgent>, kube: FakeKubeTables = {}): Promise<FakeGitLab> {
  const state: FakeGitLab = {
    url: "",
    requests: 0,
    lastJwtProblem: undefined,
    agents: new Map(Object.entries(agents)),
    jobs: new Map(Object.entries(kube.jobs ?? {})),
    users: new Map(Object.entries(kube.users ?? {})),
    calls: { agentInfo: 0, allowedAgents: 0, authorizeProxyUser: 0 },
    failWith: undefined,
    revoke: (token) => {
      state.jobs.delete(token);
      const user = state.users.get(token);
      if (user !== undefined) user.revoked = true;
    },
    close: async () => undefined,
  };
  const configProjectOf = (agentId: number): number | undefined => [...state.agents.values()].find((a) => a.agentId === agentId)?.projectId;
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  };
  const route = (req: IncomingMessage): string | undefined => {
    const p = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method === "GET" && p === `/${AGENT_INFO_PATH}`) return AGENT_INFO_PATH;
    if (req.method === "GET" && p === `/${ALLOWED_AGENTS_PATH}`) return ALLOWED_AGENTS_PATH;
    if (req.method === "POST" && p === `/${AUTHORIZE_PROXY_USER_PATH}`) return AUTHORIZE_PROXY_USER_PATH;
    return undefined;
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const endpoint = route(req);
    if (endpoint === undefined) return json(res, 404, { message: "404 Not Found" });
    if (endpoint === AGENT_INFO_PATH) state.requests++;
    if (state.failWith !== undefined) return json(res, state.failWith, { message: "failure injected by the test" });
    if (!kasJwtOk(state, secret, req, res, json)) return;
    if (endpoint === ALLOWED_AGENTS_PATH) return serveAllowedAgents(state, req, res, json);
    if (endpoint === AUTHORIZE_PROXY_USER_PATH) return void serveProxyUser(state, configProjectOf, req, res, json).catch(() => res.destroy());
    state.calls.agentInfo++;
    const auth = req.headers.authorization ?? "";
    const agent = auth.startsWith("Bearer ") ? state.agents.get(auth.slice("Bearer ".length)) : undefined;
    if (agent === undefined) {
      json(res, 401, { message: "401 Unauthorized" });
      return;
    }
    json(res, 200, {
      project_id: agent.projectId,
      agent_id: agent.agentId,
      agent_name: agent.agentName,
      gitaly_info: { address: "unix:/var/opt/gitlab/gitaly/gitaly.socket", token: "gitaly-token-never-logged", features: {} },
      gitaly_repository: {
        storage_name: "default",
        relative_path: `@hashed/${agent.projectId}.git`,
        gl_repository: `project-${agent.projectId}`,
        gl_project_path: agent.projectPath,
      },
      default_branch: "main",
    });
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
