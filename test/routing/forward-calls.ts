/** A peer's calls to kas's private API, for the tests that attack it: any token, any messages, the answers and the final status. */
import * as grpc from "@grpc/grpc-js";
import { AUTHORIZATION_HEADER, type ForwardRequest, type ForwardResponse, type PrivateTunnelClient } from "../../runtime/rpc";

export interface ForwardExchange {
  readonly got: ForwardResponse[];
  readonly code: grpc.status;
  readonly details: string;
}

/** Metadata carrying `token` as kas's private API expects a replica's. */
export function bearer(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(AUTHORIZATION_HEADER, `Bearer ${token}`);
  return md;
}

/** Sends `msgs` (then half-closes unless `hold`), collects the answers and the final status. */
export function exchange(client: PrivateTunnelClient, md: grpc.Metadata, msgs: readonly ForwardRequest[], hold = false): Promise<ForwardExchange> {
  return new Promise((resolve) => {
    const call = client.Forward(md);
    const got: ForwardResponse[] = [];
    call.on("data", (m: ForwardResponse) => got.push(m));
    call.on("status", (s: grpc.StatusObject) => resolve({ got, code: s.code, details: s.details }));
    call.on("error", () => undefined);
    for (const m of msgs) call.write(m);
    if (!hold) call.end();
  });
}

export const acquire = (agentId: string, timeoutMs = 100): ForwardRequest => ({ message: "acquire", acquire: { agent_id: agentId, timeout_ms: timeoutMs } });
export const data = (bytes: number): ForwardRequest => ({ message: "data", data: { data: Buffer.alloc(bytes, 1) } });
