/**
 * An RbacDiff as a plain-text table a reviewer reads in a merge request:
 * namespace | change | apiGroups | resources | verbs, long lists wrapped;
 * formatDiffMarkdown is the same diff as a merge request note reads it.
 */
import { CLUSTER_SCOPE, IMPERSONATION_SCOPE, isEmptyDiff, type PermissionGroup, type RbacDiff } from "./diff";

const HEADERS = ["NAMESPACE", "CHANGE", "API GROUPS", "RESOURCES", "VERBS"] as const;
/** Lists wrap at this width so the table stays readable in a CI log. */
const WRAP = 48;

/** Joins items with ", ", breaking into lines no wider than `width` (an item never splits). */
function wrap(items: readonly string[], width = WRAP): string[] {
  const lines: string[] = [];
  let line = "";
  items.forEach((item, i) => {
    const piece = i < items.length - 1 ? `${item},` : item;
    if (line && line.length + 1 + piece.length > width) {
      lines.push(line);
      line = piece;
    } else {
      line = line ? `${line} ${piece}` : piece;
    }
  });
  return lines.length > 0 || line ? [...lines, line] : [""];
}

function renderTable(rows: readonly (readonly string[][])[]): string {
  const widths = HEADERS.map((h, c) => Math.max(h.length, ...rows.flatMap((row) => (row[c] ?? []).map((l) => l.length))));
  const line = (cells: readonly string[]) => cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ").trimEnd();
  const out = [line(HEADERS), widths.map((w) => "-".repeat(w)).join("-+-")];
  for (const row of rows) {
    const height = Math.max(...row.map((cell) => cell.length));
    for (let i = 0; i < height; i++) out.push(line(row.map((cell) => cell[i] ?? "")));
  }
  return out.join("\n");
}

export function formatDiffTable(diff: RbacDiff): string {
  if (isEmptyDiff(diff)) return "no RBAC change";
  const summary: string[] = [];
  if (diff.subject) summary.push(`agent ServiceAccount: ${diff.subject.before} -> ${diff.subject.after} (every grant moves)`);
  for (const ns of diff.namespaces) {
    if (ns.highlight) summary.push(`! ${ns.namespace}: ${ns.before} -> ${ns.after}: ${ns.highlight}`);
    else if (ns.before !== ns.after) summary.push(`${ns.namespace}: ${ns.before} -> ${ns.after}`);
  }
  const rows: string[][][] = [];
  for (const ns of diff.namespaces) {
    for (const [change, groups] of [["+ grant", ns.added], ["- revoke", ns.removed]] as const) {
      for (const g of groups) rows.push([[ns.namespace], [change], [g.apiGroup || "core"], wrap(g.resources), wrap(g.verbs)]);
    }
  }
  const table = rows.length > 0 ? renderTable(rows) : "no permission change";
  return (summary.length > 0 ? [...summary, "", table] : [table]).join("\n");
}

/** Flag on rows an attacker with a commit would want: RBAC kinds (hand rights on), Secrets, cluster-scoped kinds, impersonation. */
const FLAG = "⚠️";

function escalationOf(namespace: string, group: PermissionGroup): string | undefined {
  if (namespace === CLUSTER_SCOPE) return "cluster-scoped";
  if (namespace === IMPERSONATION_SCOPE) return "impersonation";
  if (group.apiGroup === "rbac.authorization.k8s.io") return "Roles/RoleBindings";
  if (group.apiGroup === "" && group.resources.some((r) => r === "secrets" || r.startsWith("secrets ("))) return "Secrets";
  return undefined;
}

/** A markdown table cell: pipes escaped, never empty. */
const cell = (text: string): string => text.replace(/\|/g, "\\|") || " ";
const code = (items: readonly string[]): string => `\`${items.join(", ")}\``;

/**
 * An RbacDiff as GitLab/GitHub-flavoured markdown for a merge request note:
 * a one-line summary, the reasons to look twice, then one row per namespace
 * and (apiGroup, verbs) the agent gains or loses; gains of RBAC kinds,
 * Secrets, cluster-scoped kinds or impersonation are flagged.
 */
export function formatDiffMarkdown(diff: RbacDiff): string {
  if (isEmptyDiff(diff)) return "**RBAC:** no change for the agent.";
  const rows: string[] = [];
  let flagged = 0;
  for (const ns of diff.namespaces) {
    for (const [change, groups] of [["gains", ns.added], ["loses", ns.removed]] as const) {
      for (const g of groups) {
        const why = change === "gains" ? escalationOf(ns.namespace, g) : undefined;
        if (why) flagged++;
        const access = `${ns.before} → ${ns.after}`;
        const cells = [why ? `${FLAG} ${why}` : "", `\`${ns.namespace}\``, access, change, `\`${g.apiGroup || "core"}\``, code(g.resources), code(g.verbs)];
        rows.push(`| ${cells.map(cell).join(" | ")} |`);
      }
    }
  }
  const changes = diff.namespaces.map((ns) => `\`${ns.namespace}\` ${ns.before} → ${ns.after}`).join(", ");
  const count = `${diff.namespaces.length} namespace${diff.namespaces.length === 1 ? "" : "s"}`;
  const summary = `**RBAC change for the agent** (${count}): ${changes || "no namespace"}${flagged > 0 ? `; ${FLAG} ${flagged} escalation-relevant grant${flagged === 1 ? "" : "s"}` : ""}.`;
  const notes: string[] = [];
  if (diff.subject) notes.push(`- ${FLAG} agent ServiceAccount \`${diff.subject.before}\` → \`${diff.subject.after}\`: every grant moves`);
  for (const ns of diff.namespaces) if (ns.highlight) notes.push(`- ${FLAG} \`${ns.namespace}\`: ${ns.highlight}`);
  const table = rows.length > 0
    ? ["| Escalation | Namespace | Access | Change | API group | Resources | Verbs |", "|---|---|---|---|---|---|---|", ...rows]
    : ["No permission change."];
  return [summary, ...(notes.length > 0 ? ["", ...notes] : []), "", ...table].join("\n");
}
