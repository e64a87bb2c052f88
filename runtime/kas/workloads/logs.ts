/**
 * GET /api/v1/agents/<id>/pods/<ns>/<pod>/log: the pod's log through the
 * agent's tunnel as the viewer may read it, streamed as text/plain. With
 * follow=true it lasts as long as the container writes and the client reads;
 * the client going away cancels the request on every side (kas's tunnel,
 * agentk's apiserver request). Bounded: tailLines and limitBytes (routes.ts),
 * open log streams per viewer (429 past it). A slow reader holds the
 * tunnel's reads (the next chunk is taken only once the last is written),
 * and one that reads nothing for STALLED_READER_MS is cut.
 */
import type * as http from "node:http";
import { F } from "../../common";
import type { ConsoleViewer } from "../console";
import { get, isProblem, type WorkloadsDeps } from "./access";
import { statusProblem, type Problem } from "./model";
import { logPath } from "./requests";
import type { LogQuery } from "./routes";

/** Log streams one viewer (kas's operator, or one GitLab user) may hold open at once. */
export const MAX_LOG_STREAMS_PER_VIEWER = 8;
/**
 * Workloads pages (or JSON) one viewer may have kas read at once: each read
 * holds up to 8 MiB of an agent's answer and what it parses into (collect.ts).
 */
export const MAX_WORKLOADS_READS_PER_VIEWER = 4;
/** A client that takes no bytes for this long loses its log stream. */
export const STALLED_READER_MS = 60_000;
/** The body of a refusal is read up to this to find its message. */
const MAX_REFUSAL_BYTES = 64 * 1024;

export interface LogTarget {
  readonly agentId: string;
  readonly namespace: string;
  readonly pod: string;
  readonly query: LogQuery;
}

/** Requests in progress by viewer key (open log streams, workloads being read), at most `max` each. */
export class ViewerSlots {
  private readonly open = new Map<string, number>();
  constructor(private readonly max: number) {}
  take(key: string): boolean {
    const n = this.open.get(key) ?? 0;
    if (n >= this.max) return false;
    this.open.set(key, n + 1);
    return true;
  }
  give(key: string): void {
    const n = (this.open.get(key) ?? 1) - 1;
    if (n <= 0) this.open.delete(key);
    else this.open.set(key, n);
  }
}

export function viewerKey(viewer: ConsoleViewer): string {
  return viewer.kind === "api-token" ? "api-token" : `gitlab-user:${viewer.username}`;
}

export async function streamLog(deps: WorkloadsDeps, streams: ViewerSlots, viewer: ConsoleViewer, t: LogTarget, res: http.ServerResponse, refuse: (p: Problem) => void): Promise<void> {
  const key = viewerKey(viewer);
  if (!streams.take(key)) return refuse({ status: 429, reason: "TooManyRequests", message: `kas: this viewer already has ${MAX_LOG_STREAMS_PER_VIEWER} pod logs open; close one first` });
  const gone = new AbortController();
  res.once("close", () => gone.abort());
  try {
    const answer = await get(deps, viewer, t.agentId, logPath(t.namespace, t.pod, t.query), gone.signal);
    if (gone.signal.aborted) return;
    if (isProblem(answer)) return refuse(answer);
    if (answer.head.status !== 200) return refuse(statusProblem(answer.head.status, await refusalBody(answer.body), `kas: agent ${t.agentId} answered the log request with HTTP ${answer.head.status}`));
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" });
    res.flushHeaders();
    await pump(answer.body, res, gone.signal);
  } catch (err) {
    if (!gone.signal.aborted) deps.logger.info("pod log stream cut", { [F.agentId]: t.agentId, [F.namespace]: t.namespace, [F.name]: t.pod, [F.error]: err });
    res.destroy();
  } finally {
    streams.give(key);
  }
}

/** Copies the log to the client, one chunk at a time: the next is read from the tunnel only once this one is written. Breaking out cancels the tunnel. */
async function pump(body: AsyncIterable<Buffer>, res: http.ServerResponse, gone: AbortSignal): Promise<void> {
  for await (const chunk of body) {
    if (gone.aborted) return;
    if (!res.write(chunk)) await drained(res, gone);
  }
  res.end();
}

class StalledReader extends Error {}

function drained(res: http.ServerResponse, gone: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off("drain", done);
      gone.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(() => {
      res.off("drain", done);
      gone.removeEventListener("abort", done);
      reject(new StalledReader(`the client read nothing for ${STALLED_READER_MS} ms`));
    }, STALLED_READER_MS);
    res.once("drain", done);
    gone.addEventListener("abort", done, { once: true });
  });
}

async function refusalBody(body: AsyncIterable<Buffer>): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.length;
    if (size > MAX_REFUSAL_BYTES) break;
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}
