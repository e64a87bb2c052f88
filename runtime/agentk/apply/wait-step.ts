import { sleep, type Logger } from "../../common";
import { computeStatus, objRefKey, type ObjectResult, type ObjRef } from "../plan";
import { describe } from "./apply-step";
import { logResourceStatus } from "./events";
import type { ObjectStore } from "./objects";
import { prefetchLive } from "./prefetch";

export interface WaitTarget {
  readonly ref: ObjRef;
  readonly apiVersion: string;
}

/**
 * Polls the applied objects until each is Current or Failed (kstatus), or the
 * timeout ends; logs a resourceStatus event whenever an object's status changes.
 */
export async function waitForStatus(
  store: ObjectStore,
  targets: readonly WaitTarget[],
  timeoutMs: number,
  logger: Logger,
  signal: AbortSignal,
  pollMs = 500,
): Promise<ObjectResult[]> {
  const last = new Map<WaitTarget, ObjectResult>();
  const deadline = Date.now() + timeoutMs;
  let pending = [...targets];
  while (pending.length > 0 && !signal.aborted) {
    // One LIST per (resource, namespace) per round instead of a GET per object.
    const cache = await prefetchLive(store, pending.map((t) => ({ apiVersion: t.apiVersion, ...t.ref, namespace: t.ref.namespace || undefined })));
    for (const t of pending) {
      const info = store.info(t.apiVersion, t.ref.kind);
      const key = objRefKey(t.ref);
      const live = cache.has(key) ? cache.get(key) : info ? await store.get(info, t.ref.namespace || undefined, t.ref.name).catch(() => undefined) : undefined;
      const s = live ? computeStatus(live, { now: Date.now() }) : { status: "NotFound" as const, message: `${describe(t.ref)} not found` };
      const prev = last.get(t);
      if (!prev || prev.status !== s.status || prev.message !== s.message) logResourceStatus(logger, t.ref, s.status, s.message);
      last.set(t, { ref: t.ref, status: s.status, message: s.message });
    }
    // NotFound: deleted under us while we waited; the drift watch re-applies it, waiting longer would not.
    pending = pending.filter((t) => {
      const s = last.get(t)?.status;
      return s !== "Current" && s !== "Failed" && s !== "NotFound";
    });
    if (pending.length === 0 || Date.now() >= deadline) break;
    await sleep(pollMs, signal);
  }
  return targets.map((t) => {
    const r = last.get(t) ?? { ref: t.ref, status: "Unknown" as const, message: "not checked" };
    if (pending.includes(t) && !signal.aborted) {
      const timeout: ObjectResult = { ref: t.ref, status: "Timeout", message: `${describe(t.ref)}: not Current after ${Math.round(timeoutMs / 1000)}s: ${r.message}` };
      logResourceStatus(logger, t.ref, timeout.status, timeout.message);
      return timeout;
    }
    return r;
  });
}

/** After prune: waits until the deleted objects are gone (prune_timeout); those still there end as Timeout. */
export async function waitForDeletion(
  store: ObjectStore,
  refs: readonly ObjRef[],
  timeoutMs: number,
  logger: Logger,
  signal: AbortSignal,
  pollMs = 250,
): Promise<ObjectResult[]> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...refs];
  while (pending.length > 0 && !signal.aborted) {
    const still: ObjRef[] = [];
    for (const ref of pending) {
      const info = store.discovery.lookupGroupKind(ref.group, ref.kind);
      const live = info ? await store.get(info, ref.namespace || undefined, ref.name).catch(() => undefined) : undefined;
      if (live) still.push(ref);
    }
    pending = still;
    if (pending.length === 0 || Date.now() >= deadline) break;
    await sleep(pollMs, signal);
  }
  if (signal.aborted) return [];
  return pending.map((ref) => {
    const message = `${describe(ref)}: still present ${Math.round(timeoutMs / 1000)}s after delete (prune_timeout)`;
    logResourceStatus(logger, ref, "Timeout", message);
    return { ref, status: "Timeout" as const, message };
  });
}
