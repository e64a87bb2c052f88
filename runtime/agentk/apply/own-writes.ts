/**
 * What agentk's own writes produced: the resourceVersion each apply answered
 * with, and the uid of each object it deleted. The drift watch sees these
 * writes as events like anyone else's; without this record it took them for
 * drift and synced every changing commit twice (the second pass logging every
 * object again).
 */

/** The part of an object (or of a delete's Status) the record reads. */
interface Written {
  readonly metadata?: { readonly resourceVersion?: unknown; readonly uid?: unknown };
  readonly details?: { readonly uid?: unknown };
}

/** resourceVersions and uids kept: far more than one sync writes; the oldest are forgotten first. */
const MAX_REMEMBERED = 50_000;

export class OwnWrites {
  private readonly versions = new Set<string>();
  private readonly deletedUids = new Set<string>();
  /** Object path -> writes to it still in flight. */
  private readonly inFlight = new Map<string, Set<Promise<unknown>>>();

  /** @param fieldManager the field manager the applies are sent as */
  constructor(readonly fieldManager: string) {}

  /**
   * Runs `write` (to the object at `path`, as resourcePath names it) and
   * records what its answer produced before anyone awaiting `settled(path)`
   * resumes: an event of this write cannot be judged before its answer is in.
   */
  track<T>(path: string, kind: "apply" | "delete", write: () => Promise<T>): Promise<T> {
    const running = write().then((answer) => {
      this.record(kind, answer as Written | undefined);
      return answer;
    });
    const set = this.inFlight.get(path) ?? new Set<Promise<unknown>>();
    set.add(running);
    this.inFlight.set(path, set);
    const done = (): void => {
      set.delete(running);
      if (set.size === 0 && this.inFlight.get(path) === set) this.inFlight.delete(path);
    };
    running.then(done, done);
    return running;
  }

  /** Resolves once no write of ours to `path` is in flight (at once when none is). */
  async settled(path: string): Promise<void> {
    const set = this.inFlight.get(path);
    if (set) await Promise.allSettled([...set]);
  }

  /** Whether `object` (a watch event's) is in a state our own write made: a version we wrote, or an object we deleted. */
  isOwn(object: Written): boolean {
    const rv = object.metadata?.resourceVersion;
    const uid = object.metadata?.uid;
    return (typeof rv === "string" && this.versions.has(rv)) || (typeof uid === "string" && this.deletedUids.has(uid));
  }

  private record(kind: "apply" | "delete", answer: Written | undefined): void {
    const rv = answer?.metadata?.resourceVersion;
    if (typeof rv === "string") remember(this.versions, rv);
    // A delete answers with the object (still finalizing) or with a Status naming its uid.
    const uid = answer?.metadata?.uid ?? answer?.details?.uid;
    if (kind === "delete" && typeof uid === "string") remember(this.deletedUids, uid);
  }
}

function remember(set: Set<string>, value: string): void {
  set.add(value);
  if (set.size > MAX_REMEMBERED) set.delete(set.values().next().value as string);
}
