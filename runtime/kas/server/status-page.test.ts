/** What an agent says it runs (its AgentMeta) reaches the agents API and the status page, bounded and escaped. */
import { AGENT_META_BYTES, AgentTracker } from "./agent-tracker";
import { renderStatusPage } from "./status-page";

const agent = { id: "1", name: "dude-agent", configProjectId: "group/config" };
const t0 = new Date("2026-01-01T00:00:00Z");
const KAS = { version: "9.9.9", commit: "def5678" };

test("the version and commit the agent reported are kept per agent and shown on the page", () => {
  const tracker = new AgentTracker(() => t0);
  tracker.agentMetaReceived(agent, { version: "0.1.0", commit_id: "abc1234", pod_namespace: "gitlab-agent", pod_name: "agentk-0" });
  expect(tracker.list()[0]!.agent_meta).toEqual({ version: "0.1.0", commit_id: "abc1234", pod_namespace: "gitlab-agent", pod_name: "agentk-0" });
  const page = renderStatusPage(tracker.list(), KAS);
  expect(page).toContain("<th>agent</th><th>version</th><th>connection</th>");
  expect(page).toContain("<td>dude-agent</td><td>0.1.0 (abc1234)</td><td>disconnected</td>");
});

test("an agent from before commit_id existed: the version alone; no meta at all: -", () => {
  const tracker = new AgentTracker(() => t0);
  tracker.agentMetaReceived(agent, { version: "dev", pod_namespace: "", pod_name: "" });
  expect(tracker.list()[0]!.agent_meta).toMatchObject({ version: "dev", commit_id: "" });
  expect(renderStatusPage(tracker.list(), KAS)).toContain("<td>dude-agent</td><td>dev</td>");
  tracker.agentMetaReceived(agent, null);
  expect(renderStatusPage(tracker.list(), KAS)).toContain("<td>dude-agent</td><td>-</td>");
});

test("the agent writes its meta: each field is cut to AGENT_META_BYTES and escaped on the page", () => {
  const tracker = new AgentTracker(() => t0);
  tracker.agentMetaReceived(agent, { version: `<b>${"v".repeat(10_000)}`, commit_id: "c".repeat(10_000), pod_namespace: "n".repeat(10_000), pod_name: "p".repeat(10_000) });
  const meta = tracker.list()[0]!.agent_meta!;
  for (const v of Object.values(meta)) expect(Buffer.byteLength(v)).toBeLessThanOrEqual(AGENT_META_BYTES);
  const page = renderStatusPage(tracker.list(), KAS);
  expect(page).toContain("&lt;b&gt;vvv");
  expect(page).not.toContain("<b>");
});

test("kas's own version and commit are in the page's footer, escaped; no commit, the version alone", () => {
  expect(renderStatusPage([], KAS)).toContain("<footer>kas 9.9.9 (commit def5678)</footer>");
  expect(renderStatusPage([], { version: "<b>1</b>", commit: "" })).toContain("<footer>kas &lt;b&gt;1&lt;/b&gt;</footer>");
});

test("GIVEN a notice (shared state unavailable) THEN the page shows it above the agents, escaped", () => {
  const tracker = new AgentTracker(() => t0);
  tracker.agentMetaReceived(agent, null);
  const page = renderStatusPage(tracker.list(), KAS, "Redis <down>: partial view");
  expect(page).toContain('<h1>Agents</h1><p class="notice" role="alert"><strong>Redis &lt;down&gt;: partial view</strong></p><table>');
  expect(renderStatusPage(tracker.list(), KAS)).not.toContain('class="notice"');
});
