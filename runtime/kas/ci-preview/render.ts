/**
 * The preview for people (pure): a terminal form and markdown for a merge
 * request note. Objects the apply would change or fail on are listed one by
 * one; unchanged ones are counted.
 */
import { FAILING_ACTIONS, type FieldChange, type PreviewAction, type PreviewObject, type PreviewRef, type PreviewResult, type RbacChange } from "../../rpc";

export function describeRef(ref: PreviewRef): string {
  return `${ref.kind}${ref.group ? `.${ref.group}` : ""} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

/** A value in one line, cut at 80 characters. */
export function short(v: unknown): string {
  const s = v === undefined ? "(none)" : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function describeChange(c: FieldChange): string {
  if (c.op === "added") return `+ ${c.path}: ${short(c.after)}`;
  if (c.op === "removed") return `- ${c.path} (was ${short(c.before)})`;
  return `~ ${c.path}: ${short(c.before)} -> ${short(c.after)}`;
}

const ORDER: readonly PreviewAction[] = ["forbidden", "invalid", "out_of_scope", "create", "change"];

/** The objects worth a line: everything but `unchanged`, failures first. */
export function listed(r: PreviewResult): PreviewObject[] {
  return ORDER.flatMap((a) => r.objects.filter((o) => o.action === a));
}

export function verdict(r: PreviewResult): string {
  if (r.rejected?.length) return "the commit is rejected whole: nothing would be applied";
  const failing = r.objects.filter((o) => FAILING_ACTIONS.includes(o.action)).length;
  if (failing > 0) return `the apply would fail on ${failing} object${failing === 1 ? "" : "s"}`;
  return "the apply would succeed";
}

function rbacLines(c: RbacChange): string[] {
  return [
    ...c.rules.map((x) => `+ rule ${short(x)}`),
    ...c.subjects.map((x) => `+ subject ${short(x)}`),
    ...(c.roleRef === undefined ? [] : [`roleRef ${short(c.roleRef)}`]),
  ];
}

function pruneLine(r: PreviewResult): string {
  if (!r.prune.enabled) return "prune is off for this project: nothing is deleted";
  return r.prune.objects.length === 0 ? "nothing" : "";
}

export function renderText(r: PreviewResult, agent: string): string {
  const out = [`Preview of ${r.project_id} at ${r.commit_id} by agent ${agent}`];
  for (const e of r.rejected ?? []) out.push(`  rejected: ${e}`);
  for (const o of listed(r)) {
    out.push(`  ${o.action.padEnd(12)} ${describeRef(o.ref)}${o.message ? `: ${o.message}` : ""}`);
    for (const c of o.changes ?? []) out.push(`               ${describeChange(c)}`);
  }
  const unchanged = r.objects.filter((o) => o.action === "unchanged").length;
  out.push(`  unchanged    ${unchanged} object${unchanged === 1 ? "" : "s"}`);
  const prune = pruneLine(r);
  out.push(`Prune would delete:${prune ? ` ${prune}` : ""}`, ...r.prune.objects.map((p) => `  ${describeRef(p)}`));
  out.push(`RBAC added or widened:${r.rbac.length === 0 ? " none" : ""}`);
  for (const c of r.rbac) out.push(`  ${describeRef(c.ref)}${c.created ? " (new)" : ""}`, ...rbacLines(c).map((l) => `    ${l}`));
  out.push(`Result: ${verdict(r)}`);
  return `${out.join("\n")}\n`;
}

/** Inline code in markdown: backticks inside are fenced by more of them; pipes escaped for tables. */
function code(s: string): string {
  const fence = s.includes("`") ? "``" : "`";
  return `${fence}${s.replace(/\|/g, "\\|")}${fence}`;
}

const ICON: Record<PreviewAction, string> = { create: "create", change: "change", unchanged: "unchanged", forbidden: ":no_entry: forbidden", invalid: ":x: invalid", out_of_scope: ":x: out of scope" };

export function renderMarkdown(r: PreviewResult, agent: string): string {
  const out = [`### GitOps preview: ${code(r.project_id)} at ${code(r.commit_id.slice(0, 12))}`, "", `Agent ${code(agent)}: **${verdict(r)}**.`, ""];
  for (const e of r.rejected ?? []) out.push(`- rejected: ${code(e)}`);
  const rows = listed(r);
  if (rows.length > 0) {
    out.push("| Object | Effect | Details |", "| --- | --- | --- |");
    for (const o of rows) {
      const details = [...(o.message ? [code(o.message)] : []), ...(o.changes ?? []).map((c) => code(describeChange(c)))].join("<br>");
      out.push(`| ${code(describeRef(o.ref))} | ${ICON[o.action]} | ${details} |`);
    }
    out.push("");
  }
  const unchanged = r.objects.filter((o) => o.action === "unchanged").length;
  out.push(`Unchanged: ${unchanged} object${unchanged === 1 ? "" : "s"}.`, "");
  out.push(`**Prune would delete:** ${pruneLine(r) || r.prune.objects.map((p) => code(describeRef(p))).join(", ")}`, "");
  out.push(`**RBAC added or widened:**${r.rbac.length === 0 ? " none" : ""}`);
  for (const c of r.rbac) {
    out.push(`- ${code(describeRef(c.ref))}${c.created ? " (new)" : ""}`);
    for (const l of rbacLines(c)) out.push(`  - ${code(l)}`);
  }
  return `${out.join("\n")}\n`;
}
