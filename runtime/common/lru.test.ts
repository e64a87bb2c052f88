import { Lru } from "./lru";

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
