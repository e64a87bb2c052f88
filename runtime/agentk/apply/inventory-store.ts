import { createHash } from "node:crypto";
import { inventoryConfigMap, readInventory, type ObjRef } from "../plan";
import { isNotFound, type KubeClient } from "../kube";
import { FIELD_MANAGER } from "./objects";

/**
 * The inventory ConfigMap of one (agent, manifest project), in the agent's own
 * namespace, so the agent needs no cluster-wide ConfigMap rights.
 */
export class InventoryStore {
  readonly name: string;
  /** The id written to objects' owning-inventory annotation and the ConfigMap's label. */
  readonly id: string;

  constructor(
    private readonly client: KubeClient,
    readonly namespace: string,
    agentId: string,
    projectId: string,
  ) {
    const h = createHash("sha256").update(projectId).digest("hex").slice(0, 10);
    this.name = `agentk-inventory-${agentId}-${h}`.toLowerCase();
    this.id = `agent-${agentId}-${h}`;
  }

  private get path(): string {
    return `/api/v1/namespaces/${this.namespace}/configmaps/${this.name}`;
  }

  async read(): Promise<ObjRef[]> {
    try {
      const cm = await this.client.request("GET", this.path);
      return readInventory(cm).refs;
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  async write(refs: readonly ObjRef[]): Promise<void> {
    await this.client.request("PATCH", this.path, {
      body: inventoryConfigMap(this.name, this.namespace, this.id, refs),
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: FIELD_MANAGER, force: "true" },
    });
  }
}
