/**
 * GET /agents/<id>/workloads: the workloads as the `<main>` of a console page
 * (the console's layout: header, stylesheet, CSP). The tables need no
 * JavaScript (each pod's log link opens its last lines as text); console.js
 * swaps #workloads on the live stream's `changed` and every
 * WORKLOADS_REFRESH_SECONDS while visible, workloads.js (assets.ts) follows a
 * pod's log in #follow, outside what is swapped. Every value from the
 * cluster or the URL is escaped. Pure.
 */
import { esc, type ConsolePageOptions } from "../console";
import type { EventRow, Problem, WorkloadsAnswer, WorkloadView } from "./model";
import { ASSET_PATH, DEFAULT_TAIL_LINES } from "./routes";

/** Pods change without the agents' reports changing: the page refreshes itself this often while visible. */
export const WORKLOADS_REFRESH_SECONDS = 15;

export function age(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

const problemHtml = (what: string, p: Problem): string => `<p class="problem">${esc(what)}: ${esc(p.reason)} (HTTP ${esc(p.status)}): ${esc(p.message)}</p>`;

function eventsHtml(events: readonly EventRow[]): string {
  if (events.length === 0) return "";
  const items = events.map((e) => `<li>${esc(e.last_seen)} ${esc(e.type)} ${esc(e.reason)}${e.count > 1 ? ` (x${esc(e.count)})` : ""}: ${esc(e.message)}</li>`);
  return `<ul class="events">${items.join("")}</ul>`;
}

function workloadHtml(agentId: string, w: WorkloadView): string {
  const head = `<h2>${esc(w.kind)} ${esc(w.namespace)}/${esc(w.name)}</h2>${w.selector ? `<p>Pods with ${esc(w.selector)}</p>` : ""}`;
  const parts = [head];
  if (w.error) parts.push(problemHtml(`Reading the ${w.kind}`, w.error));
  if (w.events_error) parts.push(problemHtml("Reading events", w.events_error));
  parts.push(eventsHtml(w.events));
  if (w.pods_error) parts.push(problemHtml("Listing pods", w.pods_error));
  else if (!w.error && w.pods.length === 0) parts.push("<p>No pods.</p>");
  if (w.pods.length > 0) {
    const rows = w.pods.map((p) => {
      const base = `/api/v1/agents/${encodeURIComponent(agentId)}/pods/${encodeURIComponent(p.namespace)}/${encodeURIComponent(p.name)}/log`;
      const logs = (p.containers.length > 1 ? p.containers : [""]).map((c) => {
        const url = `${base}?${new URLSearchParams({ ...(c === "" ? {} : { container: c }), tailLines: String(DEFAULT_TAIL_LINES) }).toString()}`;
        return `<a href="${esc(url)}">log${c === "" ? "" : ` ${esc(c)}`}</a> <button type="button" class="follow" data-log="${esc(url)}" hidden>follow</button>`;
      });
      const cells = [p.namespace, p.name, p.phase, p.ready, p.restarts, age(p.age_seconds), p.node].map((v) => `<td>${esc(v)}</td>`).join("");
      return `<tr>${cells}<td>${logs.join("<br>")}${eventsHtml(p.events)}</td></tr>`;
    });
    parts.push(`<table><thead><tr><th>Namespace</th><th>Pod</th><th>Phase</th><th>Ready</th><th>Restarts</th><th>Age</th><th>Node</th><th>Log, events</th></tr></thead><tbody>${rows.join("")}</tbody></table>`);
  }
  return `<section class="workload">${parts.join("\n")}</section>`;
}

/** The page's title, live updates and script, for the console's layout. */
export function workloadsPageOptions(title: string): ConsolePageOptions {
  return { title, live: true, refreshSeconds: WORKLOADS_REFRESH_SECONDS, script: ASSET_PATH };
}

export function renderWorkloadsPage(answer: WorkloadsAnswer): string {
  const { agent } = answer;
  const body = answer.workloads.length === 0 ? "<p>The agent's last reports name no Deployment or StatefulSet.</p>" : answer.workloads.map((w) => workloadHtml(agent.id, w)).join("\n");
  const omitted = answer.omitted > 0 ? `<p>${esc(answer.omitted)} more workloads not shown.</p>` : "";
  return `<p><a href="/agents/${encodeURIComponent(agent.id)}" id="back">← agent ${esc(agent.name)}</a> · JSON: <a href="/api/v1/agents/${encodeURIComponent(agent.id)}/workloads">/api/v1/agents/${esc(agent.id)}/workloads</a></p>
<h1>Workloads of agent ${esc(agent.name)} (${esc(agent.id)})</h1>
<div id="workloads" data-swap><p class="note">${agent.connected ? "connected" : "not connected"} · read through the agent as you may read them</p>
${body}
${omitted}</div>
<div id="follow" hidden><h2 id="follow-title"></h2><button type="button" id="follow-stop">stop</button><pre id="log"></pre></div>`;
}

/** The page when the viewer may not see the agent at all: why, and nothing of the agent. */
export function renderRefusalPage(agentId: string, refusal: Problem): string {
  return `<p><a href="/">← agents</a></p><h1>Workloads of agent ${esc(agentId)}</h1>${problemHtml("Refused", refusal)}`;
}
