import { createHash } from "node:crypto";
import { F, type Logger } from "../../common";
import { inventoryEntry, readInventory, readInventoryEntry, type ObjRef } from "../plan";
import { isNotFound, KubeApiError, type KubeClient } from "../kube";
import { FIELD_MANAGER } from "./objects";

/**
 * One manifest project's inventory: a key of the agent's single inventory
 * ConfigMap in its own namespace (`<serviceAccount>-inventory`, see
 * runtime/common/agent-state.ts), which its Role lets it get and patch by
 * name only, so agents sharing the namespace cannot read or rewrite it.
 *
 * The key is the inventory id, unchanged from the per-project ConfigMaps
 * agentk wrote before (`agentk-inventory-<agentId>-<hash>`): objects keep their
 * owning-inventory annotation, so prune still deletes only what this project's
 * inventory owns. Such an older ConfigMap is read once when the key is absent,
 * and deleted after its content is carried over.
 */
export class InventoryStore {
  /** The id written to objects' owning-inventory annotation; also this project's key in the ConfigMap. */
  readonly id: string;
  /** The per-project ConfigMap older agentk wrote (read once, then deleted). */
  readonly legacyName: string;
  /** Each project applies its own key under its own field manager: server-side apply then leaves the others' keys alone. */
  private readonly fieldManager: string;
  private migrated = false;

  constructor(
    private readonly client: KubeClient,
    readonly namespace: string,
    /** The agent's inventory ConfigMap: agentStateNames(serviceAccount).inventory. */
    readonly name: string,
    agentId: string,
    projectId: string,
    private readonly log: Logger,
  ) {
    const h = createHash("sha256").update(projectId).digest("hex").slice(0, 10);
    this.legacyName = `agentk-inventory-${agentId}-${h}`.toLowerCase();
    this.id = `agent-${agentId}-${h}`;
    this.fieldManager = `${FIELD_MANAGER}-inventory-${h}`;
  }

  private path(name = this.name): string {
    return `/api/v1/namespaces/${this.namespace}/configmaps/${name}`;
  }

  async read(): Promise<ObjRef[]> {
    let cm: { data?: Record<string, string> | null } | undefined;
    try {
      cm = await this.client.request("GET", this.path());
    } catch (err) {
      // Missing is fine for an agent allowed to create it (run as an admin, out of the cluster); the first write says otherwise.
      if (!isNotFound(err)) throw this.explain(err, "read");
    }
    const entry = cm?.data?.[this.id];
    if (entry !== undefined) return readInventoryEntry(this.id, entry).refs;
    return this.readLegacy();
  }

  async write(refs: readonly ObjRef[]): Promise<void> {
    const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: this.name, namespace: this.namespace }, data: { [this.id]: inventoryEntry(refs) } };
    try {
      await this.client.request("PATCH", this.path(), {
        body,
        contentType: "application/apply-patch+yaml",
        query: { fieldManager: this.fieldManager, force: "true" },
      });
    } catch (err) {
      throw this.explain(err, "write");
    }
    if (this.migrated) await this.deleteLegacy();
  }

  private async readLegacy(): Promise<ObjRef[]> {
    try {
      const refs = readInventory(await this.client.request("GET", this.path(this.legacyName))).refs;
      this.migrated = true;
      this.log.info("Carrying over the inventory of an older agentk", { [F.name]: this.legacyName, [F.count]: refs.length });
      return refs;
    } catch (err) {
      if (isNotFound(err)) return [];
      // Expected with the least-privilege Role (it names only the new ConfigMap): say what is lost, do not fail the sync.
      this.log.warn(
        `Cannot read the inventory ConfigMap an older agentk kept for this project; it starts from the objects in Git, so objects removed from Git before the upgrade are not pruned. Delete ${this.namespace}/${this.legacyName} once you have checked for them`,
        { [F.name]: this.legacyName, [F.namespace]: this.namespace, [F.error]: err },
      );
      return [];
    }
  }

  private async deleteLegacy(): Promise<void> {
    try {
      await this.client.request("DELETE", this.path(this.legacyName));
    } catch (err) {
      if (!isNotFound(err)) this.log.warn("Could not delete the older inventory ConfigMap after carrying it over", { [F.name]: this.legacyName, [F.error]: err });
    }
    this.migrated = false;
  }

  /** A 403 or 404 on the agent's own inventory means its RBAC or the ConfigMap created with it is missing: say where both come from. */
  private explain(err: unknown, what: "read" | "write"): unknown {
    if (!(err instanceof KubeApiError) || (err.status !== 403 && err.status !== 404)) return err;
    return new Error(
      `cannot ${what} the agent's inventory ConfigMap ${this.namespace}/${this.name} (${err.reason}: ${err.message}); ` +
        "it and the Role that lets the agent get and patch it by name are created by infra/rbac or `agentk generate` for the agent's ServiceAccount",
    );
  }
}
