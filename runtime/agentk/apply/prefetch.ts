import { objRefKey, type ObjRef } from "../plan";
import { resourcePath, type ResourceInfo } from "../kube";
import type { Live, ObjectStore } from "./objects";

/** Live objects by objRefKey; a key present with `undefined` means "does not exist". */
export type LiveCache = Map<string, Live | undefined>;

/**
 * One LIST per (resource, namespace) instead of one GET per object: a sync of
 * 1000 ConfigMaps reads them in one request. Where the list is refused (the
 * agent may get but not list), nothing is cached and the applier GETs as before.
 */
/** What prefetchLive needs of an object. */
export interface LiveKey {
  readonly apiVersion: string;
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export async function prefetchLive(store: ObjectStore, objects: readonly LiveKey[]): Promise<LiveCache> {
  const groups = new Map<string, { info: ResourceInfo; refs: ObjRef[]; namespace?: string }>();
  for (const obj of objects) {
    const info = store.info(obj.apiVersion, obj.kind);
    if (!info) continue;
    const path = resourcePath(info, obj.namespace);
    const g = groups.get(path) ?? { info, refs: [], namespace: obj.namespace };
    g.refs.push({ group: obj.group, kind: obj.kind, namespace: obj.namespace ?? "", name: obj.name });
    groups.set(path, g);
  }
  const cache: LiveCache = new Map();
  await Promise.all(
    [...groups].map(async ([path, g]) => {
      if (g.refs.length < 2) return; // a single object: a GET is as cheap
      let list: { items?: Live[] };
      try {
        list = await store.client.request<{ items?: Live[] }>("GET", path);
      } catch {
        return;
      }
      const byName = new Map((list.items ?? []).map((item) => [String((item.metadata as { name?: unknown } | undefined)?.name), item]));
      const apiVersion = g.info.group ? `${g.info.group}/${g.info.version}` : g.info.version;
      // List items carry no apiVersion/kind; a GET's answer does, and the unchanged check compares them.
      // Every item is kept, not only the asked-for ones: prune (step 5) finds there what left Git.
      for (const [name, item] of byName) cache.set(objRefKey({ group: g.info.group, kind: g.info.kind, namespace: g.namespace ?? "", name }), { apiVersion, kind: g.info.kind, ...item });
      for (const ref of g.refs) if (!byName.has(ref.name)) cache.set(objRefKey(ref), undefined);
    }),
  );
  return cache;
}

/** Runs `fn` over `items` with at most `limit` in flight, results in input order. */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
