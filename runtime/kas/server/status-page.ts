import { formatVersion, type BuildInfo } from "../../common";
import type { AgentState } from "../shared";

const esc = (s: unknown): string =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** The agent's build as it reported it: `0.1.0 (abc1234)`, or "-" before it has. */
const agentVersion = (a: AgentState): string =>
  a.agent_meta ? esc(a.agent_meta.commit_id ? `${a.agent_meta.version} (${a.agent_meta.commit_id})` : a.agent_meta.version) : "-";

/** A small HTML page: each agent, its version, its connection, and the last sync of each project; kas's own build in the footer. */
export function renderStatusPage(agents: readonly AgentState[], kas: BuildInfo, notice?: string): string {
  const rows = agents.flatMap((a) => {
    const projects = Object.entries(a.projects);
    const agentCells = `<td>${esc(a.name)}</td><td>${agentVersion(a)}</td><td>${a.connected ? "connected" : "disconnected"}</td>`;
    if (projects.length === 0) return [`<tr>${agentCells}<td>-</td><td>-</td><td>-</td><td>${esc(a.config_error ?? "")}</td></tr>`];
    return projects.map(([id, p]) => {
      const r = p.lastReport;
      const failed = r ? r.objects.filter((o) => /fail/i.test(o.status)).length : 0;
      const result = r ? (r.success ? "synced" : `failed: ${esc(r.error)}`) : "pending";
      const omitted = r && r.objects_omitted > 0 ? ` (${r.objects_omitted} more objects not kept)` : "";
      return `<tr>${agentCells}<td>${esc(id)}</td><td><code>${esc((r?.commit_id ?? p.sentCommit ?? "").slice(0, 12))}</code></td><td>${result}${failed ? ` (${failed} objects failed)` : ""}${omitted}</td><td>${esc(a.config_error ?? "")}</td></tr>`;
    });
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>kas: agents</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style></head>
<body><h1>Agents</h1>${notice ? `<p class="notice" role="alert"><strong>${esc(notice)}</strong></p>` : ""}<table><tr><th>agent</th><th>version</th><th>connection</th><th>project</th><th>commit</th><th>last sync</th><th>config error</th></tr>
${rows.join("\n") || '<tr><td colspan="7">no agent has connected yet</td></tr>'}
</table><p>JSON: <a href="/api/v1/agents">/api/v1/agents</a></p>
<footer>kas ${esc(formatVersion(kas))}</footer></body></html>
`;
}
