/**
 * A kas-shaped test server that a test scripts message by message, to see
 * what agentk does when kas breaks its protocol: a real grpc-js Server on a
 * loopback port with the three services of runtime/rpc. agentk dials a TCP
 * relay in front of it, so a test can also cut the connection mid-batch (kas
 * disappearing) without stopping the server.
 *
 * Each GetObjectsToSynchronize call takes the next script queued with
 * `objects()`; with none queued, the call stays open and silent, as a real kas
 * with no new commit does, and takes the next script queued while it is open.
 */
import { once } from "node:events";
import * as net from "node:net";
import * as grpc from "@grpc/grpc-js";
import {
  frameBatch,
  serviceDefinitions,
  type AgentConfiguration,
  type ConfigurationHandlers,
  type ConfigurationResponse,
  type GitopsHandlers,
  type ObjectsBatch,
  type ObjectsToSynchronizeRequest,
  type ObjectsToSynchronizeResponse,
  type StatusHandlers,
  type SyncStatusReport,
} from "../../runtime/rpc";

/** One objects call as the script sees it. Writes wait for flow control, as kas must. */
export interface ScriptedCall {
  readonly request: ObjectsToSynchronizeRequest;
  /** Writes one message; resolves false (and writes nothing) once the call is cancelled. */
  write(msg: ObjectsToSynchronizeResponse): Promise<boolean>;
  /** Writes every message of a well-formed batch. */
  batch(batch: ObjectsBatch): Promise<boolean>;
  /** Ends the call with status OK (after a Trailer or not: that is the script's choice). */
  end(): void;
  /** Ends the call with an error status. */
  fail(code: grpc.status, details: string): void;
  /** Destroys every TCP connection agentk has to this kas, as a crashed kas or a proxy would. */
  drop(): void;
  /** Resolves when agentk cancels the call (or the connection dies). */
  readonly cancelled: Promise<void>;
  isCancelled(): boolean;
  /** Neither ended by the script nor cancelled by agentk. */
  isOpen(): boolean;
}

export type ObjectsScript = (call: ScriptedCall) => Promise<void>;

/** What happened to one objects call, for assertions. */
export interface ObjectsCallRecord {
  readonly request: ObjectsToSynchronizeRequest;
  readonly openedAt: number;
  /** Bytes of Object data written (before agentk cancelled, if it did). */
  objectBytes: number;
  cancelledByPeer: boolean;
  /** A script is done with it (returned or threw). */
  finished: boolean;
}

export interface FakeKas {
  /** `grpc://127.0.0.1:<relay port>`, for startAgent's kasAddress. */
  readonly address: string;
  /** host:port of the relay, for createClients. */
  readonly target: string;
  readonly calls: readonly ObjectsCallRecord[];
  /** Final reports, one per finished sync. */
  readonly reports: readonly SyncStatusReport[];
  /** Progress reports (in_progress) of syncs while they ran. */
  readonly progress: readonly SyncStatusReport[];
  /** Queues scripts for the next objects calls, in order. */
  objects(...scripts: ObjectsScript[]): void;
  /** Destroys every TCP connection through the relay. */
  drop(): void;
  /** Sends a new configuration on every open configuration call (and to later ones). */
  configure(configuration: AgentConfiguration): void;
  stop(): Promise<void>;
}

export interface FakeKasOptions {
  /** The first configuration, sent on every GetConfiguration call, which then stays open (see configure()). */
  readonly configuration: AgentConfiguration;
  readonly agentId?: string;
}

