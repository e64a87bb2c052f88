import { Lru, LruBudget, readThrough } from "./lru";

test("drops the least recently used entries once over the weight", () => {
  const lru = new Lru<string, string>(16, (v) => v.length);
  lru.set("a", "aaaa");
  lru.set("b", "bbbb");
  lru.set("c", "cccc");
  expect(lru.get("a")).toBe("aaaa"); // now the most recent
  lru.set("d", "dddd");
  expect(lru.weight).toBe(16);
  lru.set("e", "ee");
  expect(lru.get("b")).toBeUndefined();
  expect([lru.get("a"), lru.get("c"), lru.get("d"), lru.get("e")]).toEqual(["aaaa", "cccc", "dddd", "ee"]);
  expect(lru.weight).toBe(14);
});

test("an entry over a quarter of the weight is not kept; replacing an entry reweighs it", () => {
  const lru = new Lru<string, string>(12, (v) => v.length);
  lru.set("big", "xxxx");
  expect(lru.get("big")).toBeUndefined();
  lru.set("k", "abc");
  lru.set("k", "ab");
  expect(lru.weight).toBe(2);
  expect(lru.size).toBe(1);
  lru.delete("k");
  expect(lru.size).toBe(0);
  expect(lru.weight).toBe(0);
});

test("counts entries when no weight is given", () => {
  const lru = new Lru<number, number>(8);
  for (let i = 0; i < 20; i++) lru.set(i, i);
  expect(lru.size).toBe(8);
  expect(lru.get(11)).toBeUndefined();
  expect(lru.get(19)).toBe(19);
});

test("scopes of one budget share its weight bound and eviction order; keys of different scopes never meet", () => {
  const budget = new LruBudget<string>(12, (v) => v.length);
  const a = budget.scope<string>("a");
  const b = budget.scope<string>("b");
  expect(budget.scope<string>("a")).toBe(a);
  a.set("k", "aaa");
  b.set("k", "bbb");
  a.set("x", "xxx");
  b.set("y", "yyy"); // 12: full
  expect(a.get("x")).toBe("xxx"); // used: survives the next eviction once
  b.set("z", "zzz"); // 15: the oldest unused entry, a's k, goes
  expect([a.get("k"), b.get("k"), a.get("x"), b.get("y"), b.get("z")]).toEqual([undefined, "bbb", "xxx", "yyy", "zzz"]);
  expect([budget.weight, budget.size]).toEqual([12, 4]);
  b.delete("k");
  expect([budget.weight, budget.size, a.size, b.size]).toEqual([9, 3, 1, 2]);
});

test("a hit costs no reordering until eviction: an entry used once is kept over an unused one, then treated as new", () => {
  const lru = new Lru<number, number>(4);
  for (let i = 1; i <= 4; i++) lru.set(i, i);
  expect(lru.get(1)).toBe(1);
  lru.set(5, 5); // 1 was used: it moves back; 2 goes
  expect([lru.get(2), lru.size]).toEqual([undefined, 4]);
  lru.set(6, 6); // 3 is the oldest unused now
  expect(lru.get(3)).toBeUndefined();
  expect([lru.get(1), lru.get(4), lru.get(5), lru.get(6)]).toEqual([1, 4, 5, 6]);
});

test("readThrough: concurrent callers share one read, a value is remembered, a failure is forgotten", async () => {
  const remembered = new LruBudget<string>(8).scope<string>();
  const pending = new Map<string, Promise<string>>();
  let reads = 0;
  const read = (fail: boolean) => async () => {
    reads++;
    if (fail) throw new Error("gone");
    return "v";
  };
  await expect(readThrough(remembered, pending, "k", read(true))).rejects.toThrow("gone");
  expect(pending.size).toBe(0);
  const [a, b] = await Promise.all([readThrough(remembered, pending, "k", read(false)), readThrough(remembered, pending, "k", read(false))]);
  expect([a, b, reads]).toEqual(["v", "v", 2]);
  expect(await readThrough(remembered, pending, "k", read(true))).toBe("v");
  expect([reads, pending.size, remembered.get("k")]).toEqual([2, 0, "v"]);
});
