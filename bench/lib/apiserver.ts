/**
 * What the apiserver saw: write requests from its /metrics counter
 * (apiserver_request_total) and, per client, from its audit log; and a watch
 * that timestamps the moment an object changes.
 */
import { closeSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import type { ClientRequest } from "node:http";
import * as https from "node:https";
import { apiRequest, type ApiCredentials } from "../../test/cluster";

export const WRITE_VERBS = ["POST", "PUT", "PATCH", "DELETE", "DELETECOLLECTION", "APPLY"];

/** apiserver_request_total for write verbs, keyed "VERB group/resource[/subresource]". */
export async function writeCounters(admin: ApiCredentials): Promise<Map<string, number>> {
  const res = await apiRequest(admin, "GET", "/metrics", undefined, 30_000);
  if (res.status !== 200) throw new Error(`GET /metrics: HTTP ${res.status}`);
  const out = new Map<string, number>();
  for (const line of res.body.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!WRITE_VERBS.includes(labels.verb ?? "")) continue;
    const key = `${labels.verb} ${labels.group ?? ""}/${labels.resource ?? ""}${labels.subresource ? `/${labels.subresource}` : ""}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return out;
}

export interface WriteDelta {
  /** Every write request the apiserver served in the window (all clients: controllers too). */
  readonly all: number;
  /** Writes to the given resources themselves (no subresources such as status). */
  readonly resources: number;
  readonly byKey: Record<string, number>;
}

export function diffWrites(before: Map<string, number>, after: Map<string, number>, resources: readonly string[]): WriteDelta {
  const byKey: Record<string, number> = {};
  let all = 0;
  let res = 0;
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d <= 0) continue;
    byKey[k] = d;
    all += d;
    const resource = k.split(" ")[1] ?? "";
    if (resources.includes(resource)) res += d;
  }
  return { all, resources: res, byKey };
}

/**
 * An audit policy recording every write at Metadata level (who, what, verb,
 * code), and every request of the users in `allRequestsOf` (reads and watches
 * too), nothing else.
 */
export function writeAuditPolicy(file: string, allRequestsOf: readonly string[] = []): void {
  writeFileSync(
    file,
    [
      "apiVersion: audit.k8s.io/v1",
      "kind: Policy",
      "omitStages: [RequestReceived]",
      "rules:",
      ...(allRequestsOf.length > 0 ? ["- level: Metadata", `  users: [${allRequestsOf.map((u) => JSON.stringify(u)).join(", ")}]`] : []),
      "- level: Metadata",
      `  verbs: [${AUDIT_WRITE_VERBS.join(", ")}]`,
      "- level: None",
      "",
    ].join("\n"),
  );
}

/** Audit verbs that write (the audit log names verbs as RBAC does). */
const AUDIT_WRITE_VERBS = ["create", "update", "patch", "delete", "deletecollection"];

export { auditArgs } from "../../test/cluster";

interface AuditEvent {
  readonly stage?: string;
  readonly verb?: string;
  readonly user?: { readonly username?: string };
  readonly userAgent?: string;
  readonly requestURI?: string;
  readonly objectRef?: { readonly resource?: string; readonly subresource?: string; readonly namespace?: string };
  readonly responseStatus?: { readonly code?: number };
}

/** Reads the audit log from where the last call stopped. */
export class AuditLog {
  private offset = 0;

  constructor(private readonly file: string) {}

  /** Skips everything logged so far. */
  mark(): void {
    this.offset = this.size();
  }

  /**
   * Events since the last mark()/take(), by username: writes that persist
   * (dry-runs excluded: they are requests, not writes), and every request the
   * policy records.
   */
  take(): { byUser: Record<string, number>; allByUser: Record<string, number>; byUserResource: Record<string, number> } {
    const end = this.size();
    const text = this.read(this.offset, end);
    this.offset += Buffer.byteLength(text.slice(0, text.lastIndexOf("\n") + 1));
    const byUser: Record<string, number> = {};
    const allByUser: Record<string, number> = {};
    const byUserResource: Record<string, number> = {};
    for (const line of text.split("\n")) {
      if (!line.startsWith("{")) continue;
      let e: AuditEvent;
      try {
        e = JSON.parse(line) as AuditEvent;
      } catch {
        continue;
      }
      if (e.stage !== "ResponseComplete") continue;
      const user = e.user?.username ?? "?";
      allByUser[user] = (allByUser[user] ?? 0) + 1;
      const dryRun = /[?&]dryRun=/.test(e.requestURI ?? "");
      if (AUDIT_WRITE_VERBS.includes(e.verb ?? "") && !dryRun) byUser[user] = (byUser[user] ?? 0) + 1;
      const r = `${user} ${e.verb} ${e.objectRef?.resource ?? ""}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ""}${dryRun ? " (dry-run)" : ""}`;
      byUserResource[r] = (byUserResource[r] ?? 0) + 1;
    }
    return { byUser, allByUser, byUserResource };
  }

  private size(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  private read(from: number, to: number): string {
    if (to <= from) return "";
    const fd = openSync(this.file, "r");
    try {
      const buf = Buffer.alloc(to - from);
      readSync(fd, buf, 0, buf.length, from);
      return buf.toString("utf8");
    } finally {
      closeSync(fd);
    }
  }
}

export interface Watch {
  stop(): void;
}

/**
 * Watches one object (namespaced, by name) and calls onObject with each
 * version and the time it arrived (performance.now()); reconnects from the last resourceVersion
 * until stop().
 */
export function watchObject(
  creds: ApiCredentials,
  listPath: string,
  name: string,
  onObject: (obj: Record<string, unknown> | undefined, atMs: number) => void,
): Watch {
  let stopped = false;
  let current: ClientRequest | undefined;
  let resourceVersion = "";
  const open = (): void => {
    if (stopped) return;
    const q = new URLSearchParams({ watch: "1", fieldSelector: `metadata.name=${name}`, timeoutSeconds: "300", allowWatchBookmarks: "false" });
    if (resourceVersion) q.set("resourceVersion", resourceVersion);
    const url = new URL(`${listPath}?${q.toString()}`, creds.server);
    current = https.request(url, { method: "GET", ca: creds.ca, cert: creds.cert, key: creds.key, headers: { accept: "application/json" } }, (res) => {
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const at = performance.now();
        buf += chunk;
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as { type: string; object: { metadata?: { resourceVersion?: string } } & Record<string, unknown> };
          if (ev.type === "ERROR") {
            resourceVersion = ""; // too old: start over with a fresh list-watch
            continue;
          }
          resourceVersion = ev.object.metadata?.resourceVersion ?? resourceVersion;
          onObject(ev.type === "DELETED" ? undefined : ev.object, at);
        }
      });
      res.on("end", () => setTimeout(open, 50));
      res.on("error", () => setTimeout(open, 200));
    });
    current.on("error", () => {
      if (!stopped) setTimeout(open, 200);
    });
    current.end();
  };
  open();
  return {
    stop: () => {
      stopped = true;
      current?.destroy();
    },
  };
}
