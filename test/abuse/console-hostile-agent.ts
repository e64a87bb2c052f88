/**
 * Agents whose every string is HTML, for the console's escaping: each named
 * agent connects (GetConfiguration held open, with an agent_meta of
 * PAYLOAD); the first one also reports its cluster unreachable and a failed
 * sync whose commit, error and objects are PAYLOAD. Their connection stays
 * open (so they show as connected) until close().
 */
import type * as grpc from "@grpc/grpc-js";
import { connectTarget } from "../../runtime/agentk/connection";
import { bearerMetadata, createClients, type Clients, type ClusterStatusReport, type SyncStatusReport } from "../../runtime/rpc";
import type { KasProcess } from "./kas-process";

/** Closes every element and attribute an unescaped page would open. */
export const PAYLOAD = `"'><script>alert(1)</script><img src=x onerror=alert(2)>`;

export interface HostileAgent {
  close(): Promise<void>;
}

/** A unary call with the agent's token in its metadata (grpc-js takes metadata on every unary method). */
type Unary<Req> = (req: Req, md: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: (err: grpc.ServiceError | null) => void) => unknown;
const call = <Req>(fn: unknown, req: Req, token: string): Promise<void> =>
  new Promise((resolve, reject) => (fn as Unary<Req>)(req, bearerMetadata(token), {}, (err) => (err ? reject(err) : resolve())));

/** Sends a sync report of project g/evil (a second ago, a second long). */
export function reportSync(clients: Pick<Clients, "status">, token: string, r: Pick<SyncStatusReport, "commit_id" | "success" | "error" | "objects">): Promise<void> {
  const report: SyncStatusReport = { project_id: "g/evil", ...r, started_at_unix_ms: Date.now() - 1000, finished_at_unix_ms: Date.now() };
  return call<SyncStatusReport>(clients.status.ReportSyncStatus.bind(clients.status), report, token);
}

export async function hostileAgent(kas: KasProcess, names: readonly string[]): Promise<HostileAgent> {
  const closers: (() => Promise<void> | void)[] = [];
  for (const [i, name] of names.entries()) {
    const token = kas.tokens[name] as string;
    const target = await connectTarget(`grpc://${kas.grpc}`, { token });
    const clients = createClients(target.target, target.credentials);
    const stream = clients.configuration.GetConfiguration(
      { commit_id: "", agent_meta: { version: PAYLOAD, pod_namespace: PAYLOAD, pod_name: PAYLOAD, commit_id: PAYLOAD } },
      bearerMetadata(token),
    );
    stream.on("data", () => undefined);
    stream.on("error", () => undefined);
    closers.push(() => stream.cancel(), () => clients.close(), () => target.close());
    if (i > 0) continue;
    const status = clients.status;
    await call<ClusterStatusReport>(status.ReportClusterStatus.bind(status), { reachable: false, error: PAYLOAD }, token);
    const objects = [
      { group: PAYLOAD, version: "v1", kind: PAYLOAD, namespace: PAYLOAD, name: PAYLOAD, status: "Failed", message: PAYLOAD },
      { group: "", version: "v1", kind: "ConfigMap", namespace: "evil", name: "ok", status: "Current", message: "" },
    ];
    await reportSync(clients, token, { commit_id: PAYLOAD, success: false, error: PAYLOAD, objects });
  }
  return {
    close: async () => {
      for (const c of closers) await c();
    },
  };
}
