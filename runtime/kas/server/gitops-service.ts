import * as grpc from "@grpc/grpc-js";
import { F, type Logger } from "../../common";
import { frameBatch, LIMITS, MANIFEST_PROJECT_DEFAULTS, type GitopsHandlers, type ObjectsToSynchronizeRequest, type ObjectsToSynchronizeResponse } from "../../rpc";
import { normalizeRef } from "../git";
import { canRead, denyMessage, denyReason, type AgentIdentity } from "./access";
import { agentStream } from "./agent-handlers";
import { ByteBudgets } from "./byte-budget";
import type { ServerContext } from "./context";
import { failStream, invalidArgument, permissionDenied, RpcError, toStatus, type StreamLife } from "./errors";
import { resetServerCall } from "../tunnel";
import { Semaphore } from "./semaphore";
import { latestOnly } from "./serial";

type Call = grpc.ServerWritableStream<ObjectsToSynchronizeRequest, ObjectsToSynchronizeResponse>;

/** Streams collecting a commit's files at once: a batch can be 20 MiB, so this bounds kas's memory when many agents follow one project. */
const OBJECT_READS = 32;

/**
 * GetObjectsToSynchronize: a long-lived stream that sends one
 * Header -> Object* -> Trailer batch per new commit of the project, and
 * nothing while the commit equals the one the agent already has. Call
 * once per kas: the read turns (OBJECT_READS) are shared by its streams.
 */
export function gitopsHandlers(ctx: ServerContext): GitopsHandlers {
  const turns = new Semaphore(OBJECT_READS);
  const budgets = new ByteBudgets(ctx.limits.maxBufferedBytesPerAgent);
  return {
    GetObjectsToSynchronize: agentStream(ctx, "GetObjectsToSynchronize", (call: Call, agent, life) => serve(ctx, turns, budgets, call, agent, life)),
  };
}

/** Checks the request before anything is read: globs, count, access. Throws RpcError. */
export function checkRequest(ctx: ServerContext, agent: AgentIdentity, req: ObjectsToSynchronizeRequest): string[] {
  if (!req.project_id) throw invalidArgument("project_id is required");
  if (req.paths.length > LIMITS.paths) {
    throw invalidArgument(`project ${req.project_id}: ${req.paths.length} paths; at most ${LIMITS.paths} are allowed`);
  }
  const globs = req.paths.map((p, i) => {
    const why = ctx.validateGlob(p.glob);
    if (why) throw invalidArgument(`project ${req.project_id}: paths[${i}].glob ${JSON.stringify(p.glob)}: ${why}`);
    return p.glob;
  });
  const projects = ctx.projects();
  if (!canRead(agent, req.project_id, projects)) {
    ctx.logger.info("Project access denied", { [F.agentName]: agent.name, [F.projectId]: req.project_id, [F.reason]: denyReason(req.project_id, projects) });
    throw permissionDenied(denyMessage(agent, req.project_id));
  }
  // A malformed ref is the agent's mistake (a 5,000-character branch used to read as "source unavailable" forever).
  normalizeRef(req.project_id, req.ref ?? {});
  return globs.length > 0 ? globs : MANIFEST_PROJECT_DEFAULTS.paths.map((p) => p.glob);
}

