/**
 * The console's views, each as a page and as JSON beside it: the agents
 * (`/`, `/api/v1/agents`) and one agent (`/agents/<id>`, `/api/v1/agents/<id>`).
 * Reads the shared state, builds the model (model.ts, agent-model.ts) and
 * renders it (agents-page.ts, agent-page.ts).
 */
import type * as http from "node:http";
import { mapPool, type BuildInfo } from "../../common";
import type { ProjectConfig } from "../config";
import type { AgentInfo } from "../registry";
import type { AgentsView, SharedState } from "../shared";
import { agentDetail } from "./agent-model";
import { renderAgent } from "./agent-page";
import { renderAgents } from "./agents-page";
import { page } from "./html";
import { agentsModel, type AgentsModel } from "./model";
import { sendBytes, sendHtml, sendJson } from "./respond";
import type { AgentAccess, ConsoleViewer } from "./viewer";

export interface ViewsDeps {
  readonly shared: Pick<SharedState, "agents" | "commits">;
  /** The registry's agents, or undefined when it cannot list them (GitLab). */
  readonly registered: () => readonly AgentInfo[] | undefined;
  readonly projects: () => readonly ProjectConfig[];
  readonly kas: BuildInfo;
  readonly now?: () => number;
  /** Which agents a GitLab user sees (kas's operator sees all); undefined: GitLab users see none. */
  readonly agentAccess?: AgentAccess;
}

/** Above the list of a GitLab user: why agents may be missing from it. */
export const GITLAB_USER_NOTE = "signed in with GitLab: only the agents whose user_access admits you are listed";

/**
 * GitLab questions (authorize_proxy_user, cached by the proxy) in flight at
 * once while one GitLab user's list is computed: a kas with many agents must
 * not send GitLab one request per agent all at once.
 */
export const ACCESS_CONCURRENCY = 8;

const AGENT_PAGE = /^\/agents\/([^/]{1,200})$/;
const AGENT_API = /^\/api\/v1\/agents\/([^/]{1,200})$/;

export class Views {
  /** The agents JSON, serialised once per view of the shared state and registry (a flood of GETs costs no re-serialisation). */
  private cache?: { view: AgentsView; registered: readonly AgentInfo[] | undefined; body: Buffer };
  private readonly now: () => number;

  constructor(private readonly deps: ViewsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * What the live stream compares for `viewer`: the agents model as they may
   * see it (any report, connection or config change of an agent they see
   * changes it; one of an agent they may not see does not).
   */
  async fingerprint(viewer: ConsoleViewer): Promise<string> {
    if (viewer.kind === "api-token") return (await this.agentsJson()).toString();
    return JSON.stringify(await this.visibleModel(viewer));
  }

  /** true when `path` is one of the views (answered). */
  async serve(req: http.IncomingMessage, res: http.ServerResponse, path: string, viewer: ConsoleViewer): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://kas");
    if (path === "/api/v1/agents") {
      if (viewer.kind === "api-token") sendBytes(res, 200, "application/json", await this.agentsJson());
      else sendJson(res, 200, { kas: { version: this.deps.kas.version, commit: this.deps.kas.commit }, ...(await this.visibleModel(viewer)) });
      return true;
    }
    if (path === "/") {
      const model = await this.visibleModel(viewer);
      sendHtml(res, 200, page({ title: "Agents", kas: this.deps.kas, viewer, live: true }, renderAgents(model, url.searchParams.get("q") ?? "", this.now())));
      return true;
    }
    const pageId = AGENT_PAGE.exec(path)?.[1];
    const apiId = AGENT_API.exec(path)?.[1];
    const id = pageId ?? apiId;
    if (id === undefined) return false;
    const agentId = safeDecode(id);
    // An agent the viewer may not see is, to them, no agent at all.
    const detail = agentId === undefined || (await this.refused(viewer, agentId)) ? undefined : await this.detail(agentId);
    if (!detail) {
      if (apiId !== undefined) sendJson(res, 404, { error: `no agent with id ${JSON.stringify(agentId ?? id)}: neither registered nor seen by kas` });
      else sendHtml(res, 404, page({ title: "No such agent", kas: this.deps.kas, viewer }, `<h1>No such agent</h1><p><a href="/">← agents</a></p>`));
      return true;
    }
    if (apiId !== undefined) sendJson(res, 200, { kas: { version: this.deps.kas.version, commit: this.deps.kas.commit }, ...detail });
    else sendHtml(res, 200, page({ title: `Agent ${detail.agent.name}`, kas: this.deps.kas, viewer, live: true }, renderAgent(detail, this.now())));
    return true;
  }

  private async model(): Promise<AgentsModel> {
    return agentsModel(await this.deps.shared.agents(), this.deps.registered());
  }

  private async refused(viewer: ConsoleViewer, agentId: string): Promise<boolean> {
    if (viewer.kind === "api-token") return false;
    return this.deps.agentAccess === undefined || (await this.deps.agentAccess(viewer, agentId)) !== undefined;
  }

  /** The agents list as `viewer` may see it: all of it for kas's operator; for a GitLab user the agents user_access admits them to, and a note saying so. */
  private async visibleModel(viewer: ConsoleViewer): Promise<AgentsModel> {
    const model = await this.model();
    if (viewer.kind === "api-token") return model;
    const refused = await mapPool(model.agents, ACCESS_CONCURRENCY, (a) => this.refused(viewer, a.id));
    return { ...model, agents: model.agents.filter((_, i) => !refused[i]), viewer_note: GITLAB_USER_NOTE };
  }

  private async agentsJson(): Promise<Buffer> {
    const view = await this.deps.shared.agents();
    const registered = this.deps.registered();
    if (this.cache?.view !== view || this.cache.registered !== registered) {
      const { version, commit } = this.deps.kas;
      const body = Buffer.from(JSON.stringify({ kas: { version, commit }, ...agentsModel(view, registered) }, null, 2) + "\n");
      this.cache = { view, registered, body };
    }
    return this.cache.body;
  }

  private async detail(agentId: string) {
    const row = (await this.model()).agents.find((a) => a.id === agentId);
    if (!row) return undefined;
    const web = new Map(this.deps.projects().flatMap((p) => (p.webUrl ? [[p.id, p.webUrl] as const] : [])));
    return agentDetail(await this.deps.shared.commits(agentId), row, (p) => web.get(p));
  }
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
