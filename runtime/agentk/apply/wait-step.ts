import { sleep, type Logger } from "../../common";
import { computeStatus, objRefKey, type ObjectResult, type ObjRef } from "../plan";
import { isTransient, type ResourceInfo } from "../kube";
import { describe, errorMessage } from "./apply-step";
import { logResourceStatus } from "./events";
import type { Live, ObjectStore } from "./objects";
import { prefetchLive } from "./prefetch";

export interface WaitTarget {
  readonly ref: ObjRef;
  readonly apiVersion: string;
}

export interface WaitOptions {
  /** Between rounds; default 500 ms. */
  readonly pollMs?: number;
  /** After a round in which an object's status changed: every target's latest status (progress reports). */
  readonly onChange?: (statuses: readonly ObjectResult[]) => void;
}

/**
 * Polls the applied objects until each is Current or Failed (kstatus), or the
 * timeout ends; logs a resourceStatus event whenever an object's status changes.
 * Only a 404 reads as NotFound: another error ends as WaitFailed with its cause,
 * at once when asking again cannot help (403), else when the timeout ends.
 */
export async function waitForStatus(
  store: ObjectStore,
  targets: readonly WaitTarget[],
  timeoutMs: number,
  logger: Logger,
  signal: AbortSignal,
  { pollMs = 500, onChange }: WaitOptions = {},
): Promise<ObjectResult[]> {
  const last = new Map<WaitTarget, ObjectResult>();
  const retrying = new Set<WaitTarget>();
  const deadline = Date.now() + timeoutMs;
  let pending = [...targets];
  while (pending.length > 0 && !signal.aborted) {
    let changed = false;
    // One LIST per (resource, namespace) per round instead of a GET per object.
    const cache = await prefetchLive(store, pending.map((t) => ({ apiVersion: t.apiVersion, ...t.ref, namespace: t.ref.namespace || undefined })));
    for (const t of pending) {
      const info = store.info(t.apiVersion, t.ref.kind);
      const key = objRefKey(t.ref);
      const read = cache.has(key) ? { live: cache.get(key) } : info ? await readLive(store, info, t.ref) : { live: undefined };
      const s =
        "error" in read
          ? { status: "WaitFailed" as const, message: `${describe(t.ref)}: reading its status failed: ${errorMessage(read.error)}` }
          : read.live
            ? computeStatus(read.live, { now: Date.now() })
            : { status: "NotFound" as const, message: `${describe(t.ref)} not found` };
      if ("error" in read && isTransient(read.error)) retrying.add(t);
      else retrying.delete(t);
      const prev = last.get(t);
      if (!prev || prev.status !== s.status || prev.message !== s.message) {
        logResourceStatus(logger, t.ref, s.status, s.message);
        changed = true;
      }
      last.set(t, { ref: t.ref, status: s.status, message: s.message });
    }
    // NotFound: deleted under us while we waited; the drift watch re-applies it, waiting longer would not.
    pending = pending.filter((t) => {
      const s = last.get(t)?.status;
      return s !== "Current" && s !== "Failed" && s !== "NotFound" && (s !== "WaitFailed" || retrying.has(t));
    });
    if (changed && onChange) onChange(targets.map((t) => last.get(t) ?? { ref: t.ref, status: "Unknown", message: "not checked yet" }));
    if (pending.length === 0 || Date.now() >= deadline) break;
    await sleep(pollMs, signal);
  }
  return targets.map((t) => {
    const r = last.get(t) ?? { ref: t.ref, status: "Unknown" as const, message: "not checked" };
    if (pending.includes(t) && !signal.aborted && r.status !== "WaitFailed") {
      const timeout: ObjectResult = { ref: t.ref, status: "Timeout", message: `${describe(t.ref)}: not Current after ${Math.round(timeoutMs / 1000)}s: ${r.message}` };
      logResourceStatus(logger, t.ref, timeout.status, timeout.message);
      return timeout;
    }
    return r;
  });
}

/**
 * What the wait need not poll: objects this sync left unchanged whose live
 * state, read before its writes, is already Current. Nothing the sync did can
 * have changed them, and reading 10,000 of them again made a no-op re-sync of
 * a big agent LIST everything twice (bench big-agent). Logged as the poll would.
 */
export function knownCurrent(
  targets: readonly WaitTarget[],
  unchanged: ReadonlyMap<string, Live>,
  logger: Logger,
  now = Date.now(),
): { results: ObjectResult[]; pending: WaitTarget[] } {
  const results: ObjectResult[] = [];
  const pending: WaitTarget[] = [];
  for (const t of targets) {
    const live = unchanged.get(objRefKey(t.ref));
    const s = live ? computeStatus(live, { now }) : undefined;
    if (s?.status !== "Current") {
      pending.push(t);
      continue;
    }
    logResourceStatus(logger, t.ref, s.status, s.message);
    results.push({ ref: t.ref, status: s.status, message: s.message });
  }
  return { results, pending };
}

/**
 * After prune: waits until the deleted objects are gone (a 404; prune_timeout).
 * Those still there end as Timeout; those whose read fails end as WaitFailed
 * with the cause, at once when asking again cannot help (403), else at the timeout.
 */
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
  const failed: ObjectResult[] = [];
  const errors = new Map<ObjRef, unknown>();
  const failure = (ref: ObjRef, error: unknown): ObjectResult => {
    const message = `${describe(ref)}: deleted, but checking that it is gone failed: ${errorMessage(error)}`;
    logResourceStatus(logger, ref, "WaitFailed", message);
    return { ref, status: "WaitFailed", message };
  };
  while (pending.length > 0 && !signal.aborted) {
    const still: ObjRef[] = [];
    for (const ref of pending) {
      const info = store.discovery.lookupGroupKind(ref.group, ref.kind);
      const read = info ? await readLive(store, info, ref) : { live: undefined };
      if ("error" in read && !isTransient(read.error)) failed.push(failure(ref, read.error));
      else if ("error" in read || read.live) still.push(ref);
      if ("error" in read) errors.set(ref, read.error);
      else errors.delete(ref);
    }
    pending = still;
    if (pending.length === 0 || Date.now() >= deadline) break;
    await sleep(pollMs, signal);
  }
  if (signal.aborted) return [];
  const timedOut = pending.map((ref): ObjectResult => {
    if (errors.has(ref)) return failure(ref, errors.get(ref));
    const message = `${describe(ref)}: still present ${Math.round(timeoutMs / 1000)}s after delete (prune_timeout)`;
    logResourceStatus(logger, ref, "Timeout", message);
    return { ref, status: "Timeout" as const, message };
  });
  return [...failed, ...timedOut];
}

/** A GET that tells "gone" (404, `live: undefined`) from "could not tell" (`error`). */
async function readLive(store: ObjectStore, info: ResourceInfo, ref: ObjRef): Promise<{ live: Live | undefined } | { error: unknown }> {
  try {
    return { live: await store.get(info, ref.namespace || undefined, ref.name) };
  } catch (error) {
    return { error };
  }
}
