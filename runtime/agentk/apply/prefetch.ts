import { objRefKey, type ObjRef } from "../plan";
import { resourcePath, type ResourceInfo } from "../kube";
import type { Live, ObjectStore } from "./objects";

/** Live objects by objRefKey; a key present with `undefined` means "does not exist". */
export type LiveCache = Map<string, Live | undefined>;

/** What prefetchLive needs of an object. */
export interface LiveKey {
  readonly apiVersion: string;
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/**
 * Items a LIST page holds. One answer for 10,000 ConfigMaps is a 15 MiB body
 * turned into one string (V8 allocates it straight in the old generation),
 * and a sync that made three of them kept its heap hundreds of MiB above its
 * live data (bench big-agent); pages of 500 are ~1 MiB and die young.
 */
export const LIST_PAGE_SIZE = 500;

/**
 * One LIST per (resource, namespace), in pages, instead of one GET per object:
 * a sync of 1000 ConfigMaps reads them in two requests, and keeps only the
 * items it asked for, and those of `alsoKeep` the same lists hold (the
 * inventory's objects: prune, step 5, finds there what left Git without a GET
 * each). Where the list is refused (the agent may get but not list), nothing
 * is cached and the applier GETs as before.
 */
export async function prefetchLive(store: ObjectStore, objects: readonly LiveKey[], alsoKeep: readonly ObjRef[] = [], pageSize = LIST_PAGE_SIZE): Promise<LiveCache> {
  const keep = new Set(alsoKeep.map(objRefKey));
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
      const wanted = new Set(g.refs.map((r) => r.name));
      const kept = (name: string): boolean => wanted.has(name) || keep.has(objRefKey({ group: g.info.group, kind: g.info.kind, namespace: g.namespace ?? "", name }));
      const byName = new Map<string, Live>();
      let next: string | undefined = "";
      try {
        while (next !== undefined) {
          const page: LivePage = await store.client.request<LivePage>("GET", path, { query: { limit: String(pageSize), continue: next || undefined } });
          for (const item of page.items ?? []) {
            const name = String((item.metadata as { name?: unknown } | undefined)?.name);
            if (kept(name)) byName.set(name, item);
          }
          next = page.metadata?.continue || undefined;
        }
      } catch {
        return; // refused, or the continue token expired (410): the applier GETs each object instead
      }
      const apiVersion = g.info.group ? `${g.info.group}/${g.info.version}` : g.info.version;
      // List items carry no apiVersion/kind; a GET's answer does, and the unchanged check compares them.
      for (const [name, item] of byName) cache.set(objRefKey({ group: g.info.group, kind: g.info.kind, namespace: g.namespace ?? "", name }), { apiVersion, kind: g.info.kind, ...item });
      for (const ref of g.refs) if (!byName.has(ref.name)) cache.set(objRefKey(ref), undefined);
    }),
  );
  return cache;
}

interface LivePage {
  readonly items?: Live[];
  readonly metadata?: { readonly continue?: string };
}
