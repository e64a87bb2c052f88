/**
 * Child process of the kas-scale benchmark: simulated agents, each a real gRPC
 * client on its own channel (so its own TCP connection: a local subchannel
 * pool) holding one GetConfiguration stream, as agentk does. Talks to the
 * parent over IPC:
 *   parent -> {type: "connect", target, tokens}    child -> {type: "connected", agents, errors}
 *   parent -> {type: "expect", commit, timeoutMs}  child -> {type: "arrived", commit, times, missing}
 *   parent -> {type: "close"}                      (the child closes its channels and exits)
 */
import * as grpc from "@grpc/grpc-js";
import { CHANNEL_OPTIONS } from "../runtime/rpc/client";
import { bearerMetadata, serviceDefinitions, type ConfigurationClient, type ConfigurationResponse } from "../runtime/rpc";

type FromParent =
  | { type: "connect"; target: string; tokens: string[]; batch: number }
  | { type: "expect"; commit: string; timeoutMs: number }
  | { type: "close" };

interface Agent {
  readonly client: ConfigurationClient;
  readonly call: grpc.ClientReadableStream<ConfigurationResponse>;
  /** Arrival time (Date.now()) of each commit's configuration. */
  readonly arrived: Map<string, number>;
  error?: string;
}

const agents: Agent[] = [];
const send = (msg: unknown): void => void process.send?.(msg);

function open(target: string, token: string, index: number): Agent {
  const Ctor = grpc.makeGenericClientConstructor(serviceDefinitions().configuration, "");
  const client = new Ctor(target, grpc.credentials.createInsecure(), { ...CHANNEL_OPTIONS, "grpc.use_local_subchannel_pool": 1 }) as unknown as ConfigurationClient;
  const call = client.GetConfiguration(
    { commit_id: "", agent_meta: { version: "bench", pod_namespace: "bench", pod_name: `sim-${process.pid}-${index}` } },
    bearerMetadata(token),
  );
  const agent: Agent = { client, call, arrived: new Map() };
  call.on("data", (msg: ConfigurationResponse) => {
    if (msg.event === "configuration") agent.arrived.set(msg.commit_id, Date.now());
    else agent.error = msg.error?.message ?? "error event";
  });
  call.on("error", (err: grpc.ServiceError) => {
    if (err.code !== grpc.status.CANCELLED) agent.error = err.message;
  });
  return agent;
}

const sleep = (msDelay: number): Promise<void> => new Promise((r) => setTimeout(r, msDelay));

async function connect(target: string, tokens: readonly string[], batch: number): Promise<void> {
  for (let i = 0; i < tokens.length; i += batch) {
    const opened = tokens.slice(i, i + batch).map((t, j) => open(target, t, i + j));
    agents.push(...opened);
    // Bounded: each batch must get its first configuration within 120 s.
    const deadline = Date.now() + 120_000;
    while (opened.some((a) => a.arrived.size === 0 && !a.error) && Date.now() < deadline) await sleep(20);
  }
  send({ type: "connected", agents: agents.filter((a) => a.arrived.size > 0).length, errors: agents.filter((a) => a.error).map((a) => a.error).slice(0, 5) });
}

async function expect(commit: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (agents.some((a) => !a.arrived.has(commit)) && Date.now() < deadline) await sleep(10);
  const times = agents.flatMap((a) => (a.arrived.has(commit) ? [a.arrived.get(commit) as number] : []));
  send({ type: "arrived", commit, times, missing: agents.length - times.length, errors: agents.filter((a) => a.error).map((a) => a.error).slice(0, 5) });
}

process.on("message", (msg: FromParent) => {
  if (msg.type === "connect") void connect(msg.target, msg.tokens, msg.batch);
  else if (msg.type === "expect") void expect(msg.commit, msg.timeoutMs);
  else if (msg.type === "close") {
    for (const a of agents) {
      a.call.cancel();
      a.client.close();
    }
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
