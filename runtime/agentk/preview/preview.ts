/**
 * A preview of one commit of one manifest project (issue 18): the sync's
 * steps (apply/sync.ts) without a single write. Parse and default namespace
 * as the sync does; the agent's scope; each object in scope through
 * previewObject (a dry-run apply); what prune would delete, from the
 * project's inventory (read, never written).
 */
import type { GitopsScope, ManifestProject, ObjectsBatch, PreviewObject, PreviewResult, RbacChange } from "../../rpc";
import { applyDefaultNamespace, applyOrder, checkScope, objRefKey, parseManifests, planPrune, pruneDecision, refOf, reportByFile, type ObjRef } from "../plan";
import { InventoryStore, mapPool, type ObjectStore } from "../apply";
import type { Logger } from "../../common";
import { previewObject, previewRef } from "./object-step";

export interface PreviewCommitRequest {
  readonly batch: ObjectsBatch;
  readonly project: ManifestProject;
  readonly scope: GitopsScope;
  readonly agentId: string;
  readonly agentNamespace: string;
  readonly inventoryName: string;
}

/** Objects previewed at once (each a GET and a dry-run PATCH). */
const CONCURRENCY = 8;

export async function previewCommit(store: ObjectStore, req: PreviewCommitRequest, log: Logger): Promise<PreviewResult> {
  const base = { project_id: req.batch.projectId, commit_id: req.batch.commitId };
  const empty = { objects: [], prune: { enabled: req.project.prune, objects: [] }, rbac: [] };
  const parsed = parseManifests(req.batch.files);
  if ("errors" in parsed) return { ...base, ...empty, rejected: reportByFile(parsed.errors) };
  if (parsed.objects.some((o) => !store.discovery.scopeOf(o.group, o.kind))) await store.discovery.refresh();
  const defaulted = applyDefaultNamespace(parsed.objects, req.project.default_namespace, (g, k) => store.discovery.scopeOf(g, k));
  if ("errors" in defaulted) return { ...base, ...empty, rejected: reportByFile(defaulted.errors) };

  const objects: PreviewObject[] = [];
  const inScope = defaulted.objects.filter((obj) => {
    const why = checkScope(obj, req.scope, req.project, obj.scope === "Namespaced");
    if (why) objects.push({ ref: previewRef(refOf(obj)), action: "out_of_scope", message: why });
    return !why;
  });
  for (const o of defaulted.unknown) objects.push({ ref: previewRef(refOf(o)), action: "invalid", message: store.discovery.whyUnknown(o.group, o.version, o.kind) });

  const inventory = new InventoryStore(store.client, req.agentNamespace, req.inventoryName, req.agentId, req.batch.projectId, log);
  const previous = await inventory.read();
  const rbac: RbacChange[] = [];
  for (const out of await mapPool(applyOrder(inScope), CONCURRENCY, (obj) => previewObject(store, req.project, inventory.id, obj))) {
    objects.push(out.object);
    if (out.rbac) rbac.push(out.rbac);
  }

  const desired: ObjRef[] = [...inScope, ...defaulted.unknown].map(refOf);
  const failed = new Set(objects.filter((o) => o.action !== "create" && o.action !== "change" && o.action !== "unchanged").map((o) => objRefKey({ namespace: "", ...o.ref })));
  const pruned = req.project.prune ? await prunable(store, req.project, inventory.id, planPrune(previous, desired, desired.filter((r) => failed.has(objRefKey(r))))) : [];
  return { ...base, objects, prune: { enabled: req.project.prune, objects: pruned.map(previewRef) }, rbac };
}

/** Of `refs`, those prune would delete: still there and ours by the inventory policy (an unreadable one is listed: prune would try it). */
async function prunable(store: ObjectStore, project: ManifestProject, inventoryId: string, refs: readonly ObjRef[]): Promise<ObjRef[]> {
  const keep = await mapPool(refs, CONCURRENCY, async (ref) => {
    const info = store.discovery.lookupGroupKind(ref.group, ref.kind);
    if (!info) return true;
    try {
      return pruneDecision(project.inventory_policy, inventoryId, await store.get(info, ref.namespace || undefined, ref.name)).action === "prune";
    } catch {
      return true;
    }
  });
  return refs.filter((_, i) => keep[i]);
}
