/** The agents list at `/`: a table that works without JavaScript (`?q=` filters it server-side). Pure. */
import type { AgentsModel, ConsoleAgent } from "./model";
import { matches, searchText } from "./model";
import { duration, esc, shortCommit, timeTag } from "./html";

export const UNAVAILABLE_NOTICE = "Shared state (Redis) is unavailable: this is this kas replica's own view, agents connected to other replicas are missing.";

/** The agent's build as it reported it: `0.1.0 (abc1234)`, or "-" before it has. */
export const agentVersion = (a: ConsoleAgent): string =>
  a.agent_meta ? esc(a.agent_meta.commit_id ? `${a.agent_meta.version} (${a.agent_meta.commit_id})` : a.agent_meta.version) : "-";

const STATE_CLASS: Record<ConsoleAgent["state"], string> = { connected: "ok", "cluster unreachable": "bad", disconnected: "warn", "never connected": "muted" };

function connections(a: ConsoleAgent): string {
  if (a.replicas && a.replicas.length > 0) return a.replicas.map((r) => `${esc(r.replica)}: ${r.streams}`).join("<br>");
  return a.open_streams ? `this replica: ${a.open_streams}` : "-";
}

function cluster(a: ConsoleAgent): string {
  if (!a.cluster) return a.state === "never connected" ? "-" : "not reported";
  return a.cluster.reachable ? "reachable" : `<span class="bad" title="${esc(a.cluster.error)}">unreachable</span>`;
}

function lastSyncCell(a: ConsoleAgent, now: number): string {
  const s = a.last_sync;
  if (!s) return Object.keys(a.projects ?? {}).length > 0 ? "pending" : "-";
  const result = s.result === "succeeded" ? '<span class="ok">synced</span>' : `<span class="bad">failed</span>: ${esc(s.error)}`;
  return `<code>${shortCommit(s.commit)}</code> ${timeTag(s.at, now)}, ${esc(duration(s.duration_ms))}: ${result}`;
}

function row(a: ConsoleAgent, now: number): string {
  return `<tr data-search="${esc(searchText(a))}" data-agent="${esc(a.id)}"><td><a href="/agents/${encodeURIComponent(a.id)}">${esc(a.name)}</a></td><td>${agentVersion(a)}</td><td class="${STATE_CLASS[a.state]}">${esc(a.state)}</td><td>${connections(a)}</td><td>${timeTag(a.last_seen, now)}</td><td>${cluster(a)}</td><td>${lastSyncCell(a, now)}</td><td>${esc(a.config_error ?? "")}</td></tr>`;
}

/** The list's `<main>`: filter form, notices, table. */
export function renderAgents(model: AgentsModel, q: string, now: number): string {
  const shown = model.agents.filter((a) => matches(a, q));
  const notices = [
    model.shared_state === "unavailable" ? `<p class="notice" role="alert"><strong>${esc(UNAVAILABLE_NOTICE)}</strong></p>` : "",
    model.registry_note ? `<p class="note">${esc(model.registry_note)}</p>` : "",
    model.viewer_note ? `<p class="note">${esc(model.viewer_note)}</p>` : "",
  ].join("");
  const none = model.viewer_note ? "no agent you may see has connected" : "no agent is registered or has connected yet";
  const empty = model.agents.length === 0 ? none : "no agent matches the filter";
  return `<h1>Agents</h1><div id="notices" data-swap>${notices}</div><form method="get" action="/" class="filter" role="search"><label>Filter <input type="search" id="q" name="q" value="${esc(q)}" placeholder="name, state, version, commit" autocomplete="off"></label><button type="submit">Filter</button></form>
<table id="agents"><thead><tr><th>agent</th><th>version</th><th>state</th><th>connections (replica: streams)</th><th>last seen</th><th>cluster</th><th>last sync</th><th>config error</th></tr></thead><tbody id="agents-body" data-swap>
${shown.map((a) => row(a, now)).join("\n") || `<tr class="empty"><td colspan="8">${empty}</td></tr>`}
</tbody></table><p class="counts" id="counts" data-swap><span id="shown-count">${shown.length}</span> of ${model.agents.length} agents · JSON: <a href="/api/v1/agents">/api/v1/agents</a></p>`;
}
