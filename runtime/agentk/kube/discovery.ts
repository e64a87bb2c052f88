import type { KubeClient } from "./client";

export interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** URL segment, e.g. "deployments". */
  readonly resource: string;
  readonly namespaced: boolean;
}

interface APIResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean }[];
}

/**
 * The REST mapping of the cluster: (apiVersion, kind) -> URL and scope.
 * Refreshed on demand, e.g. when a commit brings a kind we do not know yet
 * (a CRD applied a moment ago).
 */
export class Discovery {
  private byGvk = new Map<string, ResourceInfo>();
  private byGk = new Map<string, ResourceInfo>();

  constructor(private readonly client: KubeClient) {}

  async refresh(): Promise<void> {
    const groups = await this.client.request<{ groups: { name: string; versions: { groupVersion: string }[] }[] }>("GET", "/apis");
    const groupVersions = ["v1", ...groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
    const lists = await Promise.all(
      groupVersions.map((gv) =>
        this.client.request<APIResourceList>("GET", gv === "v1" ? "/api/v1" : `/apis/${gv}`).catch(() => undefined),
      ),
    );
    const byGvk = new Map<string, ResourceInfo>();
    const byGk = new Map<string, ResourceInfo>();
    // Preferred versions come first in /apis, so the first seen per group/kind is the preferred one.
    for (const list of lists) {
      if (!list) continue;
      const [group, version] = splitGroupVersion(list.groupVersion);
      for (const r of list.resources) {
        if (r.name.includes("/")) continue; // subresources
        const info: ResourceInfo = { group, version, kind: r.kind, resource: r.name, namespaced: r.namespaced };
        byGvk.set(`${group}/${version}/${r.kind}`, info);
        if (!byGk.has(`${group}/${r.kind}`)) byGk.set(`${group}/${r.kind}`, info);
      }
    }
    this.byGvk = byGvk;
    this.byGk = byGk;
  }

  lookup(apiVersion: string, kind: string): ResourceInfo | undefined {
    const [group, version] = splitGroupVersion(apiVersion);
    return this.byGvk.get(`${group}/${version}/${kind}`);
  }

  scopeOf(group: string, kind: string): "Namespaced" | "Cluster" | undefined {
    const info = this.byGk.get(`${group}/${kind}`);
    return info === undefined ? undefined : info.namespaced ? "Namespaced" : "Cluster";
  }

  /** Any version of group/kind, for objects we only know by reference (inventory). */
  lookupGroupKind(group: string, kind: string): ResourceInfo | undefined {
    return this.byGk.get(`${group}/${kind}`);
  }
}

export function splitGroupVersion(apiVersion: string): [group: string, version: string] {
  const i = apiVersion.indexOf("/");
  return i < 0 ? ["", apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

/** /api/v1/namespaces/ns/pods/name or /apis/apps/v1/deployments */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const base = info.group === "" ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${ns}/${info.resource}${name ? `/${encodeURIComponent(name)}` : ""}`;
}
