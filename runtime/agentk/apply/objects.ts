import { Discovery, isNotFound, resourcePath, type KubeClient, type ResourceInfo } from "../kube";
import type { PrunePropagationPolicy } from "../../rpc";
import { OwnWrites } from "./own-writes";

export const FIELD_MANAGER = "agentk";

export type Live = Record<string, unknown>;

/** The API calls the applier makes, by group/version/kind. */
export class ObjectStore {
  constructor(
    readonly client: KubeClient,
    readonly discovery: Discovery,
    /** What our applies and deletes produced, for the drift watch to tell our writes from others'. */
    readonly ownWrites: OwnWrites = new OwnWrites(FIELD_MANAGER),
  ) {}

  info(apiVersion: string, kind: string): ResourceInfo | undefined {
    return this.discovery.lookup(apiVersion, kind);
  }

  async get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<Live | undefined> {
    try {
      return await this.client.request<Live>("GET", resourcePath(info, namespace, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Server-side apply of the body exactly as given; `dryRun` asks the server to validate without persisting. */
  apply(info: ResourceInfo, namespace: string | undefined, name: string, body: unknown, dryRun = false): Promise<Live> {
    const path = resourcePath(info, namespace, name);
    const send = (): Promise<Live> =>
      this.client.request<Live>("PATCH", path, {
        body,
        contentType: "application/apply-patch+yaml",
        query: { fieldManager: FIELD_MANAGER, force: "true", dryRun: dryRun ? "All" : undefined },
      });
    return dryRun ? send() : this.ownWrites.track(path, "apply", send);
  }

  /** Deletes; a missing object is fine (already pruned). */
  /**
   * Deletes the object; gone already is fine. `resourceVersion`: only that
   * version of it (the apiserver answers 409 Conflict if it changed since).
   */
  async delete(info: ResourceInfo, namespace: string | undefined, name: string, policy: PrunePropagationPolicy, resourceVersion?: string): Promise<void> {
    const propagationPolicy = policy === "foreground" ? "Foreground" : policy === "background" ? "Background" : "Orphan";
    const path = resourcePath(info, namespace, name);
    const body = { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy, ...(resourceVersion ? { preconditions: { resourceVersion } } : {}) };
    try {
      await this.ownWrites.track(path, "delete", () => this.client.request("DELETE", path, { body }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
