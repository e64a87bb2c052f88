/**
 * Agent mallory as a hostile cluster would present it to kas: connected
 * (GetConfiguration held open), a sync report naming `objects`, and agentk's
 * own tunnel pool (2 tunnels) in front of `apiserver`, the attacker's stand-in
 * for its cluster. For the console's workloads and log attacks.
 */
import type * as http from "node:http";
import type { AddressInfo } from "node:net";
import { connectTarget } from "../../runtime/agentk/connection";
import { KubeClient } from "../../runtime/agentk/kube";
import { startTunnelPool, type TunnelPool } from "../../runtime/agentk/tunnel";
import { createLogger } from "../../runtime/common";
import { bearerMetadata, createClients, type SyncStatusReport } from "../../runtime/rpc";
import { bindAgentToken } from "../../runtime/rpc/client";
import { reportSync } from "./console-hostile-agent";
import { eventually, type KasProcess } from "./kas-process";

/** A Deployment of mallory's sync report, Current. */
export const deployment = (namespace: string, name: string): SyncStatusReport["objects"][number] => ({ group: "apps", version: "v1", kind: "Deployment", namespace, name, status: "Current", message: "" });

export interface MalloryTunnels {
  readonly pool: TunnelPool;
  close(): Promise<void>;
}

export async function malloryTunnels(kas: KasProcess, apiserver: http.Server, objects: SyncStatusReport["objects"]): Promise<MalloryTunnels> {
  const token = kas.tokens.mallory as string;
  const stop = new AbortController();
  const target = await connectTarget(`grpc://${kas.grpc}`, { token });
  const channel = bindAgentToken(target.credentials, () => token);
  const clients = createClients(target.target, channel.credentials, channel.options);
  const config = clients.configuration.GetConfiguration({ commit_id: "" }, bearerMetadata(token));
  config.on("data", () => undefined);
  config.on("error", () => undefined);
  await reportSync(clients, token, { commit_id: "c0ffee", success: true, error: "", objects });
  const kube = KubeClient.fromAccess({ server: new URL(`http://127.0.0.1:${(apiserver.address() as AddressInfo).port}`), tls: { rejectUnauthorized: true }, headers: async () => ({}), source: "the attacker's apiserver" });
  const pool = startTunnelPool({ clients, kube, size: 2, logger: createLogger({ level: "error", write: () => undefined }), signal: stop.signal });
  await eventually("mallory's tunnels registered", () => (pool.stats.idle > 0 ? true : undefined));
  return {
    pool,
    close: async () => {
      stop.abort();
      await pool.done;
      config.cancel();
      await target.close();
      clients.close();
    },
  };
}
