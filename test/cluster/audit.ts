/** The apiserver's audit log for tests and benchmarks: flags, a policy file, and its events read back. */
import { readFileSync, writeFileSync } from "node:fs";

/** kube-apiserver flags writing JSON events to `logFile` under `policyFile`, synchronously (an event is in the file when the response is sent). */
export function auditArgs(policyFile: string, logFile: string): string[] {
  return [`--audit-policy-file=${policyFile}`, `--audit-log-path=${logFile}`, "--audit-log-format=json", "--audit-log-mode=blocking", "--audit-log-maxsize=0"];
}

/** A policy recording every request at Metadata level (who, as whom, what, verb, code) once its response is complete. */
export function writeMetadataAuditPolicy(file: string): void {
  writeFileSync(file, ["apiVersion: audit.k8s.io/v1", "kind: Policy", "omitStages: [RequestReceived, ResponseStarted]", "rules:", "- level: Metadata", ""].join("\n"));
}

export interface AuditUser {
  readonly username?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export interface AuditEvent {
  readonly stage?: string;
  readonly verb?: string;
  /** The path and query asked, e.g. `/api/v1/namespaces/dude/configmaps/x?dryRun=All&fieldManager=agentk`. */
  readonly requestURI?: string;
  readonly user?: AuditUser;
  readonly impersonatedUser?: AuditUser;
  readonly objectRef?: { readonly resource?: string; readonly subresource?: string; readonly namespace?: string; readonly name?: string };
  readonly responseStatus?: { readonly code?: number };
}

/** Every complete event in `file` so far (a partly written last line is skipped). */
export function readAuditEvents(file: string): AuditEvent[] {
  const out: AuditEvent[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as AuditEvent);
    } catch {
      // the line being written
    }
  }
  return out;
}
