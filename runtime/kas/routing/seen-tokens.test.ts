/** The private API's memory of used token ids: a second use refused, ids forgotten once their token expired, never more than its bound. */
import { SeenTokens } from "./seen-tokens";

test("GIVEN a token id used WHEN used again before it expires THEN replayed; once expired THEN forgotten (its token is refused as expired anyway)", () => {
  const seen = new SeenTokens();
  expect(seen.use("a", 30_000, 0)).toBeUndefined();
  expect(seen.use("a", 30_000, 29_999)).toBe("the token was already used (replayed)");
  expect(seen.use("b", 60_000, 30_000)).toBeUndefined();
  expect(seen.size).toBe(1);
});

test("GIVEN the bound reached THEN further calls are refused until ids expire; memory stays at the bound", () => {
  const seen = new SeenTokens(3);
  for (const id of ["a", "b", "c"]) expect(seen.use(id, 1_000, 0)).toBeUndefined();
  expect(seen.use("d", 1_000, 10)).toBe("more than 3 calls within a token's lifetime; try again");
  expect(seen.size).toBe(3);
  expect(seen.use("d", 2_000, 1_000)).toBeUndefined();
  expect(seen.size).toBe(1);
});
