/** kas's commit_status answer in words: the progress line `gitops-agent wait` prints, and the failing objects. */
import type { CommitStatusWire, ObjectCountsWire, ObjectStateWire, ReportedCommitWire } from "./wire";

const short = (sha: string): string => sha.slice(0, 12);

export function describeCounts(c: ObjectCountsWire): string {
  const parts = [`${c.applied} applied`, `${c.current} Current`, `${c.pending} pending`];
  if (c.failed > 0) parts.push(`${c.failed} failed`);
  return `${c.objects} object${c.objects === 1 ? "" : "s"}: ${parts.join(", ")}`;
}

/** One line: the state, what the agent is at, and the counts. */
export function describeCommitStatus(w: CommitStatusWire): string {
  const where = `agent ${w.agent.name}, project ${w.project}`;
  const r = w.result;
  const via = r && r.commit !== w.commit ? ` (in later commit ${short(r.commit)})` : "";
  switch (w.state) {
    case "pending": {
      const at = w.latest ? `the agent last reported ${short(w.latest.commit)} (${w.latest.state.replace("_", " ")})` : "the agent has reported no sync of this project yet";
      const sent = w.sent_commit === undefined ? "" : `; kas last sent it ${short(w.sent_commit)}`;
      return `pending: ${short(w.commit)} not applied yet (${where}): ${at}${sent}`;
    }
    case "in_progress":
      return `in progress: ${short(w.commit)}${via} (${where}): ${r ? describeCounts(r.counts) : "no objects yet"}`;
    case "succeeded":
      return `succeeded: ${short(w.commit)}${via} applied (${where}): ${r ? describeCounts(r.counts) : "no objects"}`;
    case "failed":
      return `failed: ${short(w.commit)}${via} (${where}): ${r?.error || "the sync failed"}${r ? `; ${describeCounts(r.counts)}` : ""}`;
  }
}

export function describeObject(o: ObjectStateWire): string {
  const kind = o.group === "" ? o.kind : `${o.kind}.${o.group}`;
  const name = o.namespace === "" ? o.name : `${o.namespace}/${o.name}`;
  // agentk's messages start with the object as named here: said once.
  const message = o.message.startsWith(`${kind} ${name}: `) ? o.message.slice(kind.length + name.length + 3) : o.message;
  return `${kind} ${name}: ${o.status}${message === "" ? "" : `: ${message}`}`;
}

/** The objects not Current, one per line (failed first, as kas orders them), and how many more there are. */
export function describeObjects(r: ReportedCommitWire): string[] {
  const lines = r.objects.map(describeObject);
  if (r.objects_omitted > 0) lines.push(`... and ${r.objects_omitted} more`);
  return lines;
}
