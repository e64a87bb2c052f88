import { F, type Logger } from "../../common";
import type { KubeClient } from "./client";
import { errorMessage } from "./errors";

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
  /** Group-versions whose list failed at the last refresh, with the cause. */
  private failed = new Map<string, string>();

  constructor(
    private readonly client: KubeClient,
    private readonly logger?: Logger,
  ) {}

  async refresh(): Promise<void> {
    const groups = await this.client.request<{ groups: { name: string; versions: { groupVersion: string }[] }[] }>("GET", "/apis");
    const groupVersions = ["v1", ...groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
    const failed = new Map<string, string>();
    const lists = await Promise.all(
      groupVersions.map((gv) => {
        const path = gv === "v1" ? "/api/v1" : `/apis/${gv}`;
        return this.client.request<APIResourceList>("GET", path).catch((err: unknown) => {
          // An aggregated API whose backend is down answers 503: the rest of the cluster is still usable.
          failed.set(gv, errorMessage(err));
          this.logger?.warn("API discovery failed: its kinds are unknown until it answers", { [F.path]: path, [F.error]: errorMessage(err) });
          return this.known(gv);
        });
      }),
    );
    const byGvk = new Map<string, ResourceInfo>();
    const byGk = new Map<string, ResourceInfo>();
    // Preferred versions come first in /apis, so the first seen per group/kind is the preferred one.
    for (const list of lists) {
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
    this.failed = failed;
  }

  /** What a failed group-version served at the last good refresh: a passing 503 must not make known kinds unknown. */
  private known(groupVersion: string): APIResourceList {
    const [group, version] = splitGroupVersion(groupVersion);
    const resources = [...this.byGvk.values()].filter((i) => i.group === group && i.version === version).map((i) => ({ name: i.resource, kind: i.kind, namespaced: i.namespaced }));
    return { groupVersion, resources };
  }

  /**
   * Why apiVersion/kind has no mapping: `no API resource for apps/v1 Deployment in the cluster`,
   * or, when its group-version's list failed, `apps/v1 discovery failed: <cause>`.
   * Without a version (an inventory entry), any failed version of the group.
   */
  whyUnknown(group: string, version: string | undefined, kind: string): string {
    const gv = (v: string) => (group === "" ? v : `${group}/${v}`);
    const failed = [...this.failed].find(([k]) => (version === undefined ? splitGroupVersion(k)[0] === group : k === gv(version)));
    const what = version === undefined ? `${group || "core"} ${kind}` : `${gv(version)} ${kind}`;
    return failed ? `no API resource for ${what}: ${failed[0]} discovery failed: ${failed[1]}` : `no API resource for ${what} in the cluster`;
  }

  /** True when a group-version of `group` failed discovery at the last refresh (its kinds may exist). */
  discoveryFailed(group: string): boolean {
    return [...this.failed.keys()].some((k) => splitGroupVersion(k)[0] === group);
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
