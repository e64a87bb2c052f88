/** An agent's page `/agents/<id>`: its state, per project the sync history, objects with health, prune and errors. Pure. */
import type { AgentDetail, HistoryEntry, ManagedObject, ProjectDetail } from "./agent-model";
import { agentVersion } from "./agents-page";
import { duration, esc, shortCommit, timeTag } from "./html";

const HEALTH_CLASS = (h: string): string => (h === "Current" || h === "Pruned" ? "ok" : /Fail|Timeout/.test(h) ? "bad" : "warn");

function commitCell(e: HistoryEntry): string {
  const c = `<code>${shortCommit(e.commit)}</code>`;
  return e.commit_url ? `<a href="${esc(e.commit_url)}" rel="noreferrer">${c}</a>` : c;
}

function history(p: ProjectDetail, now: number): string {
  if (p.history.length === 0) return "<p>No sync reported yet.</p>";
  const rows = p.history.map((e) => {
    const counts = `${e.counts.current}/${e.counts.objects} current${e.counts.failed ? `, ${e.counts.failed} failed` : ""}${e.counts.pending ? `, ${e.counts.pending} pending` : ""}`;
    const result = e.state === "succeeded" ? '<span class="ok">succeeded</span>' : e.state === "failed" ? '<span class="bad">failed</span>' : '<span class="warn">in progress</span>';
    return `<tr data-commit="${esc(e.commit)}"><td>${commitCell(e)}</td><td>${timeTag(e.at, now)}</td><td>${esc(duration(e.duration_ms))}</td><td>${result}</td><td>${counts}</td><td class="msg">${esc(e.error ?? "")}</td></tr>`;
  });
  return `<table class="history"><thead><tr><th>commit</th><th>when</th><th>duration</th><th>result</th><th>objects</th><th>error</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`;
}

function objectsTable(list: readonly ManagedObject[], cls: string): string {
  const rows = list.map(
    (o) =>
      `<tr><td>${esc(o.group ? `${o.kind}.${o.group}` : o.kind)}</td><td>${esc(o.namespace || "-")}</td><td>${esc(o.name)}</td><td class="${HEALTH_CLASS(o.health)}">${esc(o.health)}</td><td class="msg">${esc(o.reason ?? "")}</td></tr>`,
  );
  return `<table class="${cls}"><thead><tr><th>kind</th><th>namespace</th><th>name</th><th>health</th><th>reason</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`;
}

function project(p: ProjectDetail, now: number): string {
  const title = p.web_url ? `<a href="${esc(p.web_url)}" rel="noreferrer">${esc(p.id)}</a>` : esc(p.id);
  const error = p.error ? `<h4>Last sync's error</h4><pre class="error">${esc(p.error)}</pre>` : "";
  const omitted = p.objects_omitted > 0 ? `<p class="note">${p.objects_omitted} more objects not kept by kas (report bounds).</p>` : "";
  const objects = p.objects.length > 0 ? objectsTable(p.objects, "objects") : "<p>No objects in the last sync.</p>";
  const pruned = p.pruned.length > 0 ? `<h4>Removed by prune in the last sync</h4>${objectsTable(p.pruned, "pruned")}` : "<p class=\"note\">Prune removed nothing in the last sync.</p>";
  return `<section class="project"><h2>Project ${title}</h2>${error}<h3>Sync history</h3>${history(p, now)}<h3>Objects of the last sync</h3>${objects}${omitted}${pruned}</section>`;
}

/** The agent page's `<main>`. */
export function renderAgent(d: AgentDetail, now: number): string {
  const a = d.agent;
  const cluster = a.cluster ? (a.cluster.reachable ? "reachable" : `unreachable: ${esc(a.cluster.error)}`) : "not reported";
  const facts = [
    ["state", `<span class="state">${esc(a.state)}</span>`],
    ["id", esc(a.id)],
    ["config project", esc(a.config_project)],
    ["version", agentVersion(a)],
    ["pod", a.agent_meta?.pod_name ? esc(`${a.agent_meta.pod_namespace}/${a.agent_meta.pod_name}`) : "-"],
    ["last seen", timeTag(a.last_seen, now)],
    ["cluster", cluster],
    ["config commit", `<code>${shortCommit(a.config_commit)}</code>`],
  ];
  const configError = a.config_error ? `<h3>Configuration error</h3><pre class="error">${esc(a.config_error)}</pre>` : "";
  const projects = d.projects.map((p) => project(p, now)).join("\n") || "<p>No manifest project reported yet.</p>";
  return `<div id="agent" data-swap><p><a href="/">← agents</a></p><h1>Agent ${esc(a.name)}</h1><dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>
<p><a href="/agents/${encodeURIComponent(a.id)}/workloads">Workloads: pods, events and logs</a> · JSON: <a href="/api/v1/agents/${encodeURIComponent(a.id)}">/api/v1/agents/${esc(a.id)}</a></p>
${configError}${projects}</div>`;
}
