/**
 * An RbacDiff as a plain-text table a reviewer reads in a merge request:
 * namespace | change | apiGroups | resources | verbs, long lists wrapped.
 */
import { isEmptyDiff, type RbacDiff } from "./diff";

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
