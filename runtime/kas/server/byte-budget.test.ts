import { ByteBudgets } from "./byte-budget";

const never = (): void => undefined;

test("an agent's leases never exceed its budget; waiters are served in order as bytes come back", async () => {
  const budgets = new ByteBudgets(100);
  const a = await budgets.acquire("a", 60, never);
  const order: string[] = [];
  const b = budgets.acquire("a", 60, never).then((l) => (order.push("b"), l));
  const c = budgets.acquire("a", 30, never).then((l) => (order.push("c"), l));
  // Another agent has a budget of its own.
  await budgets.acquire("other", 100, never);
  await new Promise((r) => setImmediate(r));
  expect(order).toEqual([]);
  expect(budgets.used("a")).toBe(60);
  a.shrink(20);
  const lb = await b;
  expect(budgets.used("a")).toBe(80);
  a.release();
  const lc = await c;
  expect(order).toEqual(["b", "c"]);
  expect(budgets.used("a")).toBe(90);
  lb.release();
  lc.release();
  lc.release();
  expect(budgets.used("a")).toBe(0);
});

test("a request over the whole budget is capped to it; a waiter that gives up is forgotten", async () => {
  const budgets = new ByteBudgets(100);
  const big = await budgets.acquire("a", 1_000, never);
  expect(budgets.used("a")).toBe(100);
  let cancel: (() => void) | undefined;
  let granted = false;
  void budgets.acquire("a", 10, (c) => (cancel = c)).then(() => (granted = true));
  cancel!();
  big.release();
  await new Promise((r) => setImmediate(r));
  expect(granted).toBe(false);
  expect(budgets.used("a")).toBe(0);
});

test("a waiter that gives up at the head of the line lets the ones behind it in when they fit", async () => {
  const budgets = new ByteBudgets(100);
  await budgets.acquire("a", 50, never);
  let cancelHead: (() => void) | undefined;
  void budgets.acquire("a", 80, (c) => (cancelHead = c));
  let granted = false;
  void budgets.acquire("a", 30, never).then(() => (granted = true));
  await new Promise((r) => setImmediate(r));
  expect(granted).toBe(false);
  cancelHead!();
  await new Promise((r) => setImmediate(r));
  expect(granted).toBe(true);
  expect(budgets.used("a")).toBe(80);
});
