import { createInterface } from "node:readline";
import { createBackoff, F, sleep, type Logger } from "../../common";
import { resourcePath, type KubeClient, type ResourceInfo } from "../kube";
import { fingerprint } from "./fingerprint";

/** The applier's record of its own writes (apply's OwnWrites), as the watch reads it. */
export interface OwnWriteLog {
  /** The field manager our applies write as: drift is a change to what it owns (fingerprint). */
  readonly fieldManager: string;
  /** Resolves once no write of ours to the object at `path` (resourcePath with its name) is in flight. */
  settled(path: string): Promise<void>;
  /** Whether the object of an event is in a state our own write made. */
  isOwn(object: { metadata?: { resourceVersion?: unknown; uid?: unknown } }): boolean;
}

export interface WatchedObject {
  readonly info: ResourceInfo;
  readonly namespace: string;
  readonly name: string;
}

interface WatchEvent {
  readonly type: string;
  readonly object: { metadata?: { name?: string; resourceVersion?: unknown; uid?: unknown } };
}

/**
 * Watches the objects a worker manages and calls `onDrift` when one is
 * deleted or edited by someone (its fingerprint changes), so the worker
 * re-applies at once instead of at the next periodic re-apply.
 * One watch per (resource, namespace); our own no-op re-apply changes nothing,
 * and events our own applies and prunes produced (`own`) are not drift: a
 * commit is synced once, not once more for its own writes.
 */
export class DriftWatcher {
  private controller = new AbortController();
  private readonly seen = new Map<string, string>();
  /** path -> names watched there; a loop runs per path for as long as it has names. */
  private readonly groups = new Map<string, Set<string>>();

  constructor(
    private readonly client: KubeClient,
    private readonly logger: Logger,
    private readonly onDrift: (what: string) => void,
    private readonly own?: OwnWriteLog,
  ) {}

  /**
   * Sets the watched objects (after each sync). Watches already open stay
   * open, so an edit or delete right after a sync is not lost in a restart.
   */
  watch(objects: readonly WatchedObject[]): void {
    const wanted = new Map<string, Set<string>>();
    for (const o of objects) {
      const path = resourcePath(o.info, o.namespace);
      wanted.set(path, (wanted.get(path) ?? new Set<string>()).add(o.name));
    }
    for (const [path, names] of this.groups) {
      const next = wanted.get(path);
      names.clear();
      for (const n of next ?? []) names.add(n);
    }
    for (const [path, names] of wanted) {
      if (this.groups.has(path)) continue;
      this.groups.set(path, names);
      void this.loop(path, names, this.controller.signal);
    }
  }

  stop(): void {
    this.controller.abort();
    this.controller = new AbortController();
    this.groups.clear();
    this.seen.clear();
  }

  private async loop(path: string, names: Set<string>, signal: AbortSignal): Promise<void> {
    const backoff = createBackoff({ initialMs: 500, maxMs: 30_000 });
    // A path whose names all left stays open but idle (cheap), ready if they come back.
    while (!signal.aborted) {
      try {
        const res = await this.client.open("GET", path, { query: { watch: "1", allowWatchBookmarks: "false" }, signal, longLived: true });
        if (res.statusCode !== 200) {
          res.resume();
          throw new Error(`watch ${path}: HTTP ${res.statusCode}`);
        }
        backoff.reset();
        for await (const line of createInterface({ input: res, crlfDelay: Infinity })) {
          if (!line) continue;
          await this.handle(JSON.parse(line) as WatchEvent, names, path);
        }
      } catch (err) {
        if (signal.aborted) return;
        this.logger.debug("Drift watch interrupted; resuming", { [F.path]: path, [F.error]: err });
      }
      await sleep(backoff.next(), signal);
    }
  }

  private async handle(event: WatchEvent, names: Set<string>, path: string): Promise<void> {
    const name = event.object.metadata?.name;
    if (!name || !names.has(name)) return;
    const key = `${path}/${name}`;
    if (this.own) {
      // The event can come before the answer to the write that made it: judge it once that answer is in.
      await this.own.settled(`${path}/${encodeURIComponent(name)}`);
      if (this.own.isOwn(event.object)) {
        if (event.type === "DELETED") this.seen.delete(key);
        else this.seen.set(key, fingerprint(event.object, this.own.fieldManager));
        return;
      }
    }
    if (event.type === "DELETED") {
      this.seen.delete(key);
      this.onDrift(`${key} deleted`);
      return;
    }
    const fp = fingerprint(event.object, this.own?.fieldManager);
    const before = this.seen.get(key);
    this.seen.set(key, fp);
    if (before !== undefined && before !== fp) this.onDrift(`${key} modified`);
  }
}
