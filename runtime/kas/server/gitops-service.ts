import * as grpc from "@grpc/grpc-js";
import { F, type Logger } from "../../common";
import { frameBatch, LIMITS, type GitopsHandlers, type ObjectsToSynchronizeRequest, type ObjectsToSynchronizeResponse } from "../../rpc";
import { normalizeRef } from "../git";
import { canRead, denyMessage, denyReason, type AgentIdentity } from "./access";
import { admitStream } from "./admission";
import type { ServerContext } from "./context";
import { failStream, invalidArgument, permissionDenied, streamLife, toStatus } from "./errors";
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
  return {
    // Whatever escapes serve (kas stopping under it, say) ends this stream, never the process.
    GetObjectsToSynchronize: (call: Call) => void serve(ctx, turns, call).catch((err: unknown) => failStream(call, err)),
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
  return globs.length > 0 ? globs : ["**/*.{yaml,yml,json}"];
}

async function serve(ctx: ServerContext, turns: Semaphore, call: Call): Promise<void> {
  const req = call.request;
  // Before the first await: a stream cancelled while it authenticates must still be cleaned up.
  const life = streamLife(call);
  let agent: AgentIdentity | undefined;
  let globs: string[];
  try {
    agent = await admitStream(ctx, call, life, "GetObjectsToSynchronize");
    if (agent === undefined) return;
    globs = checkRequest(ctx, agent, req);
  } catch (err) {
    return failStream(call, err);
  }
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
  const sentBatches = ctx.metrics.counter("kas_object_batches_sent_total", "Object batches (commits) sent to agents");

  const send = latestOnly<string>(
    async (commit) => {
      if (commit === lastCommit || call.cancelled) return;
      // The read takes a turn; the writes (which wait for a slow agent) do not.
      const files = await turns.run(() => ctx.git.collectFiles(req.project_id, commit, globs));
      for (const msg of frameBatch({ commitId: commit, projectId: req.project_id, files })) {
        if (call.cancelled) return;
        await write(call, msg);
      }
      lastCommit = commit;
      ctx.tracker.objectsSent(agent, req.project_id, commit);
      sentBatches({ project: req.project_id });
      log.info("Sent objects", { [F.commitId]: commit, [F.count]: files.length });
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
}

/** Writes with backpressure so a large batch does not pile up in memory. */
function write(call: Call, msg: ObjectsToSynchronizeResponse): Promise<void> {
  return new Promise((resolve) => {
    if (call.write(msg)) resolve();
    else call.once("drain", () => resolve());
  });
}
