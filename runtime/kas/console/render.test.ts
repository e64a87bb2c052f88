/** The console's models and renderers, from fixture states: what each view says, escaped. */
import type { AgentState, AgentsView, CommitsView } from "../shared";
import { agentDetail } from "./agent-model";
import { renderAgent } from "./agent-page";
import { renderAgents } from "./agents-page";
import { page } from "./html";
import { agentsModel, GITLAB_REGISTRY_NOTE } from "./model";
import { safeNext } from "./sign-in-page";

const NOW = Date.parse("2026-01-01T00:10:00Z");
const KAS = { version: "9.9.9", commit: "def5678" };
const report = (over: Partial<NonNullable<AgentState["projects"][string]["lastReport"]>> = {}) => ({
  project_id: "group/dude-naww",
  commit_id: "0123456789abcdef0123",
  success: false,
  error: "1 resources failed",
  objects: [
    { group: "apps", version: "v1", kind: "Deployment", namespace: "dude", name: "nginx-deployment-dude", status: "Current", message: "ok" },
    { group: "apps", version: "v1", kind: "Deployment", namespace: "naww", name: "nginx-deployment-naww", status: "ApplyFailed", message: 'deployments.apps "nginx-deployment-naww" is forbidden: User cannot patch resource' },
    { group: "", version: "v1", kind: "ConfigMap", namespace: "dude", name: "old", status: "Pruned", message: "pruned" },
  ],
  objects_omitted: 0,
  started_at_unix_ms: NOW - 62_000,
  finished_at_unix_ms: NOW - 60_000,
  received_at: "2026-01-01T00:09:00.000Z",
  ...over,
});
const agent = (over: Partial<AgentState> = {}): AgentState => ({
  id: "1",
  name: "dude-agent",
  config_project: "group/dude-naww",
  open_streams: 2,
  connected: true,
  first_seen: "2026-01-01T00:00:00.000Z",
  last_seen: "2026-01-01T00:09:30.000Z",
  agent_meta: { version: "0.1.0", commit_id: "abc1234", pod_namespace: "gitlab-agent", pod_name: "agentk-0" },
  projects: { "group/dude-naww": { lastReport: report() } },
  ...over,
});
const view = (agents: AgentState[]): AgentsView => ({ status: "memory", agents });
const REGISTERED = [
  { id: "1", name: "dude-agent", configProjectId: "group/dude-naww" },
  { id: "2", name: "idle-agent", configProjectId: "group/idle" },
];

