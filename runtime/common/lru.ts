/**
 * Caches bounded by total weight (bytes, or 1 an entry for a count bound),
 * evicting the least recently used ("second chance": a hit only marks its
 * entry, which eviction then moves to the back once instead of dropping it;
 * a hit costs one map lookup, not a reordering). Pure: no timers, no I/O.
 *
 * One LruBudget can be shared by many scopes (one per repository, say): each
 * scope is a map by its own keys, so a lookup needs no composed key, while
 * the weight bound and the eviction order are the budget's.
 */

interface Slot<K, V> {
  readonly scope: Map<K, Slot<K, V>>;
  readonly key: K;
  readonly value: V;
  readonly weight: number;
  used: boolean;
}

export class LruBudget<V> {
  /** Every slot of every scope, oldest first. */
  private readonly order = new Set<Slot<unknown, V>>();
  private readonly named = new Map<string, LruScope<unknown, V>>();
  private total = 0;

  /**
   * @param maxWeight the most the entries of all scopes may weigh together
   * @param weigh an entry's weight; one heavier than a quarter of maxWeight is not kept
   */
  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  /** A new, empty scope drawing on this budget, or with `name`, the one scope of that name (made on first use). */
  scope<K>(name?: string): LruScope<K, V> {
    if (name === undefined) return new LruScope<K, V>(this);
    let scope = this.named.get(name);
    if (scope === undefined) {
      scope = new LruScope<unknown, V>(this);
      this.named.set(name, scope);
    }
    return scope as LruScope<K, V>;
  }

  get size(): number {
    return this.order.size;
  }

  /** The weight of every entry together. */
  get weight(): number {
    return this.total;
  }

  /** @internal Used by LruScope. */
  add<K>(scope: Map<K, Slot<K, V>>, key: K, value: V): void {
    const weight = this.weigh(value);
    if (weight > this.maxWeight / 4) return;
    const slot: Slot<K, V> = { scope, key, value, weight, used: false };
    scope.set(key, slot);
    this.order.add(slot as Slot<unknown, V>);
    this.total += weight;
    for (const oldest of this.order) {
      if (this.total <= this.maxWeight) break;
      this.order.delete(oldest);
      if (oldest.used) {
        oldest.used = false;
        this.order.add(oldest);
        continue;
      }
      oldest.scope.delete(oldest.key);
      this.total -= oldest.weight;
    }
  }

  /** @internal Used by LruScope. */
  remove<K>(slot: Slot<K, V>): void {
    slot.scope.delete(slot.key);
    if (this.order.delete(slot as Slot<unknown, V>)) this.total -= slot.weight;
  }
}

export class LruScope<K, V> {
  private readonly slots = new Map<K, Slot<K, V>>();

  constructor(private readonly budget: LruBudget<V>) {}

  get size(): number {
    return this.slots.size;
  }

  get(key: K): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    slot.used = true;
    return slot.value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    this.budget.add(this.slots, key, value);
  }

  delete(key: K): void {
    const slot = this.slots.get(key);
    if (slot !== undefined) this.budget.remove(slot);
  }
}

/** A cache with a budget of its own. */
export class Lru<K, V> {
  private readonly budget: LruBudget<V>;
  private readonly entries: LruScope<K, V>;

  /**
   * @param maxWeight the most the entries may weigh together
   * @param weigh an entry's weight; one heavier than a quarter of maxWeight is not kept
   */
  constructor(maxWeight: number, weigh?: (value: V) => number) {
    this.budget = new LruBudget(maxWeight, weigh);
    this.entries = this.budget.scope<K>();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The weight of every entry together. */
  get weight(): number {
    return this.budget.weight;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.set(key, value);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}

/**
 * `read()` once per key while `remembered` holds its value: concurrent callers
 * share the read in flight (kept in `pending`), a value read goes to
 * `remembered`, a failed read is forgotten (the next caller tries again).
 */
export function readThrough<K, V>(remembered: LruScope<K, V>, pending: Map<K, Promise<V>>, key: K, read: () => Promise<V>): Promise<V> {
  const hit = remembered.get(key);
  if (hit !== undefined) return Promise.resolve(hit);
  let reading = pending.get(key);
  if (reading === undefined) {
    reading = read();
    pending.set(key, reading);
    reading.then(
      (value) => {
        pending.delete(key);
        remembered.set(key, value);
      },
      () => pending.delete(key),
    );
  }
  return reading;
}
