/**
 * The preview of one object, as the real apply would meet it (apply-step.ts):
 * the live object (GET), the ownership and skip-if-unchanged rules, then a
 * server-side apply with dryRun=All under the same field manager and options,
 * so the server says what it would store, or refuses as it would.
 */
import type { ManifestProject, PreviewObject, PreviewRef, RbacChange } from "../../rpc";
import { ownershipDecision, refOf, withOwner, type ObjRef, type Ordered, type ScopedObject } from "../plan";
import { FIELD_MANAGER, isUnchanged, type ObjectStore } from "../apply";
import { errorMessage, KubeApiError } from "../kube";
import { diffObjects, isSecret } from "./diff";
import { rbacChange } from "./rbac";

export interface ObjectPreview {
  readonly object: PreviewObject;
  readonly rbac?: RbacChange;
}

export function previewRef(ref: ObjRef): PreviewRef {
  return { group: ref.group, kind: ref.kind, name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) };
}

/** The action an apiserver refusal stands for: 403 forbidden, anything else invalid. */
export function refusedAction(err: unknown): "forbidden" | "invalid" {
  return err instanceof KubeApiError && err.status === 403 ? "forbidden" : "invalid";
}

export async function previewObject(store: ObjectStore, project: ManifestProject, inventoryId: string, obj: Ordered<ScopedObject>): Promise<ObjectPreview> {
  const ref = previewRef(refOf(obj));
  const fail = (err: unknown): ObjectPreview => ({ object: { ref, action: refusedAction(err), message: errorMessage(err) } });
  const info = store.info(obj.apiVersion, obj.kind);
  if (!info) {
    // Its kind comes with a CustomResourceDefinition of this commit: nothing of it can exist yet, and no server can check it before the CRD does.
    if (obj.waitForCrd) return { object: { ref, action: "create", message: `not checked by the server: its CustomResourceDefinition ${obj.waitForCrd} comes with this commit` } };
    return { object: { ref, action: "invalid", message: store.discovery.whyUnknown(obj.group, obj.version, obj.kind) } };
  }
  const body = withOwner(obj.body as Record<string, unknown>, inventoryId);
  let live: Record<string, unknown> | undefined;
  try {
    live = await store.get(info, obj.namespace, obj.name);
  } catch (err) {
    // The apply reads first too: a refused read is the apply's refusal.
    return fail(err);
  }
  const decision = ownershipDecision(project.inventory_policy, inventoryId, live);
  if (decision.action === "skip") return { object: { ref, action: "invalid", message: decision.reason } };
  if (live && isUnchanged(body, live, FIELD_MANAGER)) return { object: { ref, action: "unchanged" } };
  let after: Record<string, unknown>;
  try {
    after = await store.apply(info, obj.namespace, obj.name, body, true);
  } catch (err) {
    return fail(err);
  }
  const rbac = rbacChange(ref, live, after);
  if (live === undefined) return { object: { ref, action: "create" }, ...(rbac ? { rbac } : {}) };
  const changes = diffObjects(live, after, { redactValues: isSecret(obj.group, obj.kind) });
  return { object: changes.length === 0 ? { ref, action: "unchanged" } : { ref, action: "change", changes }, ...(rbac ? { rbac } : {}) };
}
