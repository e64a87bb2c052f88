import { F, mapPool, type Logger } from "../../common";
import type { GitopsScope, ManifestProject, ObjectsBatch } from "../../rpc";
import {
  applyDefaultNamespace,
  applyOrder,
  checkScope,
  nextInventory,
  objRefKey,
  parseManifests,
  planPrune,
  refOf,
  reportByFile,
  summarize,
  type ObjectResult,
  type ObjRef,
} from "../plan";
import { applyObject, describe } from "./apply-step";
import { decodeCache } from "./decode-cache";
import { InventoryStore } from "./inventory-store";
import { result } from "./events";
import type { ObjectStore } from "./objects";
import type { Live } from "./objects";
import { prefetchLive } from "./prefetch";
import { pruneObjects } from "./prune-step";
import { knownCurrent, waitForDeletion, waitForStatus, type WaitTarget } from "./wait-step";

export interface SyncRequest {
  readonly batch: ObjectsBatch;
  readonly project: ManifestProject;
  readonly scope: GitopsScope;
  readonly agentId: string;
  /** The agent's own namespace: where its inventory lives. */
  readonly agentNamespace: string;
  /** The agent's inventory ConfigMap there (agentStateNames(serviceAccount).inventory): one key per manifest project. */
  readonly inventoryName: string;
  readonly signal: AbortSignal;
  /** Override reconcile_timeout (tests, drift re-applies that need not wait). */
  readonly waitTimeoutMs?: number;
  /** Ends step 7 early (not a cancellation): the worker has newer work, e.g. a drifted object to re-apply. */
  readonly waitSignal?: AbortSignal;
  /** Progress while the sync runs: every result so far, after apply and prune, then as statuses change in step 7. */
  readonly onProgress?: (results: readonly ObjectResult[]) => void;
}

/** One decode memo for the process: files are keyed by path and content, and their documents are frozen. */
const decode = decodeCache();

export interface SyncOutcome {
  readonly commitId: string;
  /** The commit was rejected before any write (parse/validation errors). */
  readonly rejected?: readonly string[];
  readonly results: readonly ObjectResult[];
  readonly error?: string;
  readonly writes: number;
  readonly cancelled: boolean;
}

/**
 * One sync of one commit, as numbered steps (Flux's habit):
 * 1 parse, 2 default namespace, 3 inventory (before any write, so a crash leaves
 * nothing orphaned), 4 apply in order, 5 prune, 6 final inventory, 7 wait for status.
 */
