import { isReachable } from "./ancestry";

// a <- b <- c <- m (merge of c and x), x <- y on a side branch from a.
const graph: Record<string, string[]> = { a: [], b: ["a"], c: ["b"], x: ["a"], m: ["c", "x"], y: ["x"] };
const parents = async (c: string): Promise<string[]> => graph[c] ?? [];

test("a commit is reachable from itself, its children and merges of it; not from a side branch", async () => {
  expect(await isReachable(parents, "c", "c")).toBe(true);
  expect(await isReachable(parents, "a", "c")).toBe(true);
  expect(await isReachable(parents, "x", "m")).toBe(true);
  expect(await isReachable(parents, "c", "y")).toBe(false);
  expect(await isReachable(parents, "m", "c")).toBe(false);
});

test("the walk is bounded: past maxCommits commits read, the answer is false", async () => {
  const chain = async (c: string): Promise<string[]> => [String(Number(c) - 1)];
  expect(await isReachable(chain, "0", "50", 100)).toBe(true);
  expect(await isReachable(chain, "0", "500", 100)).toBe(false);
});
