import type { ManifestProject } from "../../rpc";
import { sleep, type Logger } from "../../common";
import { objRefKey, ownershipDecision, refOf, withOwner, computeStatus, type ObjectResult, type ObjRef, type Ordered, type ScopedObject } from "../plan";
import { errorMessage, isTransient } from "../kube";
import { result } from "./events";
import { FIELD_MANAGER, type Live, type ObjectStore } from "./objects";
import type { LiveCache } from "./prefetch";
import { isUnchanged } from "./unchanged";

export interface ApplyContext {
  readonly store: ObjectStore;
  readonly project: ManifestProject;
  readonly inventoryId: string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** How long to wait for a CRD of the same commit to be Established. */
  readonly crdWaitMs?: number;
  /** Live objects read ahead by prefetchLive; missing keys are read with a GET. */
  readonly liveCache?: LiveCache;
}

export interface ApplyOutcome {
  readonly result: ObjectResult;
  /** Refused by the inventory policy: someone else's object, never to enter our inventory. */
  readonly notOwned: boolean;
  /** True when a write request was sent. */
  readonly wrote: boolean;
  /** Skipped because the live object already is what an apply would make it. */
  readonly unchanged?: boolean;
}

/** Applies one in-scope object: ownership, skip-if-unchanged, server-side apply. */
export async function applyObject(ctx: ApplyContext, obj: Ordered<ScopedObject>): Promise<ApplyOutcome> {
  const ref = refOf(obj);
  const out = (status: ObjectResult["status"], message: string, extra: Partial<ApplyOutcome> = {}): ApplyOutcome => ({
    result: result(ref, status, message, ctx.logger),
    notOwned: false,
    wrote: false,
    ...extra,
  });
  if (obj.waitForCrd) {
    const notReady = await waitForCrd(ctx, obj.waitForCrd, obj.apiVersion, obj.kind);
    if (notReady) return out("ApplyFailed", `${describe(ref)}: CustomResourceDefinition ${obj.waitForCrd} did not become Established: ${notReady}`);
  }
  const info = ctx.store.info(obj.apiVersion, obj.kind);
  if (!info) return out("ApplyFailed", `${describe(ref)}: ${ctx.store.discovery.whyUnknown(obj.group, obj.version, obj.kind)}`);
  const body = withOwner(obj.body as Record<string, unknown>, ctx.inventoryId);
  try {
    const key = objRefKey(ref);
    const live = ctx.liveCache?.has(key) ? ctx.liveCache.get(key) : await ctx.store.get(info, obj.namespace, obj.name);
    const decision = ownershipDecision(ctx.project.inventory_policy, ctx.inventoryId, live);
    if (decision.action === "skip") return out("ApplyFailed", `${describe(ref)}: ${decision.reason}`, { notOwned: true });
    if (live && isUnchanged(body, live, FIELD_MANAGER)) return out("Skipped", `${describe(ref)}: unchanged`, { unchanged: true });
    if (ctx.project.dry_run_strategy === "client") return out("Skipped", `${describe(ref)}: dry run (client): not sent`);
    await ctx.store.apply(info, obj.namespace, obj.name, body, ctx.project.dry_run_strategy === "server");
    const dry = ctx.project.dry_run_strategy === "server" ? " (server dry run)" : "";
    return out("Applied", `${describe(ref)}: applied${dry}`, { wrote: true });
  } catch (err) {
    return out("ApplyFailed", `${describe(ref)}: ${errorMessage(err)}`);
  }
}

export function describe(ref: ObjRef): string {
  const g = ref.group ? `.${ref.group}` : "";
  return `${ref.kind}${g} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

export { errorMessage } from "../kube";

/**
 * Undefined once the CRD is Established and discovery serves `apiVersion` `kind`; else why not: its
 * status, why it could not be read, or that the server does not serve the kind yet (the apiserver
 * marks a CRD Established a moment before discovery lists its group-version).
 */
async function waitForCrd(ctx: ApplyContext, name: string, apiVersion: string, kind: string): Promise<string | undefined> {
  const info = ctx.store.info("apiextensions.k8s.io/v1", "CustomResourceDefinition");
  if (!info) return "the cluster serves no apiextensions.k8s.io/v1 CustomResourceDefinition";
  const deadline = Date.now() + (ctx.crdWaitMs ?? 60_000);
  let why = "not found";
  while (Date.now() < deadline && !ctx.signal.aborted) {
    try {
      const live: Live | undefined = await ctx.store.get(info, undefined, name);
      const status = live ? computeStatus(live) : undefined;
      if (status?.status === "Current") {
        await ctx.store.discovery.refresh();
        if (ctx.store.info(apiVersion, kind)) return undefined;
        why = `Established, but the API server does not serve ${apiVersion} ${kind} yet`;
      } else {
        why = status ? status.message : "not found";
      }
    } catch (err) {
      why = `reading it failed: ${errorMessage(err)}`;
      if (!isTransient(err)) return why; // a 403 will not change by waiting
    }
    await sleep(200, ctx.signal);
  }
  return why;
}