export async function syncCommit(store: ObjectStore, req: SyncRequest, logger: Logger): Promise<SyncOutcome> {
  const log = logger.with({ [F.projectId]: req.batch.projectId, [F.commitId]: req.batch.commitId });
  const base = { commitId: req.batch.commitId, writes: 0, cancelled: false };
  log.info("Synchronizing objects", { [F.agentId]: req.agentId });

  // 1-2: anything wrong in the commit rejects it whole, before a single write.
  // Decoded with turns of the event loop (a huge commit must not stall Lease renewal and keepalives), then parsed.
  const parsed = parseManifests(req.batch.files, await decode.prepare(req.batch.files));
  if ("errors" in parsed) return reject(log, base, reportByFile(parsed.errors));
  if (parsed.objects.some((o) => !store.discovery.scopeOf(o.group, o.kind))) await store.discovery.refresh();
  const defaulted = applyDefaultNamespace(parsed.objects, req.project.default_namespace, (g, k) => store.discovery.scopeOf(g, k));
  if ("errors" in defaulted) return reject(log, base, reportByFile(defaulted.errors));

  // Objects outside the agent's scope are refused here, before any API call, and never enter the inventory.
  const results: ObjectResult[] = [];
  const inScope = defaulted.objects.filter((obj) => {
    const why = checkScope(obj, req.scope, req.project, obj.scope === "Namespaced");
    if (why) results.push(result(refOf(obj), "ApplyFailed", `${describe(refOf(obj))}: refused by the agent's scope: ${why}`, log));
    return !why;
  });

  // 3: record every object we are about to touch before touching it.
  const inventory = new InventoryStore(store.client, req.agentNamespace, req.inventoryName, req.agentId, req.batch.projectId, log);
  const previous = await inventory.read();
  const desired: ObjRef[] = [...inScope, ...defaulted.unknown].map(refOf);
  let stored: readonly ObjRef[] = previous;
  let writes = 0;
  if (!sameRefs([...previous, ...desired], previous)) {
    stored = [...previous, ...desired];
    await inventory.write(stored);
    writes++;
  }

  // 4: apply; one failure does not stop the others.
  for (const o of defaulted.unknown) {
    results.push(result(refOf(o), "ApplyFailed", `${describe(refOf(o))}: ${store.discovery.whyUnknown(o.group, o.version, o.kind)}`, log));
  }
  const notOwned: ObjRef[] = [];
  const waitFor: WaitTarget[] = [];
  /** Live state of the objects left unchanged, as read before any write: step 7 need not read them again. */
  const unchanged = new Map<string, Live>();
  // Objects of one kind go concurrently (bounded); kinds go in apply order, so Namespaces and CRDs are in place first.
  const ctx = { store, project: req.project, inventoryId: inventory.id, logger: log, signal: req.signal, liveCache: await prefetchLive(store, inScope, previous) };
  for (const group of byKind(applyOrder(inScope))) {
    if (req.signal.aborted) return { ...base, results, writes, cancelled: true };
    const outs = await mapPool(group, APPLY_CONCURRENCY, (obj) => applyObject(ctx, obj));
    outs.forEach((out, i) => {
      results.push(out.result);
      if (out.wrote) writes++;
      if (out.notOwned) notOwned.push(out.result.ref);
      const live = out.unchanged ? ctx.liveCache.get(objRefKey(out.result.ref)) : undefined;
      if (live) unchanged.set(objRefKey(out.result.ref), live);
      if (out.result.status !== "ApplyFailed" && req.project.dry_run_strategy === "none") waitFor.push({ ref: out.result.ref, apiVersion: group[i]!.apiVersion });
    });
  }

  // 5: prune what left Git (never what failed to apply: it is still wanted).
  const failedToApply = results.filter((r) => r.status === "ApplyFailed").map((r) => r.ref);
  let pruneFailed: ObjRef[] = [];
  if (req.project.prune) {
    const toPrune = planPrune(previous, desired, failedToApply);
    const pruned = await pruneObjects(store, toPrune, req.project, inventory.id, log, req.signal, { liveCache: ctx.liveCache, concurrency: APPLY_CONCURRENCY });
    results.push(...pruned.results);
    const deleted = pruned.results.filter((r) => r.status === "Pruned").map((r) => r.ref);
    writes += deleted.length;
    const waitPrune = req.waitSignal ? AbortSignal.any([req.signal, req.waitSignal]) : req.signal;
    const gone = await waitForDeletion(store, deleted, req.project.prune_timeout_seconds * 1000, log, waitPrune);
    results.push(...gone);
    // Not confirmed gone (the read failed): still ours, so the next sync looks again.
    pruneFailed = [...pruned.failed, ...gone.filter((r) => r.status === "WaitFailed").map((r) => r.ref)];
  } else {
    pruneFailed = planPrune(previous, desired, failedToApply); // not pruned: still ours, keep tracking them
  }
  ctx.liveCache.clear(); // the rest of the sync (step 7 may wait minutes) must not keep every live object alive

  // 6: the inventory now holds what is in Git and ours, plus what we could not prune yet.
  // An object that failed its first apply was never created by us: it leaves the inventory again.
  const before = new Set(previous.map(objRefKey));
  const neverCreated = failedToApply.filter((r) => !before.has(objRefKey(r)));
  const finalInventory = nextInventory(desired, pruneFailed, [...notOwned, ...neverCreated]);
  if (!sameRefs(finalInventory, stored)) {
    await inventory.write(finalInventory);
    writes++;
  }

  // 7: wait until applied objects are Current (kstatus) or the timeout ends.
  const timeoutMs = req.waitTimeoutMs ?? req.project.reconcile_timeout_seconds * 1000;
  const waitSignal = req.waitSignal ? AbortSignal.any([req.signal, req.waitSignal]) : req.signal;
  const known = knownCurrent(waitFor, unchanged, log);
  unchanged.clear();
  req.onProgress?.([...results, ...known.results]);
  const waited = await waitForStatus(store, known.pending, timeoutMs, log, waitSignal, { onChange: (now) => req.onProgress?.([...results, ...known.results, ...now]) });
  const statuses = [...known.results, ...waited];
  if (req.signal.aborted) return { ...base, results, writes, cancelled: true };
  const all = [...results, ...statuses];
  const summary = summarize(all);
  if (summary.error) log.warn("Synchronization failed", { [F.error]: summary.error });
  else log.info("Synchronization finished", { [F.count]: desired.length });
  return { ...base, results: all, error: summary.error, writes };
}

/** Requests in flight per kind (the pooled sockets: 16): enough to hide round trips and use an apiserver's cores, few enough not to trip its fairness limits. */
const APPLY_CONCURRENCY = 16;

/** Consecutive runs of the same group/kind (applyOrder sorts by kind first). */
function byKind<T extends { group: string; kind: string }>(objects: readonly T[]): T[][] {
  const runs: T[][] = [];
  for (const o of objects) {
    const last = runs[runs.length - 1];
    if (last && last[0]!.group === o.group && last[0]!.kind === o.kind) last.push(o);
    else runs.push([o]);
  }
  return runs;
}

function reject(log: Logger, base: { commitId: string; writes: number; cancelled: boolean }, errors: string[]): SyncOutcome {
  log.error("Commit rejected: nothing was applied; the cluster keeps the previous state", { [F.error]: errors.join("; ") });
  return { ...base, rejected: errors, results: [], error: `commit rejected: ${errors.join("; ")}` };
}

function sameRefs(a: readonly ObjRef[], b: readonly ObjRef[]): boolean {
  const sa = new Set(a.map(objRefKey));
  const sb = new Set(b.map(objRefKey));
  return sa.size === sb.size && [...sa].every((k) => sb.has(k));
}