export async function startFakeKas(opts: FakeKasOptions): Promise<FakeKas> {
  const scripts: ObjectsScript[] = [];
  /** Open calls that had no script yet, oldest first. */
  const idle: { run: (s: ObjectsScript) => void; closed: () => boolean }[] = [];
  const calls: ObjectsCallRecord[] = [];
  const reports: SyncStatusReport[] = [];
  const progress: SyncStatusReport[] = [];
  const relay = await startRelay();
  const server = new grpc.Server();
  const defs = serviceDefinitions();

  let config = { commitId: "config-1", configuration: opts.configuration };
  const configCalls = new Set<grpc.ServerWritableStream<unknown, ConfigurationResponse>>();
  const sendConfig = (call: grpc.ServerWritableStream<unknown, ConfigurationResponse>): void =>
    void call.write({ commit_id: config.commitId, event: "configuration", configuration: config.configuration, warnings: [], agent_id: opts.agentId ?? "1", agent_name: "fake" });
  const configuration: ConfigurationHandlers = {
    GetConfiguration: (call) => {
      // Stays open like kas's, for the next configuration.
      configCalls.add(call);
      call.on("cancelled", () => configCalls.delete(call));
      sendConfig(call);
    },
  };
  const gitops: GitopsHandlers = {
    GetObjectsToSynchronize: (call) => {
      const record: ObjectsCallRecord = { request: call.request, openedAt: Date.now(), objectBytes: 0, cancelledByPeer: false, finished: false };
      calls.push(record);
      const scripted = scriptedCall(call, record, relay.drop);
      const hold = (): void => {
        // Nothing (more) to send: the call stays open for the next script, as kas waits for the next commit.
        const next = scripts.shift();
        if (next) run(next);
        else idle.push({ run, closed: () => !scripted.isOpen() });
      };
      const run = (script: ObjectsScript): void =>
        void script(scripted)
          .catch((err: unknown) => scripted.fail(grpc.status.INTERNAL, `fake kas script failed: ${String(err)}`))
          .finally(() => {
            record.finished = true;
            if (scripted.isOpen()) hold();
          });
      hold();
    },
  };
  const status: StatusHandlers = {
    ReportSyncStatus: (call, cb) => {
      (call.request.in_progress ? progress : reports).push(call.request);
      cb(null, {});
    },
    ReportClusterStatus: (_call, cb) => cb(null, {}),
  };
  server.addService(defs.configuration, configuration);
  server.addService(defs.gitops, gitops);
  server.addService(defs.status, status);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  relay.setUpstream(port);

  return {
    address: `grpc://127.0.0.1:${relay.port}`,
    target: `127.0.0.1:${relay.port}`,
    calls,
    reports,
    progress,
    objects: (...more) => {
      for (const script of more) {
        while (idle[0]?.closed()) idle.shift();
        const call = idle.shift();
        if (call) call.run(script);
        else scripts.push(script);
      }
    },
    drop: relay.drop,
    configure: (configuration) => {
      config = { commitId: `config-${Number(config.commitId.slice(7)) + 1}`, configuration };
      for (const call of configCalls) sendConfig(call);
    },
    stop: async () => {
      relay.drop();
      server.forceShutdown();
      await relay.close();
    },
  };
}

function scriptedCall(
  call: grpc.ServerWritableStream<ObjectsToSynchronizeRequest, ObjectsToSynchronizeResponse>,
  record: ObjectsCallRecord,
  drop: () => void,
): ScriptedCall {
  let cancelled = false;
  let ended = false;
  const cancelledP = new Promise<void>((resolve) =>
    call.on("cancelled", () => {
      cancelled = true;
      record.cancelledByPeer = true;
      resolve();
    }),
  );
  const write = async (msg: ObjectsToSynchronizeResponse): Promise<boolean> => {
    if (cancelled || ended) return false;
    if (msg.message === "object") record.objectBytes += msg.object.data.length;
    // Waiting for drain bounds what sits in buffers to HTTP/2's windows, so objectBytes is close to what agentk read.
    if (!call.write(msg)) await Promise.race([once(call, "drain"), cancelledP]);
    return !cancelled;
  };
  return {
    request: call.request,
    write,
    batch: async (batch) => {
      for (const msg of frameBatch(batch)) if (!(await write(msg))) return false;
      return true;
    },
    end: () => {
      if (cancelled || ended) return;
      ended = true;
      call.end();
    },
    fail: (code, details) => {
      if (cancelled || ended) return;
      ended = true;
      // grpc-js's way for a handler to end a stream with a status (server-call.ts listens for 'error').
      call.emit("error", Object.assign(new Error(details), { code, details }));
    },
    drop: () => {
      ended = true; // the server learns of the dead connection later; until then the call must not take another script
      drop();
    },
    cancelled: cancelledP,
    isCancelled: () => cancelled,
    isOpen: () => !cancelled && !ended,
  };
}

interface Relay {
  readonly port: number;
  setUpstream(port: number): void;
  drop(): void;
  close(): Promise<void>;
}

/** A loopback TCP relay whose connections a test can destroy at will. */
async function startRelay(): Promise<Relay> {
  let upstream = 0;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
  };
  const server = net.createServer((client) => {
    const up = net.connect(upstream, "127.0.0.1");
    track(client);
    track(up);
    client.on("close", () => up.destroy());
    up.on("close", () => client.destroy());
    client.pipe(up).pipe(client);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as net.AddressInfo).port,
    setUpstream: (p) => void (upstream = p),
    drop: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