describe("the agents list", () => {
  test("GIVEN the file registry THEN a registered agent that never connected is listed, with the connected one", () => {
    const m = agentsModel(view([agent()]), REGISTERED);
    expect(m.agents.map((a) => [a.name, a.state])).toEqual([
      ["dude-agent", "connected"],
      ["idle-agent", "never connected"],
    ]);
    const html = renderAgents(m, "", NOW);
    expect(html).toMatch(/<a href="\/agents\/2">idle-agent<\/a><\/td><td>-<\/td><td class="muted">never connected<\/td>/);
    expect(html).toContain('<a href="/agents/1">dude-agent</a></td><td>0.1.0 (abc1234)</td><td class="ok">connected</td><td>this replica: 2</td>');
    expect(html).toContain('<code>0123456789ab</code> <time datetime="2026-01-01T00:09:00.000Z" title="2026-01-01T00:09:00.000Z" data-ago>1 min ago</time>, 2.0 s: <span class="bad">failed</span>: 1 resources failed');
  });

  test("GIVEN a partial view (Redis away) THEN registered agents it lacks are not called never connected; the page says the view is partial", () => {
    const m = agentsModel({ status: "unavailable", agents: [agent()] }, REGISTERED);
    expect(m.agents.map((a) => a.name)).toEqual(["dude-agent"]);
    expect(renderAgents(m, "", NOW)).toContain("Shared state (Redis) is unavailable");
  });

  test("GIVEN agentk says its apiserver is unreachable THEN the agent is 'cluster unreachable', not 'connected'", () => {
    const m = agentsModel(view([agent({ cluster: { reachable: false, error: "connect ECONNREFUSED 127.0.0.1:1", checked_at: "2026-01-01T00:09:59.000Z" } })]), REGISTERED);
    expect(m.agents[0]?.state).toBe("cluster unreachable");
    const html = renderAgents(m, "", NOW);
    expect(html).toContain('<td class="bad">cluster unreachable</td>');
    expect(html).toContain('<span class="bad" title="connect ECONNREFUSED 127.0.0.1:1">unreachable</span>');
  });

  test("GIVEN GitLab mode (no list) THEN the page says registered agents are unknown; ?q= filters rows without JavaScript", () => {
    const m = agentsModel(view([agent(), agent({ id: "3", name: "other", connected: false, open_streams: 0 })]), undefined);
    expect(m.registry_note).toBe(GITLAB_REGISTRY_NOTE);
    const html = renderAgents(m, "OTHER disconnected", NOW);
    expect(html).toContain(GITLAB_REGISTRY_NOTE);
    expect(html).toContain(">other</a>");
    expect(html).not.toContain(">dude-agent</a>");
    expect(html).toContain('<span id="shown-count">1</span> of 2 agents');
  });

  test("an agent named <script> is text everywhere: list, agent page, title", () => {
    const evil = agent({ name: "<script>alert(1)</script>", config_error: "<img src=x onerror=alert(1)>" });
    const list = page({ title: "Agents", kas: KAS, live: true }, renderAgents(agentsModel(view([evil]), undefined), "<script>", NOW));
    const commits: CommitsView = { status: "memory", agent: evil, commits: new Map() };
    const detail = renderAgent(agentDetail(commits, agentsModel(view([evil]), undefined).agents[0]!, () => undefined), NOW);
    const one = page({ title: `Agent ${evil.name}`, kas: KAS }, detail);
    for (const html of [list, one]) {
      expect(html).not.toMatch(/<script>alert|<img src=x|value="<script>/);
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(html.match(/<script/g)).toEqual(['<script']); // the one external script tag
    }
  });
});

describe("the agent page", () => {
  const commits: CommitsView = {
    status: "memory",
    agent: agent(),
    commits: new Map([
      [
        "group/dude-naww",
        [
          { startedAt: NOW - 300_000, finishedAt: NOW - 299_000, result: { commit: "aaaaaaaaaaaa1111", state: "succeeded", counts: { objects: 1, applied: 1, current: 1, pending: 0, failed: 0 }, objects: [], objects_omitted: 0, updated_at: "2026-01-01T00:05:00.000Z" } },
          { startedAt: NOW - 62_000, finishedAt: NOW - 60_000, result: { commit: "0123456789abcdef0123", state: "failed", error: "1 resources failed", counts: { objects: 2, applied: 1, current: 1, pending: 0, failed: 1 }, objects: [], objects_omitted: 0, updated_at: "2026-01-01T00:09:00.000Z" } },
        ],
      ],
    ]),
  };
  const d = agentDetail(commits, agentsModel(view([agent()]), REGISTERED).agents[0]!, (p) => (p === "group/dude-naww" ? "https://gitlab.example.com/group/dude-naww" : undefined));

  test("history newest first with duration and a link to the commit; objects with health and the Forbidden reason; what prune removed", () => {
    expect(d.projects[0]?.history.map((h) => [h.commit, h.state, h.duration_ms])).toEqual([
      ["0123456789abcdef0123", "failed", 2000],
      ["aaaaaaaaaaaa1111", "succeeded", 1000],
    ]);
    const html = renderAgent(d, NOW);
    expect(html).toContain('<a href="https://gitlab.example.com/group/dude-naww/-/commit/0123456789abcdef0123" rel="noreferrer"><code>0123456789ab</code></a>');
    expect(html).toContain('<td>Deployment.apps</td><td>naww</td><td>nginx-deployment-naww</td><td class="bad">ApplyFailed</td><td class="msg">deployments.apps &quot;nginx-deployment-naww&quot; is forbidden');
    expect(html).toContain('<td>Deployment.apps</td><td>dude</td><td>nginx-deployment-dude</td><td class="ok">Current</td><td class="msg"></td>');
    expect(html).toContain('Removed by prune in the last sync</h4><table class="pruned">');
    expect(html).toContain("<td>ConfigMap</td><td>dude</td><td>old</td><td class=\"ok\">Pruned</td>");
    expect(html).toContain('<a href="/agents/1/workloads">');
  });

  test("a config error and a manifest error are shown as written (file:line)", () => {
    const bad = agentDetail({ ...commits, agent: agent({ config_error: ".gitlab/agents/dude-agent/config.yaml:3: gitops.prune: expected a boolean", projects: { p: { lastReport: report({ error: "manifests/x.yaml: line 4: not YAML" }) } } }) }, d.agent, () => undefined);
    const html = renderAgent(bad, NOW);
    expect(html).toContain('<pre class="error">.gitlab/agents/dude-agent/config.yaml:3: gitops.prune: expected a boolean</pre>');
    expect(html).toContain('<pre class="error">manifests/x.yaml: line 4: not YAML</pre>');
  });
});

test("kas's version in the footer; sign-in returns only to local paths", () => {
  expect(page({ title: "t", kas: KAS }, "")).toContain("<footer>kas 9.9.9 (commit def5678)</footer>");
  expect([safeNext("/agents/1?x=1"), safeNext("//evil.example"), safeNext("https://evil.example"), safeNext("/\\evil"), safeNext(undefined)]).toEqual(["/agents/1?x=1", "/", "/", "/", "/"]);
});