async function serve(ctx: ServerContext, turns: Semaphore, budgets: ByteBudgets, call: Call, agent: AgentIdentity, life: StreamLife): Promise<void> {
  const req = call.request;
  const globs = checkRequest(ctx, agent, req);
  try {
    // A ref that does not exist is the agent's mistake: say so now instead of waiting.
    await ctx.git.resolveRef(req.project_id, req.ref ?? {});
  } catch (err) {
    // Unreachable source: keep the stream open; the watcher retries with backoff.
    if (toStatus(err).code !== grpc.status.UNAVAILABLE) return failStream(call, err);
  }
  if (life.ended) return;
  const log = ctx.logger.with({ [F.agentId]: agent.id, [F.agentName]: agent.name, [F.projectId]: req.project_id });
  let lastCommit = req.commit_id || undefined;
  const sentBatches = ctx.metrics.counter("kas_object_batches_sent_total", "Object batches (commits) sent to agents", ["project"]);

  const send = latestOnly<string>(
    async (commit) => {
      if (commit === lastCommit || life.ended) return;
      // Room for the largest batch a project may have, from the agent's budget, before reading: an
      // agent's streams hold at most its budget in memory however many it opens.
      const lease = await waitUnlessEnded(life, (onCancel) => budgets.acquire(agent.id, LIMITS.totalBytes, onCancel));
      if (lease === undefined) return;
      try {
        // The read takes a turn; the writes (which wait for a slow agent) do not.
        const files = await turns.run(() => (life.ended ? Promise.resolve([]) : ctx.git.collectFiles(req.project_id, commit, globs)));
        if (life.ended) return;
        lease.shrink(files.reduce((n, f) => n + f.data.length, 0));
        for (const msg of frameBatch({ commitId: commit, projectId: req.project_id, files })) {
          if (!(await write(call, msg, life, ctx.limits.stalledStreamTimeoutMs))) return;
        }
        lastCommit = commit;
        ctx.tracker.objectsSent(agent, req.project_id, commit);
        sentBatches.inc({ project: req.project_id });
        log.info("Sent objects", { [F.commitId]: commit, [F.count]: files.length });
      } finally {
        lease.release();
      }
    },
    (err) => fail(log, call, err),
  );
  life.onEnd(ctx.commits.subscribe(req.project_id, req.ref ?? {}, send, (err) => log.warn("Manifest project unavailable; retrying", { [F.error]: err.message })));
}

/** A commit whose files break a limit (or escape the repo) ends the stream with the reason; the agent keeps its last state. */
function fail(log: Logger, call: Call, err: unknown): void {
  const status = toStatus(err);
  log.warn("Cannot serve commit", { [F.error]: status.details, [F.grpcCode]: status.code });
  failStream(call, err);
  // A stalled agent would never receive the status (it waits behind the unread data): reset the stream.
  if (err instanceof StalledStreamError && !resetServerCall(call)) {
    log.error("Cannot reset a stalled stream: grpc-js internals moved; the stream stays open until its connection closes");
  }
}

/** The agent reads nothing: the stream is ended with RESOURCE_EXHAUSTED, and reset so it frees what it holds. */
class StalledStreamError extends RpcError {
  constructor(message: string) {
    super(grpc.status.RESOURCE_EXHAUSTED, message, "stalled");
  }
}

/**
 * Writes with backpressure (HTTP/2 flow control: a full window means wait for
 * drain), so a batch goes out as fast as the agent reads it and no faster.
 * Resolves false when the stream ends meanwhile (nothing left to wait for);
 * throws when the agent reads nothing for `stallMs`.
 */
function write(call: Call, msg: ObjectsToSynchronizeResponse, life: StreamLife, stallMs: number): Promise<boolean> {
  if (life.ended) return Promise.resolve(false);
  if (call.write(msg)) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      call.off("drain", onDrain);
      untie();
    };
    const onDrain = (): void => (done(), resolve(true));
    const timer = setTimeout(() => {
      done();
      reject(
        new StalledStreamError(
          `agent read nothing for ${formatDuration(stallMs)} while kas had a batch for it; stream ended (agent_connections.stalled_stream_timeout in kas config)`,
        ),
      );
    }, stallMs);
    call.on("drain", onDrain);
    const untie = life.onEnd(() => (done(), resolve(false)));
  });
}

/** Resolves with what `start` gives, or undefined if the stream ends first (and then tells `start` to stop waiting). */
function waitUnlessEnded<T>(life: StreamLife, start: (onCancel: (cancel: () => void) => void) => Promise<T>): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let untie = (): void => undefined;
    start((cancel) => {
      untie = life.onEnd(() => (cancel(), resolve(undefined)));
    }).then(
      (v) => (untie(), resolve(v)),
      (err: unknown) => (untie(), reject(err instanceof Error ? err : new Error(String(err)))),
    );
  });
}

function formatDuration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
