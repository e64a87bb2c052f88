/**
 * A stand-in GitLab for tests: serves `GET /api/v4/internal/kubernetes/agent_info`
 * on 127.0.0.1 with the documented contract. It checks the Gitlab-Kas-Api-Request
 * JWT (signature with the shared secret, iss, aud, exp, nbf) and the Bearer agent
 * token: 401 for a bad JWT or an unknown token, 200 with GitLab's body otherwise.
 * Not part of the registry's public surface.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AGENT_INFO_PATH, JWT_HEADER, verifyKasJwt } from "../../runtime/kas/registry";

export interface FakeAgent {
  readonly agentId: number;
  readonly agentName: string;
  readonly projectId: number;
  readonly projectPath: string;
}

export interface FakeGitLab {
  readonly url: string;
  /** Requests that reached the endpoint. */
  requests: number;
  /** Why the last JWT was refused, if it was. */
  lastJwtProblem: string | undefined;
  /** Agents by token; edit to revoke. */
  readonly agents: Map<string, FakeAgent>;
  /** When set, every request is answered with this status (e.g. 500). */
  failWith: number | undefined;
  close(): Promise<void>;
}

export async function startFakeGitLab(secret: Buffer, agents: Record<string, FakeAgent>): Promise<FakeGitLab> {
  const state: FakeGitLab = {
    url: "",
    requests: 0,
    lastJwtProblem: undefined,
    agents: new Map(Object.entries(agents)),
    failWith: undefined,
    close: async () => undefined,
  };
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== "GET" || new URL(req.url ?? "/", "http://x").pathname !== `/${AGENT_INFO_PATH}`) {
      json(res, 404, { message: "404 Not Found" });
      return;
    }
    state.requests++;
    if (state.failWith !== undefined) {
      json(res, state.failWith, { message: "failure injected by the test" });
      return;
    }
    const jwt = req.headers[JWT_HEADER.toLowerCase()];
    state.lastJwtProblem = typeof jwt === "string" ? verifyKasJwt(jwt, secret) : "missing";
    if (state.lastJwtProblem !== undefined) {
      json(res, 401, { message: "KAS JWT authentication invalid" });
      return;
    }
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
